// OpenAI Agents JS: a FunctionTool (tool(), agent.asTool(), tools from MCP servers) is invoked by
// its `name`; a refusal is returned as the tool's output.
import type { GateHost, GatedBy } from "../gate.js";
import type { InstrumentationAdapter } from "./types.js";

export function isAgentsTool(x: unknown): boolean {
  void x;
  return false; // TODO(openai-agents helper)
}

export function governAgentsTool<T>(tool: T, host: () => GateHost, by: GatedBy): T {
  void host;
  void by;
  return tool; // TODO(openai-agents helper)
}

export const instrumentation: InstrumentationAdapter = {
  framework: "openai-agents",
  patch: () => ({ patched: [], missing: ["not implemented yet"] }),
};
