import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import picomatch from "picomatch";
import { toPosix } from "./files.js";

// npm / yarn / pnpm workspaces: which directories are packages of this repo. Read only.

export interface WorkspaceInfo {
  /** Directory of the workspace root (holding the workspaces declaration). */
  root: string;
  /** Package directories (absolute), sorted. */
  packages: string[];
}

function readPatterns(dir: string): string[] | null {
  const pnpmFile = join(dir, "pnpm-workspace.yaml");
  if (existsSync(pnpmFile)) {
    // loaded only for pnpm workspaces: most projects have none, and init starts faster without it
    const { parse } = createRequire(import.meta.url)("yaml") as typeof import("yaml");
    const doc = parse(readFileSync(pnpmFile, "utf8")) as { packages?: unknown } | null;
    if (Array.isArray(doc?.packages))
      return doc.packages.filter((p): p is string => typeof p === "string");
  }
  try {
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
      workspaces?: unknown;
    };
    const ws = pkg.workspaces as unknown;
    if (Array.isArray(ws)) return ws.filter((p): p is string => typeof p === "string");
    if (ws && typeof ws === "object" && Array.isArray((ws as { packages?: unknown }).packages)) {
      return (ws as { packages: unknown[] }).packages.filter(
        (p): p is string => typeof p === "string",
      );
    }
  } catch {
    // no or unreadable package.json: not a workspace root
  }
  return null;
}

/** The workspace declared at `dir` itself, or null when `dir` is not a workspace root. */
export function readWorkspace(dir: string): WorkspaceInfo | null {
  const patterns = readPatterns(dir);
  if (!patterns) return null;
  const positive = patterns
    .filter((p) => !p.startsWith("!"))
    .map((p) => p.replace(/^\.\//, "").replace(/\/$/, ""));
  const negative = patterns
    .filter((p) => p.startsWith("!"))
    .map((p) => p.slice(1).replace(/^\.\//, "").replace(/\/$/, ""));
  const isIn = picomatch(positive.length ? positive : ["__none__"]);
  const isOut = negative.length ? picomatch(negative) : () => false;
  const packages: string[] = [];
  const walk = (abs: string, depth: number) => {
    if (depth > 5) return;
    let entries;
    try {
      entries = readdirSync(abs, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory() || e.name === "node_modules" || e.name.startsWith(".")) continue;
      const child = join(abs, e.name);
      const rel = toPosix(relative(dir, child));
      if (isIn(rel) && !isOut(rel) && existsSync(join(child, "package.json"))) packages.push(child);
      walk(child, depth + 1);
    }
  };
  walk(dir, 0);
  return { root: dir, packages: packages.sort() };
}

/** The workspace root above `dir` that lists `dir` as a package, if any. */
export function findEnclosingWorkspace(dir: string): WorkspaceInfo | null {
  let current = dirname(dir);
  for (let i = 0; i < 20; i++) {
    if (
      existsSync(join(current, "package.json")) ||
      existsSync(join(current, "pnpm-workspace.yaml"))
    ) {
      const ws = readWorkspace(current);
      if (ws && ws.packages.includes(dir)) return ws;
    }
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  return null;
}
