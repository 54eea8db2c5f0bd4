// Zero-code instrumentation (governor/register): hook the framework modules listed in
// src/frameworks.ts as they load, with the hook libraries OpenTelemetry uses
// (require-in-the-middle for CJS, import-in-the-middle for ESM), and let each adapter patch them.
// Only those modules are intercepted. Adapters never import a framework: they patch what the hook
// hands them, which is the app's own copy even when governor is installed from a path.
import { readFileSync } from "node:fs";
import { createRequire, register as registerLoader } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { FRAMEWORKS, instrumentedModules, type FrameworkId } from "../frameworks.js";
import { ADAPTERS } from "./adapters/index.js";
import type { PatchResult } from "./adapters/types.js";
import { debug } from "./debug.js";
import { defaultImpl } from "./default.js";

export interface PatchedModule {
  framework: FrameworkId;
  specifier: string;
  format: "esm" | "cjs";
  version: string | null;
  patched: string[];
  missing: string[];
}

export interface InstrumentationStatus {
  /** "flag": loaded by --import/-r before the app; "import": loaded by the app's first import, so
   *  ESM modules the entrypoint imports statically were linked before the hooks existed. */
  mode: "flag" | "import" | "off" | "skipped";
  esmHooks: boolean;
  modules: PatchedModule[];
  /** Why instrumentation is off or skipped. */
  reason?: string;
}

const STATUS = Symbol.for("governor.instrumentation");

/** What governor/register instrumented in this process (for tests, doctor's probes and debug). */
export function instrumentationStatus(): InstrumentationStatus | undefined {
  return (globalThis as { [STATUS]?: InstrumentationStatus })[STATUS];
}

/** Processes that are not the app although NODE_OPTIONS reaches them: npm/npx, and the CLIs of
 *  tsx and similar runners, which start the app in a child process that is instrumented itself. */
export function isToolingProcess(argv1: string | undefined): boolean {
  if (!argv1) return false;
  const p = argv1.replace(/\\/g, "/");
  return (
    /\/(?:npm|npx)-cli\.js$/.test(p) ||
    /\/node_modules\/(?:npm|corepack|pnpm|yarn)\//.test(p) ||
    /\/(?:bin\/)?(?:npm|npx|pnpm|yarn|corepack)$/.test(p) ||
    /\/node_modules\/tsx\/dist\/cli\.[mc]?js$/.test(p) ||
    /\/node_modules\/\.bin\/(?:tsx|ts-node|nodemon)$/.test(p)
  );
}

/** Was governor/register preloaded (--import, -r, NODE_OPTIONS) rather than imported by the app? */
function loadedByFlag(here: string): boolean {
  const tokens = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)].flatMap((t) => t.split("="));
  const self = path.resolve(here);
  return tokens.some((t) => /governor\/register/.test(t) || (t.includes("register") && (t.startsWith("file:") ? t.endsWith(pathToFileURL(self).pathname) : path.resolve(t) === self)));
}

function versionAt(baseDir: string | undefined): string | null {
  if (!baseDir) return null;
  try {
    return (JSON.parse(readFileSync(path.join(baseDir, "package.json"), "utf8")) as { version?: string }).version ?? null;
  } catch {
    return null;
  }
}

/**
 * Start instrumenting. `esm`: also register import-in-the-middle's loader (the ESM build of
 * governor/register; the CJS build, `-r`, hooks require only). `here`: this file, to resolve the
 * hook libraries from governor's own dependencies.
 */
export function startInstrumentation(opts: { esm: boolean; here: string }): InstrumentationStatus {
  const g = globalThis as { [STATUS]?: InstrumentationStatus };
  if (g[STATUS]) return g[STATUS];
  const setting = (process.env.GOVERNOR_INSTRUMENT ?? "").toLowerCase();
  if (setting === "off" || setting === "false" || setting === "0") {
    debug("instrumentation off (GOVERNOR_INSTRUMENT=off)");
    return (g[STATUS] = { mode: "off", esmHooks: false, modules: [], reason: "GOVERNOR_INSTRUMENT=off" });
  }
  if (isToolingProcess(process.argv[1])) {
    return (g[STATUS] = { mode: "skipped", esmHooks: false, modules: [], reason: `not the app (${path.basename(process.argv[1] ?? "")})` });
  }
  const status: InstrumentationStatus = (g[STATUS] = { mode: loadedByFlag(opts.here) ? "flag" : "import", esmHooks: false, modules: [] });
  const req = createRequire(opts.here);
  const specs = instrumentedModules();
  const names = specs.map((s) => s.specifier);
  const frameworkOf = new Map(specs.map((s) => [s.specifier, s.framework]));

  const apply = (exports: unknown, specifier: string, format: "esm" | "cjs", baseDir: string | undefined): unknown => {
    const framework = frameworkOf.get(specifier);
    const adapter = framework && ADAPTERS[framework];
    if (!framework || !adapter || exports == null) return exports;
    const version = versionAt(baseDir);
    let result: PatchResult;
    try {
      result = adapter.patch(exports, { specifier, format, version, host: defaultImpl });
    } catch (err) {
      result = { patched: [], missing: [`the adapter failed (${(err as Error)?.message ?? err})`] };
    }
    const rec: PatchedModule = { framework, specifier, format, version, patched: result.patched, missing: result.missing ?? [] };
    status.modules.push(rec);
    report(rec);
    return format === "cjs" && result.exports !== undefined ? result.exports : exports;
  };

  const ritm = req("require-in-the-middle") as typeof import("require-in-the-middle");
  new ritm.Hook(names, (exports, name, baseDir) => apply(exports, name, "cjs", baseDir) as typeof exports);

  if (opts.esm) {
    try {
      const iitm = req("import-in-the-middle") as { Hook: new (m: string[], fn: (ns: any, name: string, baseDir?: string) => void) => unknown };
      registerLoader("import-in-the-middle/hook.mjs", pathToFileURL(opts.here), { data: { include: names } });
      new iitm.Hook(names, (ns, name, baseDir) => {
        apply(ns, name, "esm", baseDir);
      });
      status.esmHooks = true;
    } catch (err) {
      process.stderr.write(
        `governor: could not hook ES modules (${(err as Error)?.message}); tools of frameworks imported with \`import\` are gated only where governor init rewrote them or a wrapper (governTools) is used.\n`,
      );
    }
  }
  debug(
    `instrumentation ${status.mode === "flag" ? "loaded before the app" : "loaded by the app's first import"}; hooking ${FRAMEWORKS.filter((f) => f.instrument.length).map((f) => f.id).join(", ")}`,
  );
  return status;
}

function report(rec: PatchedModule): void {
  const label = `${rec.specifier}${rec.version ? ` ${rec.version}` : ""} (${rec.format})`;
  if (rec.patched.length) debug(`instrumented ${label}: ${rec.patched.join(", ")}`);
  if (rec.missing.length) {
    const info = FRAMEWORKS.find((f) => f.id === rec.framework)!;
    process.stderr.write(
      `governor: could not instrument ${label}: ${rec.missing.join("; ")} not found (governor supports ${info.supported}). ` +
        `Those tools are NOT gated by instrumentation: run \`governor init\` or wrap them with governTools().\n`,
    );
  }
}
