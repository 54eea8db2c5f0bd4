// The ES module loader governor/register registers: import-in-the-middle's own hooks, loaded on the
// first import of a module governor hooks. iitm's loader takes ~20 ms to start (it loads its lexers
// in the loader thread) and register() waits for it, so a process that never imports a framework
// (a script, a CLI NODE_OPTIONS reaches) would pay it for nothing. Every decision (what to wrap,
// how) stays iitm's: until a hooked specifier shows up, each call goes straight to the next hook.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
type Next = (a: string, ctx?: any) => any;
interface IitmHooks {
  initialize(data: unknown): Promise<void>;
  resolve(specifier: string, context: any, next: Next): Promise<any>;
  load(url: string, context: any, next: Next): Promise<any>;
}

let data: { include?: string[] } | undefined;
let include = new Set<string>();
let hooks: Promise<IitmHooks> | undefined;
// Set once iitm's hooks are loaded. The loader thread's own imports (iitm's modules, while they
// load) pass through these hooks too: they must go straight on, or they would wait on themselves.
let ready: IitmHooks | undefined;

function iitm(): Promise<IitmHooks> {
  return (hooks ??= (async () => {
    // import.meta.resolve is not there in Node 20's loader thread; require.resolve is.
    const hookUrl = pathToFileURL(
      createRequire(import.meta.url).resolve("import-in-the-middle/hook.mjs"),
    ).href;
    const { createHook } = (await import(new URL("create-hook.mjs", hookUrl).href)) as {
      createHook(meta: { url: string }): IitmHooks;
    };
    const h = createHook({ url: hookUrl });
    await h.initialize(data);
    return (ready = h);
  })());
}

export async function initialize(d: { include?: string[] } | undefined): Promise<void> {
  data = d;
  include = new Set(d?.include ?? []);
}

export async function resolve(specifier: string, context: any, next: Next): Promise<any> {
  if (ready) return ready.resolve(specifier, context, next);
  if (!include.has(specifier)) return next(specifier, context);
  return (await iitm()).resolve(specifier, context, next);
}

export async function load(url: string, context: any, next: Next): Promise<any> {
  return ready ? ready.load(url, context, next) : next(url, context);
}
