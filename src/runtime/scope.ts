// intentScope(): a block of code authorised as a whole by one enforce decision. The decision (its
// request id, signature and expiry) is bound to everything the block does, async work included.
import { endGrant, runGranted, type Grant } from "./grant.js";
import type { ScopeIntent } from "./scope-intent.js";

export type { ScopeIntent } from "./scope-intent.js";

export interface ScopeHost {
  enterScope(intent: ScopeIntent): Promise<Grant>;
}

/** Run `fn` under `intent` once enforce allows it; `fn` never runs on a DENY or without a decision
 *  (fail mode open aside). An async iterator or a generator `fn` returns keeps the grant on every step. */
export async function runScope<R>(
  host: ScopeHost,
  intent: ScopeIntent,
  fn: () => R,
): Promise<Awaited<R>> {
  if (typeof fn !== "function")
    throw new TypeError("intentScope(intent, fn): fn must be a function");
  const grant = await host.enterScope(intent);
  let result: unknown;
  try {
    result = await settle(runGranted(grant, fn), grant);
  } catch (err) {
    endGrant(grant);
    throw err;
  }
  // The scope ends when its function does (an iterator it returns: when iteration ends): a server,
  // timer or listener it left running is not covered by its decision afterwards.
  if (isAsyncIterator(result)) return bindIterator(result, grant) as Awaited<R>;
  if (Object.prototype.toString.call(result) === "[object Generator]")
    return bindGenerator(result as Generator, grant) as Awaited<R>;
  endGrant(grant);
  return result as Awaited<R>;
}

/** Ends `grant` once a step says the iteration is over (or failed). */
function ending<S extends { done?: boolean }>(grant: Grant, run: () => S): S {
  let step: S;
  try {
    step = run();
  } catch (err) {
    endGrant(grant);
    throw err;
  }
  if (step.done) endGrant(grant);
  return step;
}

/** A sync generator's body also runs in whoever calls next(). */
function bindGenerator<T>(it: Generator<T>, grant: Grant): IterableIterator<T> {
  return {
    next: (v?: unknown) => ending(grant, () => runGranted(grant, () => it.next(v))),
    return: (v?: unknown) => ending(grant, () => runGranted(grant, () => it.return(v as T))),
    throw: (e?: unknown) => ending(grant, () => runGranted(grant, () => it.throw(e))),
    [Symbol.iterator]() {
      return this;
    },
  } as IterableIterator<T>;
}

/** A lazy thenable (a query builder) does its work in then(), which `await` would call outside the
 *  grant: call it here, under the grant. Native promises are already running. */
function settle<R>(v: R, grant: Grant): R | Promise<unknown> {
  if (v instanceof Promise || v === null || (typeof v !== "object" && typeof v !== "function"))
    return v;
  return new Promise((resolve, reject) =>
    runGranted(grant, () => {
      const then = (v as { then?: unknown }).then;
      if (typeof then !== "function") return resolve(v);
      then.call(v, resolve, reject);
    }),
  );
}

function isAsyncIterator(v: unknown): v is AsyncIterator<unknown> & AsyncIterable<unknown> {
  return (
    !!v &&
    typeof v === "object" &&
    typeof (v as AsyncIterator<unknown>).next === "function" &&
    typeof (v as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function"
  );
}

/** A generator's body runs in the context of whoever calls next(): run each step under the grant. */
function bindIterator<T>(
  it: AsyncIterator<T> & AsyncIterable<T>,
  grant: Grant,
): AsyncIterableIterator<T> {
  const step = (m: "next" | "return" | "throw", arg: unknown) => {
    const f = it[m] as ((a?: unknown) => Promise<IteratorResult<T>>) | undefined;
    if (!f)
      return Promise.resolve(
        m === "throw" ? Promise.reject(arg) : ({ done: true, value: arg } as IteratorResult<T>),
      );
    return runGranted(grant, () => f.call(it, arg)).then(
      (r) => (r.done && endGrant(grant), r),
      (err) => (endGrant(grant), Promise.reject(err)),
    );
  };
  return {
    next: (v?: unknown) => step("next", v),
    return: (v?: unknown) => step("return", v),
    throw: (e?: unknown) => step("throw", e),
    [Symbol.asyncIterator]() {
      return this;
    },
  } as AsyncIterableIterator<T>;
}
