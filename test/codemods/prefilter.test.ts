// The text prefilter decides which files are parsed at all: a framework file that says none of the
// words a tool form needs is never parsed, and the cases that need no such word are still found.
import { expect, it } from "vitest";
import { gateSources } from "../../src/codemods/index.js";

const run = (files: Record<string, string>) =>
  gateSources(
    Object.entries(files).map(([path, text]) => ({ path, text })),
    { moduleKind: () => "esm" },
  );

it("never parses a framework file that holds no tool (a broken one raises no warning)", () => {
  const r = run({
    "src/model.ts": `import { openai } from "@ai-sdk/openai";\nexport const model = openai("gpt-4o" ;\n`,
    "src/tool.ts": `import { tool } from "ai";\nexport const t = tool({ execute: async () => 1 ;\n`,
  });
  // the tool file is parsed (and does not parse): named; the model file is never read as code
  expect(r.warnings).toHaveLength(1);
  expect(r.warnings[0]).toMatch(/^src\/tool\.ts: skipped, it does not parse/);
});

it("gates MCP tools registered on a server made in a file that says no tool word", () => {
  const r = run({
    "src/server.ts": `import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { registerAll } from "./register.js";
export const server = new McpServer({ name: "s", version: "1" });
registerAll(server);
`,
    "src/register.ts": `export function registerAll(server: any) {
  server.registerTool("wipe_disk", { description: "wipe" }, async () => ({ content: [] }));
}
`,
  });
  expect(r.tools.map((t) => [t.file, t.name, t.status])).toEqual([
    ["src/register.ts", "wipe_disk", "gated"],
  ]);
});

it("still sees an MCP client and a prebuilt tool made in files that say no tool word", () => {
  const r = run({
    "src/client.ts": `import { Client } from "@modelcontextprotocol/sdk/client/index.js";
export const client = new Client({ name: "c", version: "1" });
`,
    "src/search.ts": `import { TavilySearch } from "@langchain/tavily";\nexport default new TavilySearch();\n`,
    "src/agent.ts": `import { createReactAgent } from "@langchain/langgraph/prebuilt";
import search from "./search.js";
export const agent = (llm: any) => createReactAgent({ llm, tools: [search] });
`,
  });
  const by = Object.fromEntries(r.tools.map((t) => [t.file, t.status]));
  expect(by["src/client.ts"]).toBe("gated");
  expect(by["src/search.ts"]).toBe("gated");
});
