// Resolve a framework specifier the way the app resolves it, from the app's entrypoint rather than
// from governor's own files (which, when governor is installed from a path, reach governor's
// dev-dependencies). For governor/register imported by the app, after the static graph is linked.
import { SOURCE_EXTENSIONS } from "./shared.js";
import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";

const ESM_CONDITIONS = new Set(["node", "import", "default"]);

/** `@scope/pkg/sub/path` -> { name: "@scope/pkg", subpath: "./sub/path" }. */
export function splitSpecifier(spec: string): { name: string; subpath: string } {
  const parts = spec.split("/");
  const n = spec.startsWith("@") ? 2 : 1;
  const rest = parts.slice(n).join("/");
  return { name: parts.slice(0, n).join("/"), subpath: rest ? `./${rest}` : "." };
}

/** The package directory Node would find for `name`, walking up from `fromDir`. */
export function findPackageDir(name: string, fromDir: string): string | null {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "node_modules", name);
    if (existsSync(path.join(candidate, "package.json"))) return candidate;
    if (path.dirname(dir) === dir) return null;
  }
}

function pickTarget(target: unknown): string | null {
  if (typeof target === "string") return target;
  if (Array.isArray(target)) {
    for (const t of target) {
      const r = pickTarget(t);
      if (r) return r;
    }
    return null;
  }
  if (target && typeof target === "object") {
    for (const [key, value] of Object.entries(target)) {
      if (!ESM_CONDITIONS.has(key)) continue;
      const r = pickTarget(value);
      if (r) return r;
    }
  }
  return null;
}

/** A `"./*"`-style exports key: the longest matching prefix wins, `*` is substituted. */
function matchPattern(map: Record<string, unknown>, subpath: string): string | null {
  let best: string | null = null;
  for (const key of Object.keys(map)) {
    const star = key.indexOf("*");
    if (star < 0) continue;
    const [pre, post] = [key.slice(0, star), key.slice(star + 1)];
    if (
      subpath.startsWith(pre) &&
      subpath.endsWith(post) &&
      subpath.length >= key.length - 1 &&
      (!best || pre.length > best.indexOf("*"))
    )
      best = key;
  }
  if (!best) return null;
  const star = best.indexOf("*");
  const middle = subpath.slice(star, subpath.length - (best.length - star - 1));
  const target = pickTarget(map[best]);
  return target ? target.split("*").join(middle) : null;
}

/** The file URL `import(spec)` would load from `fromFile`, or null. Handles exports maps with
 *  plain subpaths and conditions (enough for the framework packages governor hooks). */
export function resolveEsmFrom(
  spec: string,
  fromFile: string,
): { url: string; baseDir: string } | null {
  const { name, subpath } = splitSpecifier(spec);
  const dir = findPackageDir(name, path.dirname(fromFile));
  if (!dir) return null;
  let pkg: { exports?: unknown; main?: string };
  try {
    pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));
  } catch {
    return null;
  }
  let rel: string | null = null;
  const exp = pkg.exports;
  if (exp !== undefined) {
    const map =
      typeof exp === "string" ||
      Array.isArray(exp) ||
      !Object.keys(exp as object).some((k) => k.startsWith("."))
        ? { ".": exp }
        : (exp as Record<string, unknown>);
    rel = subpath in map ? pickTarget(map[subpath]) : matchPattern(map, subpath);
  } else {
    rel = subpath === "." ? (pkg.main ?? "index.js") : subpath;
  }
  if (!rel) return null;
  const file = path.join(dir, rel);
  if (!existsSync(file)) return null;
  return { url: pathToFileURL(realpathSync(file)).href, baseDir: realpathSync(dir) };
}

/** The file `require(spec)` would load from `fromFile`, or null. */
export function resolveCjsFrom(spec: string, fromFile: string): string | null {
  try {
    return createRequire(fromFile).resolve(spec);
  } catch {
    return null;
  }
}

/** The dependencies declared by the package.json files from `file`'s directory up (a workspace
 *  package and its root both count). */
export function declaredDependencies(file: string): Set<string> {
  const out = new Set<string>();
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));
      for (const k of [
        "dependencies",
        "devDependencies",
        "optionalDependencies",
        "peerDependencies",
      ])
        for (const d of Object.keys(pkg[k] ?? {})) out.add(d);
    } catch {
      // no package.json here, or not JSON
    }
    if (path.dirname(dir) === dir) return out;
  }
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)["']([^"'\n]+)["']/g;
const LOCAL_EXTS = ["", ...SOURCE_EXTENSIONS];

function isFile(f: string): boolean {
  try {
    return statSync(f).isFile();
  } catch {
    return false;
  }
}

function localFile(spec: string, fromFile: string): string | null {
  const base = path.resolve(path.dirname(fromFile), spec);
  // TypeScript sources import "./x.js" for ./x.ts.
  const bases = /\.[mc]?js$/.test(base)
    ? [base, base.replace(/\.([mc]?)js$/, ".$1ts"), base.replace(/\.js$/, ".tsx")]
    : [base];
  for (const b of bases) {
    for (const ext of LOCAL_EXTS) if (isFile(b + ext)) return b + ext;
    for (const ext of LOCAL_EXTS.slice(1))
      if (isFile(path.join(b, "index" + ext))) return path.join(b, "index" + ext);
  }
  return null;
}

/**
 * The bare specifiers the app's own files import, following its relative imports from `entry`
 * (node_modules not entered; at most `limit` files). What an ESM entrypoint's static graph holds
 * before governor/register runs, found without loading anything.
 */
export function appImports(entry: string, limit = 2000): Set<string> {
  const bare = new Set<string>();
  const seen = new Set<string>([entry]);
  const queue = [entry];
  while (queue.length && seen.size <= limit) {
    const file = queue.shift()!;
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const m of text.matchAll(SPECIFIER)) {
      const spec = m[1];
      if (spec.startsWith("node:")) continue;
      if (spec.startsWith(".") || spec.startsWith("/")) {
        const f = localFile(spec, file);
        if (f && !seen.has(f) && !f.includes(`${path.sep}node_modules${path.sep}`)) {
          seen.add(f);
          queue.push(f);
        }
      } else {
        bare.add(spec);
      }
    }
  }
  return bare;
}
