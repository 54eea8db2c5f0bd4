// Mastra: createTool({ id, execute }) tools, keyed by the object key the agent is given.
import type { GateHost, GatedBy } from "../gate.js";
import type { InstrumentationAdapter } from "./types.js";

export function isMastraToolSet(x: unknown): boolean {
  void x;
  return false; // TODO(mastra helper)
}

export function governMastraTools<T>(tools: T, host: () => GateHost, by: GatedBy): T {
  void host;
  void by;
  return tools; // TODO(mastra helper)
}

export const instrumentation: InstrumentationAdapter = {
  framework: "mastra",
  patch: () => ({ patched: [], missing: ["not implemented yet"] }),
};
