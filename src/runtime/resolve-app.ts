// Resolve a framework specifier the way the app resolves it, from the app's entrypoint rather than
// from governor's own files (which, when governor is installed from a path, reach governor's
// dev-dependencies). For governor/register imported by the app, after the static graph is linked.
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";

const ESM_CONDITIONS = new Set(["node", "import", "default"]);

function splitSpecifier(spec: string): { name: string; subpath: string } {
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
    if (subpath.startsWith(pre) && subpath.endsWith(post) && subpath.length >= key.length - 1 && (!best || pre.length > best.indexOf("*"))) best = key;
  }
  if (!best) return null;
  const star = best.indexOf("*");
  const middle = subpath.slice(star, subpath.length - (best.length - star - 1));
  const target = pickTarget(map[best]);
  return target ? target.split("*").join(middle) : null;
}

/** The file URL `import(spec)` would load from `fromFile`, or null. Handles exports maps with
 *  plain subpaths and conditions (enough for the framework packages governor hooks). */
export function resolveEsmFrom(spec: string, fromFile: string): { url: string; baseDir: string } | null {
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
    const map = typeof exp === "string" || Array.isArray(exp) || !Object.keys(exp as object).some((k) => k.startsWith(".")) ? { ".": exp } : (exp as Record<string, unknown>);
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
      for (const k of ["dependencies", "devDependencies", "optionalDependencies", "peerDependencies"]) for (const d of Object.keys(pkg[k] ?? {})) out.add(d);
    } catch {
      // no package.json here, or not JSON
    }
    if (path.dirname(dir) === dir) return out;
  }
}
