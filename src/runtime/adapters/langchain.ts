// LangChain.js: every tool (tool(), DynamicTool, DynamicStructuredTool, StructuredTool/Tool
// subclasses, prebuilt library tools) is a StructuredTool whose `name` is what the model uses.
import type { GateHost, GatedBy } from "../gate.js";
import type { InstrumentationAdapter } from "./types.js";

export function isLangChainTool(x: unknown): boolean {
  void x;
  return false; // TODO(langchain helper)
}

/** Gate one LangChain tool instance in place; returns it. */
export function governLangChainTool<T>(tool: T, host: () => GateHost, by: GatedBy): T {
  void host;
  void by;
  return tool; // TODO(langchain helper)
}

export const instrumentation: InstrumentationAdapter = {
  framework: "langchain",
  patch: () => ({ patched: [], missing: ["not implemented yet"] }),
};
