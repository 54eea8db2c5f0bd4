// Mastra: createTool({ id, execute }) tools, keyed by the object key the agent is given (the id is
// not what the model calls). Every agent run (generate, stream and their Legacy forms, 0.24 and
// 1.x) gets its tools from Agent.prototype.convertTools, which turns assigned, memory, toolset,
// client, sub-agent and workflow tools into one record keyed by the names the model sees (after
// Mastra's own renaming of invalid keys); instrumentation gates that record's executes. agent.network()
// runs a tool it picked from getTools() (1.x: listTools()) directly, so those are gated by key too.
//
// Refusals are returned as the tool's output, not thrown: Mastra turns a thrown error into a
// TOOL_EXECUTION_FAILED MastraError (the model gets an "execution failed" envelope echoing the
// call's arguments as argsJson) and logs it at error level with the arguments and a stack.
import { AsyncLocalStorage } from "node:async_hooks";
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

/** Mastra 1.x puts this on every Tool (instanceof fails across module copies). */
const MASTRA_TOOL = Symbol.for("mastra.core.tool.Tool");

type Fn = (...args: any[]) => any;
interface ToolLike {
  id?: unknown;
  type?: unknown;
  execute?: unknown;
  [MASTRA_TOOL]?: unknown;
}

const isObj = (x: unknown): x is Record<PropertyKey, unknown> =>
  x !== null && (typeof x === "object" || typeof x === "function");

/** A Mastra tool: a Tool instance (createTool) or a plain ToolAction `{ id, execute }`. AI SDK tools
 *  have no id, except provider-defined ones (`type: "provider-defined"` / `"provider"`). */
export function isMastraTool(x: unknown): boolean {
  if (!isObj(x)) return false;
  const t = x as ToolLike;
  if (t[MASTRA_TOOL] === true) return true;
  return (
    typeof t.id === "string" &&
    typeof t.execute === "function" &&
    t.type !== "provider-defined" &&
    t.type !== "provider"
  );
}

/** A Mastra tools object: keys are the names the model uses, at least one value a Mastra tool
 *  (AI SDK tools may sit beside them: Mastra agents take both). */
export function isMastraToolSet(x: unknown): boolean {
  if (!isObj(x) || typeof x === "function" || Array.isArray(x) || isMastraTool(x)) return false;
  const values = Object.values(x);
  return values.some(isMastraTool) && values.every((v) => v === undefined || isObj(v));
}

/** The tool's input, not Mastra's context: 0.x calls execute({ context: input, runtimeContext,
 *  mastra, ... }, options); 1.x calls execute(input, context). AI SDK tools in the set: (input, options). */
function inputOf(tool: ToolLike): (args: unknown[]) => unknown[] {
  // Without 1.x's marker, a Mastra tool is a 0.x one, whose direct callers may pass { context } alone.
  const v0 = isMastraTool(tool) && tool[MASTRA_TOOL] !== true;
  return (args) => {
    const a = args[0];
    if (isObj(a) && "context" in a && (v0 || "runtimeContext" in a)) return [a.context];
    return [a];
  };
}

// Per tool object, per layer and key: the governed copy, so a set read again (getTools() on every
// run) hands back the same objects and allocates nothing.
const copies = new WeakMap<object, Map<string, object>>();

/** `tool` with its execute gated as `key`; the tool itself is never changed (it may sit under
 *  another key too). A copy with the same prototype, so `instanceof Tool` still holds. */
function governTool<T>(tool: T, key: string, host: () => GateHost, by: GatedBy): T {
  if (!isObj(tool)) return tool;
  const exec = (tool as ToolLike).execute;
  if (typeof exec !== "function") return tool; // client-side and provider tools: nothing runs here
  if (isLayered(exec) && gatedAs(exec) === key) return tool; // a layer already gates it as key
  const memo = `${by}\0${key}`;
  let byKey = copies.get(tool);
  const hit = byKey?.get(memo);
  if (hit) return hit as T;
  const layer: Layer = { by, argsOf: inputOf(tool as ToolLike) };
  const gated = gateAt(host, key, exec as Fn, layer, "return");
  if (gated === exec) return tool; // gate() at its definition under the same name
  const copy = Object.create(Object.getPrototypeOf(tool), Object.getOwnPropertyDescriptors(tool));
  Object.defineProperty(copy, "execute", {
    value: gated,
    writable: true,
    enumerable: true,
    configurable: true,
  });
  if (!byKey) copies.set(tool, (byKey = new Map()));
  byKey.set(memo, copy);
  return copy;
}

const SET = (by: GatedBy) => `mastra:${by}`;

/** A copy of a Mastra tools object with every execute gated under its key. Same type out;
 *  governing the result again is a no-op. */
export function governMastraTools<T>(tools: T, host: () => GateHost, by: GatedBy): T {
  if (!isObj(tools) || isMarked(tools, SET(by))) return tools;
  const out = Object.create(Object.getPrototypeOf(tools)) as Record<string, unknown>;
  for (const [key, tool] of Object.entries(tools)) out[key] = governTool(tool, key, host, by);
  markOnce(out, SET(by));
  return out as T;
}

/** convertTools' record (name the model uses -> AI SDK-shaped tool, execute(input, options)),
 *  fresh per run: gate each execute in place. */
function gateConverted(tools: unknown, host: () => GateHost): unknown {
  if (!isObj(tools)) return tools;
  for (const [name, t] of Object.entries(tools)) {
    if (!isObj(t) || typeof t.execute !== "function") continue;
    const exec = t.execute as Fn;
    if (isLayered(exec) && gatedAs(exec) === name) continue;
    const gated = gateAt(
      host,
      name,
      exec,
      { by: "instrumentation", argsOf: (args) => args.slice(0, 1) },
      "return",
    );
    try {
      t.execute = gated;
    } catch {
      (tools as Record<string, unknown>)[name] = { ...t, execute: gated };
    }
  }
  return tools;
}

const then = (r: unknown, f: (v: unknown) => unknown): unknown =>
  isObj(r) && typeof r.then === "function" ? (r as unknown as PromiseLike<unknown>).then(f) : f(r);

/** The prototype (Agent's own, or a parent's for a subclass such as the root export's) that owns `method`. */
function ownerOf(cls: unknown, method: string): Record<string, unknown> | undefined {
  let p =
    typeof cls === "function" ? ((cls as { prototype?: object | null }).prototype ?? null) : null;
  while (p && p !== Object.prototype) {
    if (
      Object.prototype.hasOwnProperty.call(p, method) &&
      typeof (p as Record<string, unknown>)[method] === "function"
    )
      return p as Record<string, unknown>;
    p = Object.getPrototypeOf(p);
  }
  return undefined;
}

// Set while convertTools runs: the getTools() it calls inside hands back the tools ungated, since
// convertTools' record is gated under the names the model sees (Mastra renames invalid keys, and
// one call must not be asked under two names).
const converting = new AsyncLocalStorage<true>();

function wrapMethod(
  owner: Record<string, unknown>,
  method: string,
  after: (result: unknown) => unknown,
  inner?: AsyncLocalStorage<true>,
): boolean {
  if (!markOnce(owner, `mastra:${method}`)) return isMarked(owner, `mastra:${method}`);
  const original = owner[method] as Fn;
  const wrapped = {
    [method](this: unknown, ...args: unknown[]) {
      return then(
        inner ? inner.run(true, () => original.apply(this, args)) : original.apply(this, args),
        after,
      );
    },
  }[method]!;
  try {
    Object.defineProperty(owner, method, {
      value: wrapped,
      writable: true,
      configurable: true,
      enumerable: false,
    });
    return true;
  } catch {
    return false;
  }
}

function patchAgent(Agent: unknown, host: () => GateHost): PatchResult {
  const patched: string[] = [];
  const missing: string[] = [];
  const convert = ownerOf(Agent, "convertTools");
  if (
    convert &&
    wrapMethod(convert, "convertTools", (tools) => gateConverted(tools, host), converting)
  )
    patched.push("Agent.prototype.convertTools");
  else missing.push("Agent.prototype.convertTools (the tools of agent.generate()/stream())");
  // agent.network() executes the tool it picked from these directly (0.x getTools, 1.x listTools).
  const lists = ["getTools", "listTools"]
    .map((m) => [m, ownerOf(Agent, m)] as const)
    .filter(([, o]) => o);
  for (const [m, owner] of lists) {
    const govern = (tools: unknown) =>
      isObj(tools) && !converting.getStore()
        ? governMastraTools(tools, host, "instrumentation")
        : tools;
    if (wrapMethod(owner!, m, govern)) patched.push(`Agent.prototype.${m}`);
    else missing.push(`Agent.prototype.${m} (tools agent.network() runs)`);
  }
  if (!lists.length)
    missing.push("Agent.prototype.getTools/listTools (tools agent.network() runs)");
  return { patched, missing };
}

export const instrumentation: InstrumentationAdapter = {
  framework: "mastra",
  patch(exports, info) {
    const Agent = isObj(exports) ? exports.Agent : undefined;
    // The root module re-exports Agent in 0.x (a subclass that warns) and not in 1.x: nothing to do there.
    if (info.specifier === "@mastra/core" && Agent === undefined) return { patched: [] };
    if (typeof Agent !== "function") return { patched: [], missing: ["the Agent class"] };
    return patchAgent(Agent, info.host);
  },
};
