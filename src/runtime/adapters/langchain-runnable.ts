// LangChain.js `runnable.asTool({ name, description, schema })`: a RunnableToolLike (a
// RunnableBinding, not a StructuredTool) that ToolNode, createAgent, createReactAgent and bindTools
// take as a tool. ToolNode runs it as `tool.invoke(toolCall, config)` and turns a string output
// into a ToolMessage with the call's id, so the gate sits on `invoke` and a refusal is the output.
// RunnableBinding's other entry points (batch, stream, transform, streamEvents, withRetry,
// withConfig, withListeners) go to the inner runnable directly and would skip `invoke`: they are
// replaced by Runnable's base versions, which all run through `this.invoke`. Where a version's
// base no longer has that shape, the entry point refuses to run, naming the tool.
import { decidedAbove, isMarked, isRun, markOnce, runCall, type GatedBy } from "../govern.js";
import type { GateHost } from "../gate.js";

// Symbol.for: the register bundle and the runtime bundles (ESM, CJS) must see each other's gates.
const STATE = Symbol.for("governor.langchain.runnableTool");
const RETURN = Object.freeze({ onDeny: "return" as const });
const MARK = "instrumentation:RunnableToolLike";

type Fn = (this: any, ...args: any[]) => any;

interface RunnableToolLike {
  name?: unknown;
  schema?: { safeParseAsync?: (x: unknown) => Promise<{ success: boolean; data?: unknown }> };
  invoke: Fn;
  [STATE]?: GatedBy;
}

/** A RunnableToolLike (`runnable.asTool(...)`) from any copy of @langchain/core. */
export function isRunnableToolLike(x: unknown): boolean {
  if (x === null || typeof x !== "object") return false;
  const t = x as {
    name?: unknown;
    lc_namespace?: unknown;
    invoke?: unknown;
    bound?: { invoke?: unknown };
    constructor?: { lc_name?: () => unknown };
  };
  if (
    typeof t.name !== "string" ||
    t.name === "" ||
    !Array.isArray(t.lc_namespace) ||
    typeof t.invoke !== "function"
  )
    return false;
  if (!t.bound || typeof t.bound.invoke !== "function" || !("schema" in t)) return false;
  try {
    return (
      typeof t.constructor?.lc_name === "function" && t.constructor.lc_name() === "RunnableToolLike"
    );
  } catch {
    return false;
  }
}

/** The entry points that must reach `invoke`, each with how Runnable's base version shows it does. */
const FUNNELS: [method: string, reaches: RegExp][] = [
  ["batch", /this\.invoke\(/],
  ["_streamIterator", /this\.invoke\(/],
  ["stream", /this\._streamIterator\(/],
  ["transform", /this\._streamIterator\(/],
  ["streamEvents", /_streamEventsV2\(/],
  ["withRetry", /bound:\s*this\b/],
  ["withConfig", /bound:\s*this\b/],
  ["withListeners", /bound:\s*this\b/],
];

function source(fn: unknown): string {
  return typeof fn === "function" ? Function.prototype.toString.call(fn) : "";
}

/** Runnable's base method `method` if it reaches invoke; found up the prototype chain of `obj`. */
function baseMethod(obj: object, method: string, reaches: RegExp): Fn | undefined {
  // Runnable.prototype: the one that owns the default _streamIterator (`yield this.invoke(...)`).
  let p: any = Object.getPrototypeOf(obj);
  while (
    p &&
    !(
      Object.prototype.hasOwnProperty.call(p, "_streamIterator") &&
      /this\.invoke\(/.test(source(p._streamIterator))
    )
  )
    p = Object.getPrototypeOf(p);
  const fn = p?.[method];
  if (!reaches.test(source(fn))) return undefined;
  // streamEvents reaches invoke through stream (v2) and streamLog's stream (v1).
  if (method === "streamEvents") {
    const v2 = /\.stream\(/.test(source(p._streamEventsV2));
    const v1 =
      /_streamLog\(/.test(source(p._streamEventsV1)) && /this\.stream\(/.test(source(p._streamLog));
    if (!v2 || !v1) return undefined;
  }
  return fn;
}

function refuser(method: string): Fn {
  return function (this: RunnableToolLike) {
    throw new TypeError(
      `governor: ${method}() of the LangChain tool "${String(this?.name)}" (runnable.asTool) cannot be gated with this @langchain/core version, so it was not run. Call it with invoke().`,
    );
  };
}

/** The ToolCall's arguments as the tool's schema parses them (what the runnable receives), else as sent. */
async function argsOf(tool: RunnableToolLike, input: unknown): Promise<unknown> {
  const isCall =
    !!input && typeof input === "object" && (input as { type?: unknown }).type === "tool_call";
  if (!isCall) return input;
  const raw = (input as { args?: unknown }).args;
  try {
    const r =
      typeof tool.schema?.safeParseAsync === "function"
        ? await tool.schema.safeParseAsync(raw)
        : undefined;
    return r?.success ? r.data : raw;
  } catch {
    return raw;
  }
}

/** `invoke` gated by the tool's name at each call; a refusal (DENY, no decision) is the output. */
function gatedInvoke(original: Fn, host: () => GateHost, by: GatedBy): Fn {
  const invoke = async function (
    this: RunnableToolLike,
    input: unknown,
    options?: unknown,
  ): Promise<unknown> {
    const name = this?.name;
    if (typeof name !== "string" || name === "") {
      // withConfig() of a RunnableToolLike makes one without a name (LangChain's own behaviour).
      throw new TypeError(
        "governor: a LangChain runnable tool (runnable.asTool) without a name cannot be gated, so it was not run.",
      );
    }
    if (decidedAbove(name)) return original.call(this, input, options);
    const verdict = await host().before(name, [await argsOf(this, input)], RETURN, by);
    if (!isRun(verdict)) return verdict;
    // A gated StructuredTool of the same name inside the runnable is not asked again.
    return runCall(name, () => original.call(this, input, options), verdict);
  };
  Object.defineProperty(invoke, "name", { value: "invoke", configurable: true });
  return invoke;
}

/** Define the gated invoke and the funnels on `target` (a RunnableToolLike prototype or instance).
 *  Returns the entry points whose base could not be found (they refuse to run). Throws if frozen. */
function install(target: object, original: Fn, host: () => GateHost, by: GatedBy): string[] {
  const missing: string[] = [];
  const methods: [string, Fn][] = [["invoke", gatedInvoke(original, host, by)]];
  for (const [method, reaches] of FUNNELS) {
    const base = baseMethod(target, method, reaches);
    if (!base) missing.push(method);
    methods.push([method, base ?? refuser(method)]);
  }
  for (const [key, value] of methods)
    Object.defineProperty(target, key, {
      value,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  return missing;
}

/** Gate one RunnableToolLike in place (governTools); gating it twice is a no-op. */
export function governRunnableTool<T>(tool: T, host: () => GateHost, by: GatedBy): T {
  const t = tool as unknown as RunnableToolLike;
  if (Object.prototype.hasOwnProperty.call(t, STATE)) return tool;
  try {
    install(t, t.invoke, host, by);
    // Marked only once invoke is ours: a half-done install must not look gated.
    Object.defineProperty(t, STATE, { value: by, configurable: true });
  } catch {
    throw new TypeError(
      `governor: cannot gate the LangChain tool "${String(t.name)}" (runnable.asTool): the object is frozen. Gate the runnable's function at its definition with gate("${String(t.name)}", fn).`,
    );
  }
  return tool;
}

const WHAT = "RunnableToolLike.prototype.invoke (every runnable.asTool tool, gated by name)";

/** Instrumentation: gate every instance of one copy's RunnableToolLike class, on its prototype. */
export function patchRunnableToolLike(
  proto: unknown,
  host: () => GateHost,
): { patched: string[]; missing: string[] } {
  if (
    !proto ||
    typeof proto !== "object" ||
    typeof (proto as RunnableToolLike).invoke !== "function"
  )
    return { patched: [], missing: ["RunnableToolLike.prototype.invoke"] };
  if (isMarked(proto, MARK)) return { patched: [WHAT], missing: [] };
  if (!markOnce(proto, MARK))
    return { patched: [], missing: ["a writable RunnableToolLike.prototype"] };
  const original = (proto as RunnableToolLike).invoke;
  try {
    const missing = install(proto, original, host, "instrumentation");
    return {
      patched: [WHAT],
      missing: missing.map((m) => `RunnableToolLike ${m}() reaching invoke (it refuses to run)`),
    };
  } catch {
    return { patched: [], missing: ["a writable RunnableToolLike.prototype"] };
  }
}

/** `@langchain/core/runnables`: the RunnableToolLike export (convertRunnableToTool and asTool make it). */
export function patchRunnablesModule(
  exports: any,
  host: () => GateHost,
): { patched: string[]; missing: string[] } {
  const cls = exports?.RunnableToolLike;
  if (typeof cls !== "function" || !cls.prototype)
    return { patched: [], missing: ["RunnableToolLike export"] };
  return patchRunnableToolLike(cls.prototype, host);
}

/**
 * From `@langchain/core/tools` (StructuredTool extends Runnable): Runnable.prototype.asTool, so the
 * class is patched at the first asTool() even when no one imports `@langchain/core/runnables`.
 * Returns what was patched; nothing when this version has no asTool (then there is nothing to miss).
 */
export function patchAsTool(
  structuredToolProto: unknown,
  host: () => GateHost,
): { patched: string[]; missing: string[] } {
  let p: any = structuredToolProto;
  while (p && !Object.prototype.hasOwnProperty.call(p, "asTool")) p = Object.getPrototypeOf(p);
  if (!p || typeof p.asTool !== "function") return { patched: [], missing: [] };
  const what = "Runnable.prototype.asTool (its tools gated by name)";
  if (!markOnce(p, "instrumentation:asTool"))
    return isMarked(p, "instrumentation:asTool")
      ? { patched: [what], missing: [] }
      : { patched: [], missing: ["a writable Runnable.prototype"] };
  const asTool = p.asTool as Fn;
  const patched = function (this: unknown, ...args: unknown[]): unknown {
    const made = asTool.apply(this, args);
    if (isRunnableToolLike(made)) {
      const r = patchRunnableToolLike(Object.getPrototypeOf(made), host);
      // A class that cannot be patched: this one tool still is, or refuses to be handed out.
      if (!r.patched.length) governRunnableTool(made, host, "instrumentation");
    }
    return made;
  };
  Object.defineProperty(patched, "name", { value: "asTool", configurable: true });
  Object.defineProperty(patched, "length", { value: asTool.length, configurable: true });
  try {
    Object.defineProperty(p, "asTool", {
      value: patched,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  } catch {
    return { patched: [], missing: ["a writable Runnable.prototype.asTool"] };
  }
  return { patched: [what], missing: [] };
}
