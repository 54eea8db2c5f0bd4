// The --dev server in process, driven by the real MCP SDK Client over a linked in-memory pair.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { createDevMcpServer, type DevServerOptions } from "../../src/mcp/dev/server.js";

export interface DevClient {
  client: Client;
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  /** The structuredContent of a successful call; throws with the error text otherwise. */
  data<T = Record<string, any>>(name: string, args?: Record<string, unknown>): Promise<T>;
  close(): Promise<void>;
}

export async function devClient(options: DevServerOptions): Promise<DevClient> {
  const server = createDevMcpServer(options);
  const [a, b] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: "test", version: "0" });
  await Promise.all([server.connect(a), client.connect(b)]);
  const call = async (name: string, args: Record<string, unknown> = {}) =>
    (await client.callTool({ name, arguments: args })) as CallToolResult;
  return {
    client,
    call,
    async data(name, args) {
      const r = await call(name, args);
      if (r.isError) throw new Error(`${name} failed: ${text(r)}`);
      return r.structuredContent as never;
    },
    async close() {
      await client.close();
      await server.close();
    },
  };
}

export const text = (r: CallToolResult) =>
  r.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");

/** The error a tool answered with (isError, structuredContent.error). */
export function errorOf(r: CallToolResult): {
  code: string;
  message: string;
  fix: string;
  context: Record<string, any>;
} {
  if (!r.isError) throw new Error(`expected an error, got: ${text(r).slice(0, 500)}`);
  return (r.structuredContent as { error: never }).error;
}
