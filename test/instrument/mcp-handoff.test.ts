// A client and a server in one process (in-memory transport), both gated: each call is asked once,
// and a nonce a client makes up does not let a call past the server's gate.
import { afterEach, describe, expect, it } from "vitest";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { z } from "zod";
import { governMcpClient, governMcpServer } from "../../src/runtime/index.js";
import { allow, startEnforce, type EnforceServer } from "../support/enforce-server.js";
import { closeAll, makeGovernor } from "../runtime/helpers.js";

let server: EnforceServer | undefined;
afterEach(async () => {
  await closeAll();
  await server?.close();
  server = undefined;
});

async function pair(gateClient: boolean) {
  server = await startEnforce(() => allow());
  const t = makeGovernor({ enforceUrl: server.url });
  const mcp = new McpServer({ name: "s", version: "1.0.0" });
  const ran: string[] = [];
  mcp.registerTool(
    "lookup_order",
    { description: "d", inputSchema: { id: z.string() } },
    async ({ id }) => {
      ran.push(id);
      return { content: [{ type: "text", text: `order ${id}` }] };
    },
  );
  governMcpServer(mcp, { governor: t.governor });
  const [a, b] = InMemoryTransport.createLinkedPair();
  await mcp.connect(b);
  const client = new Client({ name: "c", version: "1.0.0" });
  if (gateClient) governMcpClient(client, { governor: t.governor });
  await client.connect(a);
  return { t, client, ran };
}

describe("MCP client and server in one process", () => {
  it("asks once per call, on the client side", async () => {
    const { t, client, ran } = await pair(true);
    await client.callTool({ name: "lookup_order", arguments: { id: "1" } });
    await client.callTool({ name: "lookup_order", arguments: { id: "2" } });
    expect(ran).toEqual(["1", "2"]);
    expect(server!.requests).toHaveLength(2);
    const audit = await t.auditLines();
    expect(audit.map((a) => a.gatedBy)).toEqual(["registration", "registration"]);
  });

  it("a nonce an ungated client makes up is not honoured: the server still asks", async () => {
    const { client, ran } = await pair(false);
    await client.callTool({
      name: "lookup_order",
      arguments: { id: "3" },
      _meta: { "governor/decided": "00000000-0000-4000-8000-000000000000" },
    });
    expect(ran).toEqual(["3"]);
    expect(server!.requests).toHaveLength(1);
  });
});
