// `line` in a finding is where the definition itself starts, never the JSDoc or comment above it,
// in every form and with CRLF line endings (init's --json report and summary print it).
import { describe, expect, it } from "vitest";
import { gateSources } from "../../src/codemods/index.js";

const esm = () => "esm" as const;

/** The finding's line, checked against the marker text that must open that line. */
function linesOf(path: string, text: string) {
  const r = gateSources([{ path, text }], { moduleKind: esm });
  const lines = text.split(/\r?\n/);
  return r.tools.map((t) => ({ name: t.name, line: t.line, text: lines[t.line - 1].trim() }));
}

describe("finding lines", () => {
  it("skip JSDoc, block and line comments above AI SDK, LangChain and OpenAI Agents definitions", () => {
    const text = [
      'import { tool } from "ai";',
      'import { tool as lcTool, StructuredTool } from "@langchain/core/tools";',
      'import { tool as agentTool } from "@openai/agents";',
      'import { z } from "zod";',
      "",
      "/**",
      " * Looks up an order.",
      " */",
      "export const getOrder = tool({",
      "  inputSchema: z.object({ id: z.string() }),",
      "  execute: async ({ id }) => id,",
      "});",
      "export const tools = { get_order: getOrder };",
      "",
      "/* block */ // and a line comment",
      "// another",
      'export const echo = lcTool(async ({ t }) => t, { name: "echo", schema: z.object({ t: z.string() }) });',
      "",
      "/** A class tool. */",
      "export class Search extends StructuredTool {",
      '  name = "search";',
      '  description = "s";',
      "  schema = z.object({ q: z.string() });",
      "  /** the work */",
      "  async _call({ q }: { q: string }) {",
      "    return q;",
      "  }",
      "}",
      "",
      "export const agent = agentTool({",
      '  name: "notify",',
      '  description: "n",',
      "  parameters: z.object({}),",
      "  /** runs it */",
      '  execute: async () => "ok",',
      "});",
      "",
    ].join("\n");
    expect(linesOf("src/tools.ts", text)).toEqual([
      { name: "get_order", line: 9, text: "export const getOrder = tool({" },
      { name: "echo", line: 17, text: expect.stringMatching(/^export const echo = lcTool\(/) },
      { name: "search", line: 20, text: "export class Search extends StructuredTool {" },
      { name: "notify", line: 30, text: "export const agent = agentTool({" },
    ]);
  });

  it("skip comments above MCP registrations, handler-map keys and switch cases; CRLF counts one line per break", () => {
    const text = [
      'import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";',
      'import OpenAI from "openai";',
      'const server = new McpServer({ name: "s", version: "1" });',
      "/**",
      " * Deletes a file.",
      " */",
      'server.registerTool("delete_file", {}, async () => ({ content: [] }));',
      "const handlers = {",
      "  /** reads */",
      "  read_file: async (a) => a,",
      "};",
      "export async function run(call) {",
      "  // tool_calls arrive here",
      "  const out = await handlers[call.function.name](call.args);",
      "  switch (call.function.name) {",
      "    // the only inline tool",
      '    case "ping":',
      "      return await ping(call.args);",
      "  }",
      "  return out;",
      "}",
      "",
    ].join("\r\n");
    expect(linesOf("src/server.js", text)).toEqual([
      {
        name: "delete_file",
        line: 7,
        text: expect.stringMatching(/^server\.registerTool\("delete_file"/),
      },
      { name: "read_file", line: 10, text: "read_file: async (a) => a," },
      { name: "ping", line: 17, text: 'case "ping":' },
    ]);
  });
});
