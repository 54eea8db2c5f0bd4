// LangChain.js: every tool (tool(), DynamicTool, DynamicStructuredTool, StructuredTool/Tool
// subclasses, prebuilt library tools) is a StructuredTool whose `name` is what the model uses.
// Every way of running one (ToolNode, createAgent, createReactAgent, a hand loop, tool.invoke())
// reaches StructuredTool.prototype.call, which parses the input and then calls `this._call`. The
// gate sits on the instance's `_call`: after validation, and its refusal is returned as the tool's
// output, so LangChain formats it (a ToolMessage with the call's id) instead of wrapping a thrown
// error in "Please fix your mistakes.", which invites a retry.
import {
  gatedAs,
  gateAt,
  isLayered,
  isMarked,
  markOnce,
  type GatedBy,
  type Layer,
} from "../govern.js";
import type { GateHost } from "../gate.js";
import type { InstrumentationAdapter, PatchResult } from "./types.js";
import {
  governRunnableTool,
  isRunnableToolLike,
  patchAsTool,
  patchRunnablesModule,
} from "./langchain-runnable.js";

// Symbol.for: the register bundle and the runtime bundles (ESM, CJS) must see each other's gates.
const STATE = Symbol.for("governor.langchain.tool");

interface ToolLike {
  name: string;
  _call: (...args: unknown[]) => unknown;
  responseFormat?: string;
  [STATE]?: GatedTool;
}

interface GatedTool {
  by: GatedBy;
  /** The `_call` the tool had (own or inherited); a later assignment to `_call` replaces it. */
  original: (...args: unknown[]) => unknown;
  /** The name `gated` was made for; the tool's name is read at each call. */
  name: string;
  gated: ((...args: unknown[]) => unknown) | undefined;
}

/** A LangChain tool instance (StructuredTool or a subclass, or a `runnable.asTool()` RunnableToolLike,
 *  from any copy of @langchain/core). */
export function isLangChainTool(x: unknown): boolean {
  if (x === null || typeof x !== "object") return false;
  if (isRunnableToolLike(x)) return true;
  const t = x as {
    name?: unknown;
    lc_namespace?: unknown;
    _call?: unknown;
    call?: unknown;
    invoke?: unknown;
  };
  return (
    typeof t.name === "string" &&
    t.name !== "" &&
    Array.isArray(t.lc_namespace) &&
    typeof t._call === "function" &&
    typeof t.call === "function" &&
    typeof t.invoke === "function"
  );
}

/** Is `tool` gated by one of our layers already? */
function gatedState(tool: ToolLike): GatedTool | undefined {
  return Object.prototype.hasOwnProperty.call(tool, STATE) ? tool[STATE] : undefined;
}

/** Gate one LangChain tool instance in place, by `tool.name` at each call; returns it. Gating a
 *  tool a layer already gated is a no-op. Throws a TypeError when the instance cannot be changed. */
export function governLangChainTool<T>(tool: T, host: () => GateHost, by: GatedBy): T {
  if (isRunnableToolLike(tool)) return governRunnableTool(tool, host, by);
  const t = tool as unknown as ToolLike;
  if (gatedState(t)) return tool;
  if (!install(t, host, by))
    throw new TypeError(
      `governor: cannot gate the LangChain tool "${t.name}": the object is frozen or its _call cannot be replaced. Gate it at its definition with gate("${t.name}", fn).`,
    );
  return tool;
}

function install(tool: ToolLike, host: () => GateHost, by: GatedBy): boolean {
  const state: GatedTool = { by, original: tool._call, name: "", gated: undefined };
  const refuse = (refusal: string): unknown =>
    tool.responseFormat === "content_and_artifact" ? [refusal, undefined] : refusal;
  const layer: Layer = { by, argsOf: (args) => args.slice(0, 1), refuse };
  // Reached as this._call(parsed, runManager, config) from StructuredTool.prototype.call.
  const dispatch = function (this: ToolLike, ...args: unknown[]): unknown {
    const name = this.name;
    if (state.gated === undefined || state.name !== name) {
      state.name = name;
      // gate() at the definition under this very name (`_call = gate("x", fn)`) already asks.
      state.gated =
        gatedAs(state.original) === name && !isLayered(state.original)
          ? state.original
          : gateAt(host, name, callOriginal, layer, "return");
    }
    return state.gated!.apply(this, args);
  };
  // Not an async generator itself (an async generator _call is returned and consumed by LangChain).
  const callOriginal = function (this: ToolLike, ...args: unknown[]): unknown {
    return state.original.apply(this, args);
  };
  try {
    Object.defineProperty(tool, "_call", {
      configurable: true,
      enumerable: false,
      get: () => dispatch,
      // `tool._call = fn` after gating: fn is what runs, still behind the gate.
      set: (fn: (...args: unknown[]) => unknown) => {
        state.original = fn;
        state.gated = undefined;
      },
    });
    // Marked only once _call is ours: a half-done install must not look gated.
    Object.defineProperty(tool, STATE, { value: state, configurable: true });
  } catch {
    return false;
  }
  return Object.prototype.hasOwnProperty.call(tool, STATE) && tool._call === dispatch;
}

/** The StructuredTool class of one copy of @langchain/core/tools, if it has the shape we gate. */
function structuredToolOf(exports: any): { proto: any; missing?: string } {
  const cls = exports?.StructuredTool;
  if (typeof cls !== "function" || !cls.prototype)
    return { proto: null, missing: "StructuredTool export" };
  const call = cls.prototype.call;
  if (typeof call !== "function") return { proto: null, missing: "StructuredTool.prototype.call" };
  // The gate sits on _call; a version whose call() no longer reaches it would be bypassed.
  if (!/\._call\(/.test(Function.prototype.toString.call(call)))
    return { proto: null, missing: "StructuredTool.prototype.call reaching _call" };
  return { proto: cls.prototype };
}

export const instrumentation: InstrumentationAdapter = {
  framework: "langchain",
  patch(exports, info): PatchResult {
    if (info.specifier === "@langchain/core/runnables")
      return patchRunnablesModule(exports, info.host);
    const tools = patchTools(exports, info.host);
    // Runnable.prototype.asTool, reached through StructuredTool's prototype chain.
    const asTool = exports?.StructuredTool?.prototype
      ? patchAsTool(exports.StructuredTool.prototype, info.host)
      : { patched: [], missing: [] };
    return {
      patched: [...tools.patched, ...asTool.patched],
      missing: [...(tools.missing ?? []), ...asTool.missing],
    };
  },
};

function patchTools(exports: any, host: () => GateHost): PatchResult {
  const what = "StructuredTool.prototype.call (every tool, gated by name at its first call)";
  // Checked first: the patched call no longer shows the shape checked below.
  const seen = exports?.StructuredTool?.prototype;
  if (seen && typeof seen === "object" && isMarked(seen, "instrumentation"))
    return { patched: [what] };
  const { proto, missing } = structuredToolOf(exports);
  if (!proto) return { patched: [], missing: [missing!] };
  if (!markOnce(proto, "instrumentation"))
    return { patched: [], missing: ["a writable StructuredTool.prototype"] };
  const call = proto.call as (this: ToolLike, ...args: unknown[]) => unknown;
  const patched = function (this: ToolLike, ...args: unknown[]): unknown {
    // A user subclass may override _call on an instance after the first call: the setter keeps it gated.
    if (this && typeof this === "object" && !gatedState(this)) governOrRefuse(this, host);
    return call.apply(this, args);
  };
  Object.defineProperty(patched, "name", { value: "call", configurable: true });
  Object.defineProperty(patched, "length", { value: call.length, configurable: true });
  try {
    Object.defineProperty(proto, "call", {
      value: patched,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  } catch {
    return { patched: [], missing: ["a writable StructuredTool.prototype.call"] };
  }
  return { patched: [what] };
}

/** Instrumentation: gate the instance; one that cannot be changed (frozen) fails closed, by name. */
function governOrRefuse(tool: ToolLike, host: () => GateHost): void {
  if (install(tool, host, "instrumentation")) return;
  throw new TypeError(
    `governor: the LangChain tool "${tool.name}" cannot be gated (the object is frozen), so it was not run. Gate it at its definition with gate("${tool.name}", fn).`,
  );
}
