// The rewritten TS fixtures type-check against the real framework packages and the real
// governor/runtime, and keep the inferred types: some fixture tools hold a `@ts-expect-error` line
// that only errors while their parameters are inferred, so a wrapper that turns them into `any`
// fails with "unused directive". The inputs are checked in the same tsc program, so those lines
// are known to be right before the rewrite.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { expect, it } from "vitest";
import { gateSources } from "../../src/codemods/index.js";
import { isTsPath } from "../../src/codemods/modules.js";
import { listCases, loadCase, moduleKindFor } from "./fixtures.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
// Inside the repo so "ai", "zod", ... resolve from its node_modules.
const OUT = path.join(ROOT, "node_modules/.cache/governor-codemod-tsc");

it("every rewritten TS fixture passes tsc --noEmit", () => {
  rmSync(OUT, { recursive: true, force: true });
  const include: string[] = [];
  for (const name of listCases()) {
    const c = loadCase(name);
    if (c.meta.typecheck === false || !c.inputs.some((i) => isTsPath(i.path))) continue;
    const r = gateSources(c.inputs, { moduleKind: moduleKindFor(c.meta.type) });
    const after = new Map(r.files.map((f) => [f.path, f.after]));
    for (const i of c.inputs) {
      for (const [side, text] of [
        ["before", i.text],
        ["after", after.get(i.path) ?? i.text],
      ]) {
        const file = path.join(OUT, name, side, i.path);
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileSync(file, text);
      }
    }
    writeFileSync(
      path.join(OUT, name, "package.json"),
      JSON.stringify({ type: c.meta.type ?? "commonjs" }),
    );
    include.push(`${name}/**/*.ts`, `${name}/**/*.mts`, `${name}/**/*.cts`);
  }
  writeFileSync(
    path.join(OUT, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        lib: ["ES2023"],
        types: ["node"],
        strict: true,
        skipLibCheck: true,
        noEmit: true,
        paths: { "governor/runtime": [path.join(ROOT, "src/runtime/index.ts")] },
      },
      include,
    }),
  );
  let output = "";
  try {
    execFileSync(
      process.execPath,
      [path.join(ROOT, "node_modules/typescript/bin/tsc"), "-p", path.join(OUT, "tsconfig.json")],
      { encoding: "utf8" },
    );
  } catch (e) {
    output = String((e as { stdout?: string }).stdout ?? e);
  }
  expect(output).toBe("");
  expect(include.length).toBeGreaterThan(0);
}, 120_000);
