// Shared by the exec and fs hooks: replace a module's function by one that asks admit() first and
// otherwise calls the original unchanged, and tell Node's own nested calls apart from the app's.
import { admit, type Effect } from "./state.js";
import type { GovernorGuardError } from "../errors.js";

export interface HookSpec {
  /** What the call would do; none (an fd, a FileHandle): nothing to check. */
  effects(args: unknown[]): Effect[];
  /** Hand the refusal back the way this form reports errors (throw, callback, rejected promise). */
  refuse(err: GovernorGuardError, args: unknown[]): unknown;
  /** A sync form: Node can call it back only from inside another hooked call. */
  sync: boolean;
  /** Node's implementation (rimraf, cp) calls other hooked functions later, from its own callbacks. */
  startsNodeCalls?: boolean;
}

// Node's own code that calls public hooked functions to implement another one (exec -> execFile,
// appendFile -> writeFile, rm -> rmdir/unlink, cp -> mkdir/copyFile): that one call was checked.
// Not node:internal/util (promisify), which calls them on the app's behalf.
const NODE_IMPL = new Set([
  "node:fs",
  "node:child_process",
  "node:internal/fs/rimraf",
  "node:internal/fs/cp/cp",
  "node:internal/fs/cp/cp-sync",
]);
const PROMISIFY_CUSTOM = Symbol.for("nodejs.util.promisify.custom");
const fileOfCaller = (_: unknown, frames: NodeJS.CallSite[]) => frames[0]?.getFileName();

// > 0 while a hooked call runs its original, sync part only: a nested call then may be Node's.
let depth = 0;
// Once an async rm or cp went through, Node may call hooked functions from its callbacks.
let nodeCallsLater = false;

/** The file of whoever called `fn`, from one structured stack frame (the app's own
 *  Error.prepareStackTrace is put back at once). Anything odd: undefined, so the call is checked. */
function callerFile(fn: Function): string | undefined {
  const E = Error as unknown as { prepareStackTrace?: unknown; stackTraceLimit: number };
  const prep = E.prepareStackTrace;
  const limit = E.stackTraceLimit;
  try {
    E.prepareStackTrace = fileOfCaller;
    E.stackTraceLimit = 1;
    const holder: { stack?: unknown } = {};
    Error.captureStackTrace(holder, fn);
    return typeof holder.stack === "string" ? holder.stack : undefined;
  } catch {
    return undefined;
  } finally {
    try {
      E.prepareStackTrace = prep;
      E.stackTraceLimit = limit;
    } catch {
      // frozen intrinsics: nothing was changed
    }
  }
}

/** The first refusal among `effects`, each asked in turn (each ungoverned one is recorded). */
export function check(effects: Effect[]): GovernorGuardError | null {
  for (const e of effects) {
    const err = admit(e);
    if (err) return err;
  }
  return null;
}

/** Replace `obj[name]` by its guarded version (keeping name, length and own properties). */
export function hook(obj: Record<string, unknown>, name: string, spec: HookSpec): void {
  const orig = obj[name];
  if (typeof orig !== "function") return;
  const guarded = function (this: unknown, ...args: unknown[]): unknown {
    if ((depth > 0 || (nodeCallsLater && !spec.sync)) && NODE_IMPL.has(callerFile(guarded)!))
      return orig.apply(this, args);
    const err = check(spec.effects(args));
    if (err) return spec.refuse(err, args);
    if (spec.startsNodeCalls) nodeCallsLater = true;
    return callOriginal(orig, this, args);
  };
  copyShape(guarded, orig);
  obj[name] = guarded;
}

/** Call `orig` with the depth raised, so Node's nested calls are recognised (and only checked for
 *  their caller's file when the depth says one may be Node's). */
export function callOriginal(orig: Function, self: unknown, args: unknown[]): unknown {
  depth++;
  try {
    return orig.apply(self, args);
  } finally {
    depth--;
  }
}

/** `to` looks like `from` to callers: name, length and own properties (promisify.custom aside). */
export function copyShape(to: Function, from: Function): void {
  for (const key of Reflect.ownKeys(from)) {
    if (key === "prototype" || key === PROMISIFY_CUSTOM) continue;
    const d = Object.getOwnPropertyDescriptor(from, key)!;
    try {
      Object.defineProperty(to, key, d);
    } catch {
      // a non-configurable own property of the wrapper (none today)
    }
  }
}

export { PROMISIFY_CUSTOM };

/** String(v), or "" when converting throws (an argument with a hostile toString). */
export function text(v: unknown): string {
  try {
    return String(v);
  } catch {
    return "";
  }
}

/** Refusals by form. */
export const refuseSync = (err: GovernorGuardError): never => {
  throw err;
};
export const refuseWithPromise = (err: GovernorGuardError): Promise<never> => Promise.reject(err);
/** Callback form: the error on the next tick, as Node reports its own errors; no callback: throw. */
export function refuseWithCallback(err: GovernorGuardError, args: unknown[]): void {
  const cb = args[args.length - 1];
  if (typeof cb !== "function") throw err;
  process.nextTick(cb as (e: Error) => void, err);
}
