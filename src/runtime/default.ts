// The default governor, created lazily from the environment on first use and kept on globalThis so
// the ESM, CJS and register bundles share one.
import { makeGate, type GateFunction, type GateOptions } from "./gate.js";
import {
  createGovernorOrFailClosed,
  type Decision,
  type Governor,
  type GovernorImpl,
} from "./governor.js";
import type { Intent } from "./intent.js";
import { runScope, type ScopeIntent } from "./scope.js";
import { governedCalls } from "./governed.js";

const KEY = Symbol.for("governor.default");
const ENV_SEEN = Symbol.for("governor.default.env");
type Holder = { [KEY]?: GovernorImpl; [ENV_SEEN]?: string };

/** The GOVERNOR_* variables as one string: a default governor whose config was invalid is rebuilt
 *  once they change, so a .env loaded after governor/register (dotenv) still takes effect. */
function governorEnv(): string {
  let out = "";
  for (const k of Object.keys(process.env).sort())
    if (k.startsWith("GOVERNOR_")) out += `${k}=${process.env[k]}\n`;
  return out;
}

/** The process-wide governor used by top-level gate() and check(). */
export function getDefaultGovernor(): Governor {
  return defaultImpl();
}

/** The default governor as a gate host, created on first use. */
export function defaultImpl(): GovernorImpl {
  const g = globalThis as Holder;
  const current = g[KEY];
  if (current && !current.configError) return current;
  if (current) {
    // Only while the config is invalid: cheap enough, and it never replaces a working governor.
    const env = governorEnv();
    if (env === g[ENV_SEEN]) return current;
    g[ENV_SEEN] = env;
    void current.close();
  } else {
    g[ENV_SEEN] = governorEnv();
  }
  return (g[KEY] = createGovernorOrFailClosed());
}

/** gate() on the default governor. The governor is created at the first call, not here. */
export const gate: GateFunction = ((
  name: string,
  fn: (...args: any[]) => any,
  opts?: GateOptions,
) => makeGate(defaultImpl, name, fn, opts)) as GateFunction;

/** check() on the default governor. */
export function check(intent: Intent): Promise<Decision> {
  return defaultImpl().check(intent);
}

/** intentScope() on the default governor: ask enforce once about `intent`, then run `fn` under that
 *  decision (see Governor.intentScope). */
export function intentScope<R>(intent: ScopeIntent, fn: () => R): Promise<Awaited<R>> {
  return runScope(defaultImpl(), intent, fn);
}

/** governedFetch, governedSpawn, governedWriteFile on the default governor: one governed call
 *  without global patching (see Governor.governedFetch). */
export const { governedFetch, governedSpawn, governedWriteFile } = governedCalls(() =>
  defaultImpl().guardSettings(),
);

/** Flush and close the default governor (if it was created). A later gated call creates a new one. */
export async function close(): Promise<void> {
  const g = globalThis as Holder;
  const gov = g[KEY];
  if (!gov) return;
  delete g[KEY];
  await gov.close();
}
