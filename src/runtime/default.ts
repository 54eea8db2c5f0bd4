// The default governor, created lazily from the environment on first use and kept on globalThis so
// the ESM, CJS and register bundles share one.
import { makeGate, type GateFunction, type GateOptions } from "./gate.js";
import { createGovernorOrFailClosed, type Decision, type Governor, type GovernorImpl } from "./governor.js";
import type { Intent } from "./intent.js";

const KEY = Symbol.for("governor.default");
type Holder = { [KEY]?: GovernorImpl };

/** The process-wide governor used by top-level gate() and check(). */
export function getDefaultGovernor(): Governor {
  return defaultImpl();
}

function defaultImpl(): GovernorImpl {
  const g = globalThis as Holder;
  return (g[KEY] ??= createGovernorOrFailClosed());
}

/** gate() on the default governor. The governor is created at the first call, not here. */
export const gate: GateFunction = ((name: string, fn: (...args: any[]) => any, opts?: GateOptions) => makeGate(defaultImpl, name, fn, opts)) as GateFunction;

/** check() on the default governor. */
export function check(intent: Intent): Promise<Decision> {
  return defaultImpl().check(intent);
}

/** Flush and close the default governor (if it was created). A later gated call creates a new one. */
export async function close(): Promise<void> {
  const g = globalThis as Holder;
  const gov = g[KEY];
  if (!gov) return;
  delete g[KEY];
  await gov.close();
}
