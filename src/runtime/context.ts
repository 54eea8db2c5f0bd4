// Per-request actor and intent, carried by AsyncLocalStorage. One instance per process on globalThis,
// shared by the ESM, CJS and register bundles.
import { AsyncLocalStorage } from "node:async_hooks";
import type { Grant } from "./grant.js";
import type { Actor, IntentOverride } from "./intent.js";

export interface GateContext {
  actor?: Actor;
  intent?: IntentOverride;
  /** The tool whose call an outer layer already decided (a definition gate inside skips it). */
  decided?: string;
  /** The allowed tool call or intentScope this code runs under (what the guards check). */
  grant?: Grant;
}

const KEY = Symbol.for("governor.context");
type Holder = { [KEY]?: AsyncLocalStorage<GateContext> };

export function contextStorage(): AsyncLocalStorage<GateContext> {
  const g = globalThis as Holder;
  return (g[KEY] ??= new AsyncLocalStorage<GateContext>());
}

/** The context of the running call, if any (cheap when none was ever set). */
export function currentContext(): GateContext | undefined {
  const als = (globalThis as Holder)[KEY];
  return als ? als.getStore() : undefined;
}

/** Run `fn` with `actor` (type default "user") as the actor of every gated tool call made inside it,
 *  async work included. Returns what `fn` returns. */
export function withActor<R>(actor: Actor | { id: string; type?: string }, fn: () => R): R {
  if (!actor || typeof actor.id !== "string" || !actor.id)
    throw new TypeError("withActor: actor must be { id: string, type?: string }");
  const cur = currentContext();
  return contextStorage().run({ ...cur, actor: { id: actor.id, type: actor.type || "user" } }, fn);
}

/** Run `fn` with `partial` merged into the intent of every gated tool call made inside it (over the
 *  intent map and gate's `intent` option). Nested calls merge. Returns what `fn` returns. */
export function withIntent<R>(partial: IntentOverride, fn: () => R): R {
  const cur = currentContext();
  const merged: IntentOverride = cur?.intent ? mergeOverride(cur.intent, partial)! : partial;
  return contextStorage().run({ ...cur, intent: merged }, fn);
}

export function mergeOverride(
  a: IntentOverride | undefined,
  b: IntentOverride | undefined,
): IntentOverride | undefined {
  if (!a) return b;
  if (!b) return a;
  const res = (r: IntentOverride["resource"]) => (typeof r === "string" ? { type: r } : r);
  return {
    ...a,
    ...b,
    resource: a.resource || b.resource ? { ...res(a.resource), ...res(b.resource) } : undefined,
    actor: a.actor || b.actor ? { ...a.actor, ...b.actor } : undefined,
    data: a.data || b.data ? { ...a.data, ...b.data } : undefined,
    risk: a.risk || b.risk ? { ...a.risk, ...b.risk } : undefined,
  };
}
