// MCP TypeScript SDK: servers (McpServer, low-level Server: the tools/call handler, by params.name)
// and clients (every tools/call a Client sends).
import type { GateHost, GatedBy } from "../gate.js";
import type { InstrumentationAdapter } from "./types.js";

export function governServer<T>(server: T, host: () => GateHost, by: GatedBy): T {
  void host;
  void by;
  return server; // TODO(mcp helper)
}

export function governClient<T>(client: T, host: () => GateHost, by: GatedBy): T {
  void host;
  void by;
  return client; // TODO(mcp helper)
}

export const instrumentation: InstrumentationAdapter = {
  framework: "mcp",
  patch: () => ({ patched: [], missing: ["not implemented yet"] }),
};
