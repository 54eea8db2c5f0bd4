// TypeScript's compiler (9 MB of JavaScript inside ts-morph) costs V8 ~0.25 s to compile on every
// run; with V8's code cache it is ~25 ms, and the parser functions come precompiled. Node 22+ keeps
// that cache itself (module.enableCompileCache); on Node 20 governor keeps it, for big CommonJS
// files only, in a private directory. NODE_DISABLE_COMPILE_CACHE=1 turns both off.
import fs from "node:fs";
import Module from "node:module";
import path from "node:path";
import vm from "node:vm";
import { createHash } from "node:crypto";
import { privateTmpDir } from "./private-dir.js";

// Below this, compiling costs less than reading a cache file.
const BIG = 256 * 1024;
const KEEP = 8;
const SAMPLE = 64 * 1024;

interface CjsModule {
  exports: unknown;
  filename: string;
  require(id: string): unknown;
}
type Compile = (this: CjsModule, content: string, filename: string) => unknown;

let enabled = false;

export function enableCompileCache(): void {
  if (enabled || process.env.NODE_DISABLE_COMPILE_CACHE) return;
  enabled = true;
  const builtIn = (Module as { enableCompileCache?: () => unknown }).enableCompileCache;
  if (typeof builtIn === "function") {
    try {
      builtIn();
    } catch {
      // a cache is only ever a speed-up
    }
    return;
  }
  const dir = privateTmpDir("governor-compile-cache");
  if (!dir) return;
  const proto = (Module as unknown as { prototype: { _compile: Compile } }).prototype;
  const original = proto._compile;
  proto._compile = function (content, filename) {
    if (content.length < BIG) return original.call(this, content, filename);
    return compileCached(this, content, filename, dir) ?? original.call(this, content, filename);
  };
}

/** Runs the module from V8's cached data (written at exit when missing or stale); null on any trouble. */
function compileCached(
  mod: CjsModule,
  content: string,
  filename: string,
  dir: string,
): true | null {
  let script: vm.Script;
  let file: string;
  try {
    const key = keyOf(content, filename);
    file = path.join(dir, `${key}.v8`);
    let cachedData: Buffer | undefined;
    try {
      cachedData = fs.readFileSync(file);
    } catch {
      cachedData = undefined;
    }
    // import() inside the module resolves as it would have without the cache (Node 20.12+)
    const dynamicImport = vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER;
    script = new vm.Script(Module.wrap(content), {
      filename,
      cachedData,
      ...(dynamicImport ? { importModuleDynamically: dynamicImport } : {}),
    });
    if (!cachedData || script.cachedDataRejected) process.once("exit", () => save(script, file));
  } catch {
    return null;
  }
  const fn = script.runInThisContext() as (...args: unknown[]) => unknown;
  const require = Object.assign((id: string) => mod.require(id), {
    resolve: (request: string, options?: { paths?: string[] }) =>
      (
        Module as unknown as {
          _resolveFilename(r: string, m: unknown, isMain: boolean, o?: unknown): string;
        }
      )._resolveFilename(request, mod, false, options),
    cache: (Module as unknown as { _cache: unknown })._cache,
    main: (process as { mainModule?: unknown }).mainModule,
  });
  fn.call(mod.exports, mod.exports, require, mod, filename, path.dirname(filename));
  return true;
}

/**
 * The file as installed (its inode, size and change time: a reinstall or an edit changes them,
 * and npm's fixed mtimes do not matter) plus three 64 KB samples of the text Node compiles, in
 * case a loader hook rewrote it. Hashing all of TypeScript's 9 MB took 28 ms of every run.
 */
function keyOf(content: string, filename: string): string {
  const st = fs.statSync(filename, { bigint: true });
  const h = createHash("sha1").update(
    [process.version, process.arch, filename, content.length, st.dev, st.ino, st.size]
      .concat([st.mtimeNs, st.ctimeNs])
      .join("\0"),
  );
  const mid = content.length >> 1;
  for (const at of [0, mid - SAMPLE / 2, content.length - SAMPLE])
    h.update(content.slice(Math.max(0, at), Math.max(0, at) + SAMPLE));
  return h.digest("hex").slice(0, 32);
}

/** At exit, so the functions this run compiled lazily are in the cache too. */
function save(script: vm.Script, file: string): void {
  try {
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
    fs.renameSync(tmp, file);
    // Other versions' caches: keep the newest few.
    const dir = path.dirname(file);
    const old = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith(".v8"))
      .map((f) => ({ f, t: fs.statSync(path.join(dir, f)).mtimeMs }))
      .sort((a, b) => b.t - a.t)
      .slice(KEEP);
    for (const { f } of old) fs.rmSync(path.join(dir, f), { force: true });
  } catch {
    // a read-only or full disk only costs the speed-up
  }
}
