import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

// `tsc --noEmit` for a package, with the project's own TypeScript when it has one.

export interface TypecheckResult {
  ok: boolean;
  /** The first error lines, for the message. */
  errors: string[];
  /** How many errors tsc reported. */
  count: number;
}

function findTsc(pkgDir: string): string | null {
  let dir = pkgDir;
  for (let i = 0; i < 30; i++) {
    const candidate = join(dir, "node_modules", "typescript", "bin", "tsc");
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  try {
    return createRequire(import.meta.url).resolve("typescript/bin/tsc");
  } catch {
    return null;
  }
}

export async function typecheck(pkgDir: string, tsconfig: string): Promise<TypecheckResult | null> {
  const { execa } = await import("execa"); // loaded when a child process runs
  const tsc = findTsc(pkgDir);
  if (!tsc) return null;
  const result = await execa(process.execPath, [tsc, "--noEmit", "-p", tsconfig], {
    cwd: pkgDir,
    reject: false,
    all: true,
    stdin: "ignore",
  });
  const all = (result.all ?? "").split(/\r?\n/).filter((l) => /error TS\d+/.test(l));
  return { ok: result.exitCode === 0, errors: all.slice(0, 5), count: all.length };
}
