// What registration wrappers (governTools, governMcpServer, governMcpClient) and instrumentation
// share: gate a function by the name the model uses, at a layer, with a refusal in the framework's
// own shape; mark what was wrapped so wrapping twice is a no-op.
import { defaultImpl } from "./default.js";
import { GATED, makeGate, type GateHost, type Layer } from "./gate.js";
import type { Governor } from "./governor.js";

export type { GatedBy, Layer } from "./gate.js";
export { decidedAbove, isRun, runCall, runDecided } from "./gate.js";

/** Options every registration wrapper takes. */
export interface GovernOptions {
  /** The governor that decides; default: the process-wide default governor (from the environment). */
  governor?: Governor;
}

/** On objects (tool sets, tools, servers, clients, classes) a layer has patched: the layers it holds. */
const GOVERNED = Symbol.for("governor.governed");

/** The host to ask: the given governor, else the default one (created at the first call). */
export function hostOf(governor: Governor | undefined): () => GateHost {
  if (!governor) return defaultImpl;
  let getter = hosts.get(governor);
  if (!getter) {
    const host = governor as unknown as GateHost;
    if (typeof host.before !== "function")
      throw new TypeError("governor: `governor` must come from createGovernor()");
    hosts.set(governor, (getter = () => host));
  }
  return getter;
}

// One getter per governor, so adapters' per-tool caches (keyed by host) hit across calls.
const hosts = new WeakMap<Governor, () => GateHost>();

/** The name gate() at the definition put on `fn`, if any. */
export function gatedAs(fn: unknown): string | undefined {
  return typeof fn === "function" ? (fn as { [GATED]?: string })[GATED] : undefined;
}

/**
 * `fn` gated as `name` by `layer`. Left as it is when gate() at its definition already gates it
 * under the same name (a different name is checked again: the name the model uses is the one
 * policy knows). Keeps `this`, name and length; async generators stay async generators.
 */
export function gateAt(
  getHost: () => GateHost,
  name: string,
  fn: (...args: any[]) => any,
  layer: Layer,
  onDeny: "throw" | "return" = "return",
): any {
  if (gatedAs(fn) === name && !isLayered(fn)) return fn;
  const wrapped = makeGate(getHost, name, fn, onDeny === "return" ? RETURN : undefined, layer);
  Object.defineProperty(wrapped, LAYERED, { value: layer.by });
  return wrapped;
}

const RETURN = Object.freeze({ onDeny: "return" as const });
const LAYERED = Symbol.for("governor.layered");

/** A function an outer layer (not a definition gate) wrapped. */
export function isLayered(fn: unknown): boolean {
  return typeof fn === "function" && (fn as { [LAYERED]?: string })[LAYERED] !== undefined;
}

/** Mark `obj` as patched by `key` (a layer, or a layer and a method); false if it already was. */
export function markOnce(obj: object, key: string): boolean {
  const o = obj as { [GOVERNED]?: Set<string> };
  let set = Object.prototype.hasOwnProperty.call(o, GOVERNED) ? o[GOVERNED] : undefined;
  if (!set) {
    set = new Set();
    try {
      Object.defineProperty(o, GOVERNED, { value: set, configurable: true });
    } catch {
      return false; // frozen: cannot be patched, and cannot be marked either
    }
  }
  if (set.has(key)) return false;
  set.add(key);
  return true;
}

/** Has `obj` (itself, not its prototype) been patched by `key`? */
export function isMarked(obj: object, key: string): boolean {
  const o = obj as { [GOVERNED]?: Set<string> };
  return Object.prototype.hasOwnProperty.call(o, GOVERNED) && !!o[GOVERNED]?.has(key);
}
