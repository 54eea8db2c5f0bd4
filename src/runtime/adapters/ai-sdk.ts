// Vercel AI SDK: a ToolSet's key is the name the model uses. Registration: governToolSet copies the
// set with each execute gated under its key. Instrumentation: generateText, streamText and
// ToolLoopAgent (and Experimental_Agent) gate the tools they are given.
import type { GateHost, GatedBy, Layer } from "../gate.js";
import { gateAt, gatedAs, markOnce } from "../govern.js";
import type { InstrumentationAdapter, PatchInfo, PatchResult } from "./types.js";

type AnyFn = (...args: any[]) => any;
type ToolLike = Record<string, unknown> & { execute?: unknown };

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== "object" || Array.isArray(x)) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** An AI SDK tool: tool(), dynamicTool(), a provider tool or a plain object literal of that shape. */
function isTool(x: unknown): x is ToolLike {
  if (x === null || typeof x !== "object") return false;
  const t = x as ToolLike;
  // inputSchema: AI SDK 5 and 6; parameters: 4; type: provider tools (no local schema or execute).
  return (
    "inputSchema" in t ||
    "parameters" in t ||
    t.type === "provider" ||
    t.type === "dynamic" ||
    t.type === "provider-defined"
  );
}

/** Does `x` look like an AI SDK ToolSet (a plain object of tools, keyed by name)? An empty object is one. */
export function isToolSet(x: unknown): boolean {
  return isPlainObject(x) && Object.values(x).every(isTool);
}

// Gated copies of a tool, per tool object: a set handed to generateText on every call is copied
// cheaply, and a tool registered under two keys gets one copy per key.
interface Copy {
  key: string;
  execute: unknown;
  host: () => GateHost;
  by: GatedBy;
  tool: ToolLike;
}
const copies = new WeakMap<object, Copy[]>();

// The second argument of execute is the SDK's ToolExecutionOptions (toolCallId, messages, abort
// signal): framework context, never the tool's data.
const inputOnly = (args: unknown[]) => args.slice(0, 1);
const layers = new Map<GatedBy, Layer>();
function layerFor(by: GatedBy): Layer {
  let layer = layers.get(by);
  if (!layer) layers.set(by, (layer = { by, argsOf: inputOnly, modelFacing: true }));
  return layer;
}

/** The tool under `key`: itself when its execute is already gated under that key (a definition
 *  gate, or a layer that governed this set before), else a copy whose execute is gated. */
function governTool(key: string, tool: ToolLike, host: () => GateHost, by: GatedBy): ToolLike {
  const execute = tool.execute;
  if (typeof execute !== "function" || gatedAs(execute) === key) return tool;
  const cached = copies
    .get(tool)
    ?.find((c) => c.key === key && c.execute === execute && c.host === host && c.by === by);
  if (cached) return cached.tool;
  // AI SDK throws on a refusal: it hands the error text to the model as the tool's result.
  const gated = gateAt(host, key, execute as AnyFn, layerFor(by), "throw");
  // A copy (a class instance keeps its prototype and accessors); the user's object is not touched:
  // the same tool may be registered under another key, or handed to another call ungoverned.
  let copy: ToolLike;
  if (Object.getPrototypeOf(tool) === Object.prototype) copy = { ...tool, execute: gated };
  else {
    const descriptors = Object.getOwnPropertyDescriptors(tool);
    descriptors.execute = { value: gated, writable: true, enumerable: true, configurable: true };
    copy = Object.create(Object.getPrototypeOf(tool), descriptors) as ToolLike;
  }
  const list = copies.get(tool) ?? [];
  if (list.length >= 8) list.shift();
  list.push({ key, execute, host, by, tool: copy });
  copies.set(tool, list);
  return copy;
}

/**
 * `tools` with every tool that runs locally (has `execute`) gated under its key, as a new object;
 * the same object when there is nothing to gate (every execute already gated under its key, or
 * none). Tools without execute (client-side, provider-executed) are kept as they are.
 */
export function governToolSet<T>(tools: T, host: () => GateHost, by: GatedBy): T {
  if (tools === null || typeof tools !== "object") return tools;
  const src = tools as Record<string, unknown>;
  let out: Record<string, unknown> | undefined;
  // Own enumerable string keys: what the SDK lists to the model and looks calls up by. The copy is a
  // plain object, so a tool reachable only through the set's prototype cannot run ungated.
  const keys = Object.keys(src);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const tool = src[key];
    const governed =
      tool !== null && typeof tool === "object"
        ? governTool(key, tool as ToolLike, host, by)
        : tool;
    if (governed !== tool && !out) {
      out = {};
      for (let j = 0; j < i; j++) out[keys[j]!] = src[keys[j]!];
    }
    if (out) out[key] = governed;
  }
  if (!out) {
    if (isPlainObject(src)) return tools;
    out = {};
    for (const key of keys) out[key] = src[key];
  }
  return out as T;
}

/** Call options with their `tools` governed (a new object; the caller's is not changed). */
function withGovernedTools<O>(options: O, host: () => GateHost): O {
  if (options === null || typeof options !== "object") return options;
  const tools = (options as { tools?: unknown }).tools;
  if (tools === null || typeof tools !== "object") return options;
  const governed = governToolSet(tools, host, "instrumentation");
  return governed === tools ? options : { ...options, tools: governed };
}

function named<F extends AnyFn>(name: string, fn: F): F {
  return Object.defineProperty(fn, "name", { value: name, configurable: true });
}

const WRAPPED = Symbol.for("governor.ai-sdk.wrapped");

/** `fn` (generateText, streamText) governing the tools of its options argument. Keeps name, length
 *  and `this`; the result (a Promise, or streamText's synchronous result object) is unchanged. */
function wrapCall(fn: AnyFn, host: () => GateHost): AnyFn {
  if ((fn as { [WRAPPED]?: boolean })[WRAPPED]) return fn;
  const wrapped = function (this: unknown, options: unknown, ...rest: unknown[]) {
    return fn.call(this, withGovernedTools(options, host), ...rest);
  };
  Object.defineProperty(wrapped, "name", { value: fn.name, configurable: true });
  Object.defineProperty(wrapped, "length", { value: fn.length, configurable: true });
  Object.defineProperty(wrapped, WRAPPED, { value: true });
  return wrapped;
}

/**
 * Patch an agent class's prototype so the tools a run uses are governed. AI SDK 6 (ToolLoopAgent):
 * every generate()/stream() goes through prepareCall(), which merges the constructor settings, the
 * call's options and the settings' own prepareCall (which may hand new tools). AI SDK 5
 * (Experimental_Agent): generate()/stream() read `this.settings` directly. The methods call the
 * module's own generateText, not the export, so patching that export does not reach them.
 */
function patchAgent(
  cls: unknown,
  label: string,
  host: () => GateHost,
): { patched: string[]; missing: string[] } {
  const proto =
    typeof cls === "function"
      ? (cls as { prototype?: Record<string, unknown> }).prototype
      : undefined;
  if (!proto) return { patched: [], missing: [label] };
  const prepareCall = proto.prepareCall;
  if (typeof prepareCall === "function") {
    if (markOnce(proto, "ai-sdk:prepareCall")) {
      proto.prepareCall = named("prepareCall", async function (this: unknown, ...args: unknown[]) {
        return withGovernedTools(await (prepareCall as AnyFn).apply(this, args), host);
      });
    }
    return { patched: [`${label}.prototype.prepareCall`], missing: [] };
  }
  const methods = ["generate", "stream"].filter((m) => typeof proto[m] === "function");
  if (methods.length < 2) return { patched: [], missing: [`${label}.prototype.prepareCall`] };
  if (markOnce(proto, "ai-sdk:settings")) {
    for (const m of methods) {
      const orig = proto[m] as AnyFn;
      proto[m] = named(m, function (this: { settings?: unknown }, ...args: unknown[]) {
        const settings = this?.settings;
        const governed = withGovernedTools(settings, host);
        // The run sees governed settings; the agent keeps the user's.
        const self =
          governed === settings
            ? this
            : Object.create(this as object, { settings: { value: governed } });
        return orig.apply(self, args);
      });
    }
  }
  return { patched: methods.map((m) => `${label}.prototype.${m}`), missing: [] };
}

function major(version: string | null): number | null {
  const m = version && /^(\d+)\./.exec(version);
  return m ? Number(m[1]) : null;
}

function patch(exports: any, info: PatchInfo): PatchResult {
  const patched: string[] = [];
  const missing: string[] = [];
  const replaced: Record<string, AnyFn> = {};
  for (const name of ["generateText", "streamText"]) {
    const fn = exports[name];
    if (typeof fn !== "function") missing.push(name);
    else replaced[name] = wrapCall(fn, info.host);
  }
  // ToolLoopAgent (6; Experimental_Agent is the same class) or Experimental_Agent (5, a class of its own).
  const agent =
    typeof exports.ToolLoopAgent === "function"
      ? "ToolLoopAgent"
      : typeof exports.Experimental_Agent === "function"
        ? "Experimental_Agent"
        : null;
  if (agent) {
    const r = patchAgent(exports[agent], agent, info.host);
    patched.push(...r.patched);
    missing.push(...r.missing);
    if (
      agent === "ToolLoopAgent" &&
      typeof exports.Experimental_Agent === "function" &&
      exports.Experimental_Agent !== exports.ToolLoopAgent
    ) {
      const r2 = patchAgent(exports.Experimental_Agent, "Experimental_Agent", info.host);
      patched.push(...r2.patched);
      missing.push(...r2.missing);
    }
  } else if ((major(info.version) ?? 6) >= 6) {
    // ToolLoopAgent came with AI SDK 6 (5 may have Experimental_Agent; 4, which Mastra 0.x runs on,
    // has no agent class). A 6+ without it is a shape we do not know.
    missing.push("ToolLoopAgent");
  }
  patched.unshift(...Object.keys(replaced));
  if (info.format === "esm") {
    // import-in-the-middle's namespace: assigning rebinds the export for every importer.
    for (const [name, fn] of Object.entries(replaced)) exports[name] = fn;
    return { patched, missing };
  }
  // CJS: esbuild's exports are getters that cannot be redefined; hand the app a copy with every
  // other export (getters included) as it is.
  const descriptors = Object.getOwnPropertyDescriptors(exports);
  for (const [name, fn] of Object.entries(replaced))
    descriptors[name] = { value: fn, enumerable: true, writable: true, configurable: true };
  return { patched, missing, exports: Object.create(Object.getPrototypeOf(exports), descriptors) };
}

export const instrumentation: InstrumentationAdapter = { framework: "ai-sdk", patch };
