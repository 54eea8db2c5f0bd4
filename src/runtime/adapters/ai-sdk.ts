// Vercel AI SDK: a ToolSet's key is the name the model uses. Registration: governToolSet copies the
// set with each execute gated under its key. Instrumentation: generateText, streamText and
// ToolLoopAgent (and Experimental_Agent) gate the tools they are given.
import type { GateHost, GatedBy } from "../gate.js";
import type { InstrumentationAdapter } from "./types.js";

/** Does `x` look like an AI SDK ToolSet (an object of tools with execute/inputSchema)? */
export function isToolSet(x: unknown): boolean {
  void x;
  return false; // TODO(ai-sdk helper)
}

export function governToolSet<T>(tools: T, host: () => GateHost, by: GatedBy): T {
  void host;
  void by;
  return tools; // TODO(ai-sdk helper)
}

export const instrumentation: InstrumentationAdapter = {
  framework: "ai-sdk",
  patch: () => ({ patched: [], missing: ["not implemented yet"] }),
};
