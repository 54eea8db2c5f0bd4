// OpenAI Agents JS (@openai/agents 0.x): a FunctionTool (tool(), agent.asTool(), the tools the SDK
// builds from an Agent's mcpServers) is called by the runner as `tool.invoke(runContext, argsJson,
// details)` under `tool.name`, the name the model uses. We gate `invoke`, in place (the SDK keys
// per-tool state by the tool object: agent-tool source agents, tool-search routing), and hand a
// refusal back as the tool's output: a thrown error would reach the model wrapped in "Please try
// again.", and from an asTool tool it fails the whole run.
import { contextStorage, currentContext } from "../context.js";
import type { GateHost, GatedBy, Layer } from "../gate.js";
import { gateAt, gatedAs, isLayered, markOnce } from "../govern.js";
import type { InstrumentationAdapter, PatchResult } from "./types.js";

interface FunctionToolLike {
  type: "function";
  name: string;
  invoke: (...args: unknown[]) => unknown;
}

/** Tool kinds the runner executes without a FunctionTool invoke governor could gate. */
const UNGATED_LOCAL = new Set(["computer", "shell", "apply_patch"]);

function isFunctionTool(x: unknown): x is FunctionToolLike {
  const t = x as FunctionToolLike | null;
  return (
    !!t &&
    typeof t === "object" &&
    t.type === "function" &&
    typeof t.name === "string" &&
    !!t.name &&
    typeof t.invoke === "function"
  );
}

/** An OpenAI Agents tool: a FunctionTool, or a hosted / executor-backed tool governTools leaves
 *  alone with a warning naming it (they are accepted so governTools does not throw on a real
 *  agent's tool list). */
export function isAgentsTool(x: unknown): boolean {
  if (isFunctionTool(x)) return true;
  const t = x as { type?: unknown; name?: unknown } | null;
  return (
    !!t &&
    typeof t === "object" &&
    typeof t.name === "string" &&
    (t.type === "hosted_tool" || UNGATED_LOCAL.has(t.type as string))
  );
}

/** The intent is built from the parsed arguments, never the raw string or the RunContext. */
function argsOf(args: unknown[]): unknown[] {
  const input = args[1];
  if (typeof input !== "string") return input === undefined ? [] : [input];
  if (!input.trim()) return [];
  try {
    return [JSON.parse(input)];
  } catch {
    return []; // the tool rejects it itself, after the check
  }
}

const refuse = (refusal: string) => refusal;
const LAYERS: Record<GatedBy, Layer> = {
  definition: { by: "definition", argsOf, refuse },
  registration: { by: "registration", argsOf, refuse },
  instrumentation: { by: "instrumentation", argsOf, refuse },
};

/**
 * Gate one OpenAI Agents tool; returns it (patched in place; a copy only when it is frozen). A
 * FunctionTool's invoke is gated by `tool.name`; one already gated (by any layer) is left as is.
 * Hosted tools and executor-backed ones (computer, shell, apply_patch) cannot be gated here: they
 * are returned unchanged and named once in a warning.
 */
export function governAgentsTool<T>(tool: T, host: () => GateHost, by: GatedBy): T {
  if (!isFunctionTool(tool)) {
    if (isAgentsTool(tool))
      warnUngated(
        tool as unknown as {
          type: string;
          name: string;
          providerData?: { server_label?: unknown };
        },
      );
    return tool;
  }
  const invoke = tool.invoke;
  // Already gated: by a layer (governing twice is a no-op), or where invoke was defined.
  if (isLayered(invoke) || gatedAs(invoke) === tool.name) return tool;
  // An asTool tool's invoke is a whole agent run: its tools are new calls, not this one.
  const inner =
    typeof (tool as { on?: unknown }).on === "function" ? outsideDecided(invoke) : invoke;
  const gated = gateAt(host, tool.name, inner, LAYERS[by], "return");
  try {
    Object.defineProperty(tool, "invoke", {
      value: gated,
      writable: true,
      configurable: true,
      enumerable: true,
    });
    if (tool.invoke === gated) return tool;
  } catch {
    // frozen or non-configurable: copy below
  }
  const descriptors: PropertyDescriptorMap = Object.getOwnPropertyDescriptors(tool);
  descriptors.invoke = { value: gated, writable: true, configurable: true, enumerable: true };
  return Object.create(Object.getPrototypeOf(tool), descriptors) as T;
}

/** `fn` run without the "decided" mark of the call around it. */
function outsideDecided<F extends (...args: any[]) => any>(fn: F): F {
  return function (this: unknown, ...args: unknown[]) {
    const cur = currentContext();
    if (!cur?.decided) return fn.apply(this, args);
    return contextStorage().run({ ...cur, decided: undefined }, () => fn.apply(this, args));
  } as F;
}

// Process-wide (the ESM and CJS builds of governor may both be loaded): each tool is named once.
const WARNED = Symbol.for("governor.openai-agents.warned");

function warnUngated(t: {
  type: string;
  name: string;
  providerData?: { server_label?: unknown };
}): void {
  if (t.type === "hosted_tool" && t.name === "tool_search") return; // it only loads tools, which are gated
  const g = globalThis as { [WARNED]?: Set<string> };
  const seen = (g[WARNED] ??= new Set());
  const label =
    t.name === "hosted_mcp" && typeof t.providerData?.server_label === "string"
      ? `hosted MCP server "${t.providerData.server_label}"`
      : `"${t.name}"`;
  if (seen.has(label)) return;
  seen.add(label);
  process.stderr.write(
    t.type === "hosted_tool"
      ? `governor: OpenAI Agents tool ${label} is a hosted tool: OpenAI runs it, not this process, so governor cannot gate its calls and they do NOT ask enforce. Remove it from agents whose every call must be gated, or limit it where OpenAI runs it (allowedTools, requireApproval).\n`
      : `governor: OpenAI Agents ${t.type} tool ${label} runs through its own ${t.type === "computer" ? "computer" : t.type === "shell" ? "shell" : "editor"} implementation, not a function tool, so its calls do NOT ask enforce. Gate that implementation's methods with gate("${t.name}", fn), or use needsApproval.\n`,
  );
}

/** Gate every tool in a list the SDK built (getAllTools, tool-search runtime tools), in place. */
function governList(list: unknown, host: () => GateHost): void {
  if (!Array.isArray(list)) return;
  for (let i = 0; i < list.length; i++) {
    const t = list[i];
    if (!isAgentsTool(t)) continue;
    const g = governAgentsTool(t, host, "instrumentation");
    if (g !== t) list[i] = g;
  }
}

type Proto = Record<string, unknown> & object;

function protoOf(exports: any, cls: string): Proto | null {
  let C: unknown;
  try {
    C = exports?.[cls];
  } catch {
    return null;
  }
  const p = typeof C === "function" ? (C as { prototype?: unknown }).prototype : null;
  return p && typeof p === "object" ? (p as Proto) : null;
}

export const instrumentation: InstrumentationAdapter = {
  framework: "openai-agents",
  patch(exports, info): PatchResult {
    const patched: string[] = [];
    const missing: string[] = [];
    const host = info.host;

    // Every run (Runner, run(), the nested run of an asTool tool, RealtimeSession) asks the agent
    // for its tools here, MCP-server tools included: gate them on the way out.
    const agent = protoOf(exports, "Agent");
    const getAllTools = agent?.getAllTools;
    if (agent && typeof getAllTools === "function") {
      if (markOnce(agent, "instrumentation:getAllTools")) {
        agent.getAllTools = async function (this: unknown, ...args: unknown[]) {
          const tools = await (getAllTools as (...a: unknown[]) => Promise<unknown>).apply(
            this,
            args,
          );
          governList(tools, host);
          return tools;
        };
      }
      patched.push("Agent.prototype.getAllTools");
    } else {
      missing.push(
        "Agent.prototype.getAllTools (function tools, asTool tools and MCP-server tools of agents)",
      );
    }

    // Tools a client-side tool search loads during a run do not come from getAllTools.
    const state = protoOf(exports, "RunState");
    const record = state?.recordToolSearchRuntimeTools;
    if (state && typeof record === "function") {
      if (markOnce(state, "instrumentation:recordToolSearchRuntimeTools")) {
        state.recordToolSearchRuntimeTools = function (this: unknown, ...args: unknown[]) {
          governList(args[2], host);
          return (record as (...a: unknown[]) => unknown).apply(this, args);
        };
      }
      patched.push("RunState.prototype.recordToolSearchRuntimeTools");
    }

    // A run started inside a tool call (asTool's nested run, or an execute that runs an agent) is
    // a new set of calls: the outer call's "decided" mark must not exempt an inner tool that
    // happens to share its name.
    const runner = protoOf(exports, "Runner");
    const run = runner?.run;
    if (runner && typeof run === "function") {
      if (markOnce(runner, "instrumentation:run")) {
        runner.run = outsideDecided(run as (...a: unknown[]) => unknown);
      }
      patched.push("Runner.prototype.run");
    } else {
      missing.push("Runner.prototype.run (nested agent runs)");
    }
    return { patched, missing };
  },
};
