// The baseline for mcp.bench.mjs: the smallest useful MCP server on the same SDK and zod, one tool,
// over stdio. What `governor mcp` costs beyond this is governor's own.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

const server = new McpServer({ name: "minimal", version: "0.0.0" });
server.registerTool(
  "echo",
  { description: "Echo a text back.", inputSchema: { text: z.string() } },
  async ({ text }) => ({ content: [{ type: "text", text }] }),
);
await server.connect(new StdioServerTransport());
