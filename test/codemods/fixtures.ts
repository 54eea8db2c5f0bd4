// Reads the codemod fixture cases: test/fixtures/codemods/<case>/{input,expected}/ plus case.json.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { PathAlias, ToolFinding } from "../../src/codemods/index.js";

export const FIXTURES = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../fixtures/codemods",
);

export interface Case {
  name: string;
  dir: string;
  inputs: { path: string; text: string }[];
  expected: Map<string, string>;
  meta: {
    type?: "module" | "commonjs";
    tools: Partial<ToolFinding>[];
    warnings?: string[];
    typecheck?: boolean;
    /** tsconfig `paths` as init passes them (targets relative to the case root). */
    paths?: PathAlias[];
  };
}

export function listFiles(root: string, rel = ""): string[] {
  const out: string[] = [];
  for (const e of readdirSync(path.join(root, rel)).sort()) {
    const r = rel ? `${rel}/${e}` : e;
    if (statSync(path.join(root, r)).isDirectory()) out.push(...listFiles(root, r));
    else out.push(r);
  }
  return out;
}

export function loadCase(name: string): Case {
  const dir = path.join(FIXTURES, name);
  const inputs = listFiles(path.join(dir, "input")).map((p) => ({
    path: p,
    text: readFileSync(path.join(dir, "input", p), "utf8"),
  }));
  const expected = new Map<string, string>();
  if (existsSync(path.join(dir, "expected")))
    for (const p of listFiles(path.join(dir, "expected")))
      expected.set(p, readFileSync(path.join(dir, "expected", p), "utf8"));
  const meta = JSON.parse(readFileSync(path.join(dir, "case.json"), "utf8"));
  return { name, dir, inputs, expected, meta };
}

export function listCases(): string[] {
  return readdirSync(FIXTURES)
    .filter((d) => existsSync(path.join(FIXTURES, d, "case.json")))
    .sort();
}

/** moduleKind as init passes it: .mjs/.mts ESM, .cjs/.cts CJS, else the package's "type". */
export function moduleKindFor(type: "module" | "commonjs" | undefined) {
  return (p: string): "esm" | "cjs" =>
    /\.m[jt]s$/.test(p) ? "esm" : /\.c[jt]s$/.test(p) ? "cjs" : type === "module" ? "esm" : "cjs";
}
