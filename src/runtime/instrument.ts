// Zero-code instrumentation (governor/register): hook the framework modules listed in
// src/frameworks.ts as they load, with the hook libraries OpenTelemetry uses
// (require-in-the-middle for CJS, import-in-the-middle for ESM), and let each adapter patch them.
// Only those modules are intercepted. Adapters never import a framework: they patch what the hook
// hands them, which is the app's own copy even when governor is installed from a path.
import { readFileSync } from "node:fs";
import { createRequire, Module, register as registerLoader } from "node:module";
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
  /** ESM exports the adapter would rebind but could not: the module was linked before the hooks. */
  linkedBefore?: string[];
  /** The exports object patched (not serialised). */
  exportsRef?: unknown;
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
  const tokens = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)].flatMap(
    (t) => t.split("="),
  );
  const self = path.resolve(here);
  return tokens.some(
    (t) =>
      /governor\/register/.test(t) ||
      (t.includes("register") &&
        (t.startsWith("file:")
          ? t.endsWith(pathToFileURL(self).pathname)
          : path.resolve(t) === self)),
  );
}

function versionAt(baseDir: string | undefined): string | null {
  if (!baseDir) return null;
  try {
    return (
      (JSON.parse(readFileSync(path.join(baseDir, "package.json"), "utf8")) as { version?: string })
        .version ?? null
    );
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
    return (g[STATUS] = {
      mode: "off",
      esmHooks: false,
      modules: [],
      reason: "GOVERNOR_INSTRUMENT=off",
    });
  }
  if (isToolingProcess(process.argv[1])) {
    return (g[STATUS] = {
      mode: "skipped",
      esmHooks: false,
      modules: [],
      reason: `not the app (${path.basename(process.argv[1] ?? "")})`,
    });
  }
  const status: InstrumentationStatus = (g[STATUS] = {
    mode: loadedByFlag(opts.here) ? "flag" : "import",
    esmHooks: false,
    modules: [],
  });
  const req = createRequire(opts.here);
  const names = instrumentedModules().map((s) => s.specifier);
  const apply = (
    exports: unknown,
    specifier: string,
    format: "esm" | "cjs",
    baseDir: string | undefined,
  ) => applyAdapter(status, exports, specifier, format, baseDir);

  const ritm = loadRitm(req);
  new ritm.Hook(
    names,
    (exports, name, baseDir) => apply(exports, name, "cjs", baseDir) as typeof exports,
  );

  if (opts.esm) {
    try {
      const iitm = req("import-in-the-middle") as {
        Hook: new (m: string[], fn: (ns: any, name: string, baseDir?: string) => void) => unknown;
      };
      // import-in-the-middle's hooks, started on the first hooked import (dist/register-hooks.js).
      registerLoader(new URL("./register-hooks.js", pathToFileURL(opts.here)), {
        data: { include: names },
      });
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
    `instrumentation ${status.mode === "flag" ? "loaded before the app" : "loaded by the app's first import"}; hooking ${FRAMEWORKS.filter(
      (f) => f.instrument.length,
    )
      .map((f) => f.id)
      .join(", ")}`,
  );
  return status;
}

/**
 * require-in-the-middle loads `debug` for its own DEBUG=require-in-the-middle lines: ~5 ms of a
 * start-up budget of ~60. Unless those lines are asked for, it gets a silent stand-in for that one
 * load; the cache entry is removed at once, so the app's own require("debug") gets the real module.
 */
function loadRitm(req: NodeJS.Require): typeof import("require-in-the-middle") {
  const load = () => req("require-in-the-middle") as typeof import("require-in-the-middle");
  if (/require-in-the-middle|\*/.test(process.env.DEBUG ?? "")) return load();
  let debugFile: string;
  try {
    debugFile = createRequire(req.resolve("require-in-the-middle")).resolve("debug");
  } catch {
    return load();
  }
  const cache = req.cache;
  if (cache[debugFile]) return load();
  const stub = new Module(debugFile);
  stub.filename = debugFile;
  stub.loaded = true;
  stub.exports = () => Object.assign(() => undefined, { enabled: false });
  cache[debugFile] = stub;
  try {
    return load();
  } finally {
    if (cache[debugFile] === stub) delete cache[debugFile];
  }
}

const FRAMEWORK_OF = new Map(instrumentedModules().map((s) => [s.specifier, s.framework]));

/** Hand one module to its adapter and record the outcome. Returns the exports the app should get. */
export function applyAdapter(
  status: InstrumentationStatus,
  exports: unknown,
  specifier: string,
  format: "esm" | "cjs",
  baseDir: string | undefined,
  linked = false,
): unknown {
  const framework = FRAMEWORK_OF.get(specifier);
  const adapter = framework && ADAPTERS[framework];
  if (!framework || !adapter || exports == null) return exports;
  // The same module instance reached twice (a hook and the catch-up below): patch once.
  if (status.modules.some((m) => m.exportsRef === exports)) return exports;
  const version = versionAt(baseDir);
  // A module linked before the hooks existed: its exports cannot be rebound, only the objects
  // they hold patched. A proxy records what the adapter tried to rebind, reported as not gated.
  const unbound: string[] = [];
  const target = linked
    ? new Proxy(exports as object, {
        set(_t, key) {
          unbound.push(String(key));
          return true;
        },
      })
    : exports;
  let result: PatchResult;
  try {
    result = adapter.patch(target, { specifier, format, version, host: defaultImpl });
  } catch (err) {
    result = { patched: [], missing: [`the adapter failed (${(err as Error)?.message ?? err})`] };
  }
  const patched = result.patched.filter(
    (p) => !unbound.some((u) => p === u || p.startsWith(`${u} `) || p.startsWith(`${u}(`)),
  );
  const rec: PatchedModule = {
    framework,
    specifier,
    format,
    version,
    patched,
    missing: result.missing ?? [],
    exportsRef: exports,
  };
  if (unbound.length) rec.linkedBefore = unbound;
  status.modules.push(rec);
  report(rec);
  return format === "cjs" && result.exports !== undefined ? result.exports : exports;
}

export function report(rec: PatchedModule): void {
  const label = `${rec.specifier}${rec.version ? ` ${rec.version}` : ""} (${rec.format})`;
  if (rec.patched.length) debug(`instrumented ${label}: ${rec.patched.join(", ")}`);
  if (rec.linkedBefore?.length) {
    process.stderr.write(
      `governor: ${rec.linkedBefore.join(", ")} from ${label} were loaded before governor/register, so the tools handed to them are gated only where governor init rewrote them or governTools() wraps them. ` +
        `Start node with \`--import governor/register\` to gate every one.\n`,
    );
  }
  if (rec.missing.length) {
    const info = FRAMEWORKS.find((f) => f.id === rec.framework)!;
    process.stderr.write(
      `governor: could not instrument ${label}: ${rec.missing.join("; ")} not found (governor supports ${info.supported}). ` +
        `Those tools are NOT gated by instrumentation: run \`governor init\` or wrap them with governTools().\n`,
    );
  }
}
