import { isSourceFile } from "./files.js";
import { SOURCE_EXTENSIONS } from "../runtime/shared.js";

// Which files start the app: they get `import "governor/register"` first. Read only.

export interface Entrypoint {
  /** Path relative to the package directory, posix. */
  file: string;
  /** Where we found it, e.g. `package.json "main"`, `scripts.dev`, `Next.js route handler`. */
  reason: string;
}

export interface PackageJsonLike {
  main?: unknown;
  module?: unknown;
  bin?: unknown;
  exports?: unknown;
  scripts?: Record<string, unknown>;
}

// Scripts that start the app (and their variants: start:prod, dev:server).
export const APP_SCRIPT = /^(?:start|dev|serve|server|watch)(?:[:-].+)?$/;

const OUTPUT_PREFIX = /^(dist|build|out|lib|\.output)\//;
const RUNNERS = new Set([
  "node",
  "tsx",
  "ts-node",
  "ts-node-esm",
  "nodemon",
  "bun",
  "deno",
  "node-dev",
  "ts-node-dev",
  "esno",
  "esrun",
  "vite-node",
  "jiti",
]);
const CONVENTIONAL = [
  "src/index",
  "index",
  "src/server",
  "server",
  "src/main",
  "main",
  "src/app",
  "app",
];

function clean(p: string): string {
  return p.replace(/^\.\//, "").replace(/\\/g, "/");
}

function collectStrings(value: unknown, out: string[]): void {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => collectStrings(v, out));
  else if (value && typeof value === "object") {
    for (const [key, v] of Object.entries(value)) {
      if (key === "types" || key === "typings") continue;
      collectStrings(v, out);
    }
  }
}

/**
 * Resolves a path from package.json to a source file we scan: the file itself, or the source file that
 * a build output path comes from (dist/index.js -> src/index.ts).
 */
function toSource(raw: string, sources: Set<string>): string | null {
  const p = clean(raw);
  if (p.includes("*")) return null;
  if (sources.has(p)) return p;
  const stem = p.replace(/\.(d\.)?[mc]?[jt]sx?$/, "");
  const candidates = [stem, stem.replace(OUTPUT_PREFIX, "src/"), stem.replace(OUTPUT_PREFIX, "")];
  for (const c of candidates) {
    for (const ext of SOURCE_EXTENSIONS) if (sources.has(c + ext)) return c + ext;
    for (const ext of SOURCE_EXTENSIONS)
      if (sources.has(`${c}/index${ext}`)) return `${c}/index${ext}`;
  }
  // a listed path that was not scanned (excluded, or build output only) is not ours to touch
  return null;
}

/** File arguments of a script line: `tsx watch src/x.ts`, `node --import tsx ./server.js`, `a && node b.js`. */
export function scriptFiles(script: string): string[] {
  const files: string[] = [];
  for (const part of script.split(/&&|\|\||;|\|/)) {
    // quotes go: `concurrently "tsx watch src/server.ts" "vite"` runs tsx too
    const tokens = part
      .trim()
      .split(/\s+/)
      .map((t) => t.replace(/^["']+|["']+$/g, ""))
      .filter(Boolean);
    const runnerAt = tokens.findIndex((t) => RUNNERS.has(t.replace(/^.*\//, "")));
    if (runnerAt < 0) continue;
    for (const token of tokens.slice(runnerAt + 1)) {
      if (token.startsWith("-")) continue;
      if (isSourceFile(token) || /\.(ts|js)x?$/.test(token)) {
        files.push(clean(token));
        break;
      }
    }
  }
  return files;
}

const ROUTE_HANDLER = /^(src\/)?app\/(.+\/)?route\.[mc]?[jt]sx?$/;
const PAGES_API = /^(src\/)?pages\/api\/.+\.[mc]?[jt]sx?$/;
const USE_SERVER = /^(?:\s*(?:\/\/[^\n]*\n|\/\*[\s\S]*?\*\/))*\s*["']use server["']/;

/**
 * Finds entrypoints of one package. `sources` are the scanned files (relative, posix) with their text,
 * so Next.js server actions ("use server" files) can be recognised without another read.
 */
export function findEntrypoints(
  pkg: PackageJsonLike,
  sources: { path: string; text: string }[],
  nextjs: boolean,
): Entrypoint[] {
  const sourceSet = new Set(sources.map((s) => s.path));
  const found = new Map<string, string>();
  const add = (file: string | null, reason: string) => {
    if (file && !found.has(file)) found.set(file, reason);
  };

  if (typeof pkg.main === "string") add(toSource(pkg.main, sourceSet), 'package.json "main"');
  if (typeof pkg.bin === "string") add(toSource(pkg.bin, sourceSet), 'package.json "bin"');
  else if (pkg.bin && typeof pkg.bin === "object") {
    for (const [name, p] of Object.entries(pkg.bin)) {
      if (typeof p === "string") add(toSource(p, sourceSet), `package.json "bin.${name}"`);
    }
  }
  const exportPaths: string[] = [];
  collectStrings(pkg.exports, exportPaths);
  for (const p of exportPaths) add(toSource(p, sourceSet), 'package.json "exports"');
  // start, dev, serve first (as before), then their variants and the rest, in file order
  const scripts = Object.keys(pkg.scripts ?? {}).filter((n) => APP_SCRIPT.test(n));
  const first = ["start", "dev", "serve"].filter((n) => scripts.includes(n));
  for (const name of [...first, ...scripts.filter((n) => !first.includes(n))]) {
    const script = pkg.scripts?.[name];
    if (typeof script !== "string") continue;
    for (const f of scriptFiles(script)) add(toSource(f, sourceSet), `scripts.${name}`);
  }

  if (found.size === 0) {
    for (const stem of CONVENTIONAL) {
      const hit = SOURCE_EXTENSIONS.map((ext) => stem + ext).find((f) => sourceSet.has(f));
      if (hit) {
        add(hit, "conventional entry file");
        break;
      }
    }
  }

  if (nextjs) {
    for (const s of sources) {
      if (ROUTE_HANDLER.test(s.path)) add(s.path, "Next.js route handler");
      else if (PAGES_API.test(s.path)) add(s.path, "Next.js API route");
      else if (USE_SERVER.test(s.text)) add(s.path, "Next.js server actions");
    }
  }
  return [...found].map(([file, reason]) => ({ file, reason }));
}
