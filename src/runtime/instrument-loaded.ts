// governor/register imported by the app instead of preloaded: the framework modules its entrypoint
// imports statically were linked before the hooks existed. Patch the app's own copies now.
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { FRAMEWORKS, frameworkOf as frameworkOfSpec, type FrameworkId } from "../frameworks.js";
import { debug } from "./debug.js";
import { applyAdapter, instrumentationStatus, report } from "./instrument.js";
import {
  appImports,
  findPackageDir,
  resolveCjsFrom,
  resolveEsmFrom,
  splitSpecifier,
} from "./resolve-app.js";

/**
 * governor/register imported by the app (not preloaded): the framework modules the entrypoint
 * imports statically were loaded before the hooks. Find the app's own copies (resolved from the
 * entrypoint, for the frameworks its package.json declares) and patch what still can be: class
 * prototypes, and CJS modules already required.
 */
export async function patchAlreadyLoaded(entry: string | undefined, esm: boolean): Promise<void> {
  const status = instrumentationStatus();
  if (!status || status.mode !== "import" || !entry) return;
  // Only frameworks the app's own files import: importing one it does not use would load it.
  const imported = [...appImports(entry)];
  const used = new Set(
    imported.map((s) => frameworkOfSpec(s)).filter((f): f is FrameworkId => !!f),
  );
  const wanted = FRAMEWORKS.filter(
    (f) => f.instrument.length && (used.has(f.id) || f.reachedVia?.some((v) => used.has(v))),
  );
  for (const f of wanted) {
    // From the entrypoint, else from the packages the app imports (a dependency nested under them).
    const pkgs = new Set(
      imported
        .filter((s) => frameworkOfSpec(s) === f.id || f.reachedVia?.includes(frameworkOfSpec(s)!))
        .map((s) => splitSpecifier(s).name),
    );
    const froms = [
      entry,
      ...[...pkgs]
        .map((p) => findPackageDir(p, path.dirname(entry)))
        .filter((d): d is string => !!d)
        .map((d) => path.join(d, "package.json")),
    ];
    for (const specifier of f.instrument) {
      for (const from of froms) {
        const cjsFile = resolveCjsFrom(specifier, from);
        const cached = cjsFile ? createRequire(from).cache[cjsFile] : undefined;
        if (cached?.loaded) {
          const before = cached.exports as Record<string, unknown>;
          const out = applyAdapter(
            status,
            before,
            specifier,
            "cjs",
            findPackageDir(splitSpecifier(specifier).name, path.dirname(from)) ?? undefined,
          ) as Record<string, unknown>;
          if (out !== before) {
            // Code that required the module before holds the old exports: name what it keeps.
            cached.exports = out;
            const rec = status.modules.find((m) => m.exportsRef === before);
            const stale = Object.keys(out).filter((k) => out[k] !== before[k]);
            if (rec && stale.length) {
              rec.linkedBefore = stale;
              rec.patched = rec.patched.filter(
                (p) =>
                  !stale.some((u) => p === u || p.startsWith(`${u} `) || p.startsWith(`${u}(`)),
              );
              report({ ...rec, patched: [], missing: [] });
            }
          }
        }
        if (!esm) break;
        const hit = resolveEsmFrom(specifier, from);
        if (!hit) continue;
        // Synchronously when it can be required: an await here lets the entrypoint's later imports
        // run (and maybe call a tool) before the patch.
        const ns = requireLinked(hit.url, from);
        applyAdapter(
          status,
          ns ?? (await importLinked(hit.url)),
          specifier,
          "esm",
          hit.baseDir,
          true,
        );
        break;
      }
    }
  }
}

/**
 * The app's instance of an ES module linked before governor/register ran, loaded synchronously
 * (require of ESM, Node 20.19+): the same instance the app imports. Null when it cannot be required
 * (a module with top-level await of its own).
 */
function requireLinked(url: string, from: string): unknown {
  const file = fileURLToPath(url);
  const emit = process.emitWarning;
  // Node 20 warns once that require(esm) is experimental; that require is ours, not the app's.
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === "string" ? warning : warning?.message;
    if (/ES Module|require\(\)/.test(text ?? "")) return;
    return (emit as (...a: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return createRequire(from)(file);
  } catch (err) {
    debug(`could not require ${file} (${(err as Error)?.message}); importing it`);
    return null;
  } finally {
    process.emitWarning = emit;
  }
}

async function importLinked(url: string): Promise<unknown> {
  try {
    return await import(url);
  } catch (err) {
    debug(`could not load ${url} to patch it (${(err as Error)?.message})`);
    return null;
  }
}
