import { readdirSync, statSync, existsSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import picomatch from "picomatch";

// Which source files init scans. Read only.

export const SOURCE_EXTENSIONS = [".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"];

// Never descended into: dependencies, VCS, governor's own backups.
export const ALWAYS_SKIPPED = new Set(["node_modules", ".git", ".governor", ".hg", ".svn"]);

// Skipped unless --include asks for them: build output, caches, tests.
export const DEFAULT_SKIPPED_DIRS = new Set([
  "dist", "build", "out", ".next", ".nuxt", ".output", ".svelte-kit", ".turbo", ".vercel", ".netlify",
  "coverage", ".cache", "__tests__", "__mocks__", "__snapshots__", "__fixtures__", "test", "tests",
  "e2e", "fixtures", "generated", "__generated__", "storybook-static",
]);

const GENERATED_NAME = /(\.d\.[mc]?ts$|\.min\.[mc]?js$|\.generated\.|\.gen\.[mc]?[jt]sx?$|\.bundle\.[mc]?js$)/;
const TEST_NAME = /\.(test|spec|e2e|stories|bench)\.[mc]?[jt]sx?$/;
const GENERATED_HEADER = /@generated|DO NOT EDIT|auto-?generated/i;
const MAX_BYTES = 1_000_000;

export interface FileScanOptions {
  include?: string[];
  exclude?: string[];
  /** Extra directory names (relative to root, posix) that are build output, e.g. tsconfig outDir. */
  outputDirs?: string[];
  /** Where `root` sits under the run root (a workspace package), so globs may name either path. */
  prefix?: string;
}

export const toPosix = (p: string) => p.split(sep).join("/");

export function isSourceFile(path: string): boolean {
  return SOURCE_EXTENSIONS.some((ext) => path.endsWith(ext));
}

/** True when the file's head says a tool wrote it (codegen output is rewritten on the next build). */
export function looksGenerated(text: string): boolean {
  return GENERATED_HEADER.test(text.slice(0, 400));
}

/**
 * Lists source files under `root` (paths relative to it, posix, sorted). Subdirectories that hold their
 * own package.json are separate packages and are not entered.
 */
export function listSourceFiles(root: string, options: FileScanOptions = {}): string[] {
  const prefix = options.prefix ? options.prefix.replace(/\/$/, "") + "/" : "";
  const matcher = (globs?: string[]) => {
    if (!globs?.length) return null;
    const m = picomatch(globs, { dot: true });
    return (rel: string) => m(rel) || (prefix !== "" && m(prefix + rel));
  };
  const include = matcher(options.include);
  const exclude = matcher(options.exclude);
  const outputDirs = new Set((options.outputDirs ?? []).map((d) => d.replace(/^\.\//, "").replace(/\/$/, "")));
  const found: string[] = [];

  const walk = (dir: string, depth: number) => {
    if (depth > 30) return;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const abs = join(dir, entry.name);
      const rel = toPosix(relative(root, abs));
      if (entry.isDirectory()) {
        if (ALWAYS_SKIPPED.has(entry.name)) continue;
        if (!include && (DEFAULT_SKIPPED_DIRS.has(entry.name) || outputDirs.has(rel))) continue;
        if (exclude && (exclude(rel) || exclude(rel + "/"))) continue;
        if (existsSync(join(abs, "package.json"))) continue;
        walk(abs, depth + 1);
        continue;
      }
      if (!entry.isFile() || !isSourceFile(entry.name)) continue;
      if (exclude && exclude(rel)) continue;
      if (include) {
        if (!include(rel)) continue;
      } else if (GENERATED_NAME.test(entry.name) || TEST_NAME.test(entry.name)) {
        continue;
      }
      try {
        if (statSync(abs).size > MAX_BYTES) continue;
      } catch {
        continue;
      }
      found.push(rel);
    }
  };
  walk(root, 0);
  return found.sort();
}

/** Reads the files, dropping any whose header marks them as generated. */
export function readSourceFiles(root: string, relPaths: string[]): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  for (const rel of relPaths) {
    const text = readFileSync(join(root, rel), "utf8");
    if (looksGenerated(text)) continue;
    out.push({ path: rel, text });
  }
  return out;
}
