// init names the tools it cannot rewrite (prebuilt library tools, MCP clients, asTool, Mastra
// createTool, unsupported frameworks) by file:line, with the layer that gates each at run time or
// the fix, in its summary and --json; and finds entrypoints in every app script (dev:server, ...).
import { appendFileSync, cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gateSources } from "../../src/codemods/index.js";
import { detectProject } from "../../src/detectors/project.js";
import { scanRuntimeTools } from "../../src/detectors/runtime-tools.js";
import { acceptScripts, buildPlan } from "../../src/init/plan.js";
import { fixedSpec } from "../../src/init/dependency-spec.js";
import { jsonReport, summaryText } from "../../src/init/report.js";
import { inferIntentEntry } from "../../src/runtime/intent.js";
import {
  cleanupTemp,
  copyFixture,
  ensureBuilt,
  gitInit,
  json,
  read,
  REPO,
  runInit,
} from "./helpers.js";

beforeAll(() => ensureBuilt(), 120_000);
const made: string[] = [];
afterAll(() => {
  cleanupTemp();
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A copy of test/fixtures/layers/<name>. */
function layers(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `governor-init-${name}-`));
  cpSync(join(REPO, "test/fixtures/layers", name), dir, { recursive: true });
  made.push(dir);
  return dir;
}

interface RuntimeToolJson {
  file: string;
  line: number;
  kind: string;
  framework: string | null;
  name: string | null;
  what: string;
  gatedBy: string | null;
  loadedBy?: string;
  fix?: string;
  byHand?: boolean;
}
const runtimeTools = (r: { stdout: string; code: number; stderr: string }) =>
  json<{ runtimeTools: RuntimeToolJson[] }>(r).runtimeTools;

const TAVILY =
  "src/server/graph.ts:6 new TavilySearchResults() from @langchain/community/tools/tavily_search";

describe("init on a LangGraph app whose only tool is new TavilySearchResults(), started by scripts.dev:server", () => {
  // Every site the prebuilt tool reaches (bindTools, ToolNode) becomes governTools(tools): the rewrite
  // gates it, so it is reported gated at its line and not listed again as needing governor/register.
  const GATED = {
    file: "src/server/graph.ts",
    line: 6,
    name: null,
    framework: "langchain",
    form: "registration",
    status: "gated",
    reason:
      "new TavilySearchResults() from @langchain/community/tools/tavily_search gated at run time by governTools at src/server/graph.ts:7, src/server/graph.ts:11",
  };

  it("the dry run reports the tool gated by the wrapper it adds, and the entrypoint the script starts", () => {
    const dir = copyFixture("langgraph-tavily-server");
    const r = runInit(["--dry-run", "--cwd", dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("  entrypoints: src/server/index.ts (scripts.dev:server)");
    expect(r.stdout).not.toContain("No entrypoint found");
    expect(r.stdout).toContain(
      [
        "Tools (dry run: what a real run would do):",
        "  langchain: 1 gated",
        'Entrypoints (import "governor/register"):',
        "  src/server/index.ts: added",
      ].join("\n"),
    );
    expect(r.stdout).not.toContain(TAVILY);
    expect(r.stdout).toContain(
      "  scripts.dev:server: tsx src/server/index.ts  ->  tsx --import governor/register src/server/index.ts",
    );
  });

  it("--json reports it gated by the registration wrapper, not in runtimeTools; a real run wraps both sites", () => {
    const dir = copyFixture("langgraph-tavily-server");
    gitInit(dir);
    const r = runInit(["--yes", "--json", "--no-install", "--cwd", dir]);
    expect(r.code, r.stderr).toBe(0);
    const report = json<{
      tools: unknown[];
      entrypoints: unknown[];
      runtimeTools: RuntimeToolJson[];
    }>(r);
    // a real run reports lines as written (the governTools import moved it down by one)
    expect(report.tools).toEqual([expect.objectContaining({ ...GATED, line: 7 })]);
    expect(report.entrypoints).toEqual([{ file: "src/server/index.ts", status: "added" }]);
    expect(report.runtimeTools).toEqual([]);
    expect(
      read(dir, "src/server/index.ts").startsWith(
        'import "governor/register";\nimport { createServer }',
      ),
    ).toBe(true);
    const graph = read(dir, "src/server/graph.ts");
    expect(graph).toContain("new TavilySearchResults(");
    expect(graph).toContain(".bindTools(governTools(tools))");
    expect(graph).toContain('.addNode("tools", new ToolNode(governTools(tools)))');
  });
});

describe("a site the codemod cannot rewrite but a run-time layer gates", () => {
  it("OpenAI Agents asTool inside an agent's tools: gated by the governTools wrapper init adds, not listed again as a run-time tool", () => {
    const dir = layers("openai-agents-mcp");
    const plan = buildPlan(detectProject(dir), {
      gateSources,
      inferIntent: inferIntentEntry,
      dependencySpec: fixedSpec("file:../governor", "a test"),
      install: false,
    });
    expect(plan.tools.find((t) => t.line === 21)).toMatchObject({
      file: "src/agent.js",
      line: 21,
      name: "research",
      form: "registration",
      status: "gated",
    });
    expect(jsonReport(plan).runtimeTools.filter((t) => t.kind === "as-tool")).toEqual([]);
    const text = summaryText(plan, { dryRun: true, applied: false });
    expect(text).not.toContain("research: ");
    expect(text).not.toContain("Manual sites");
  });
});

describe("a tool nothing gates after init is named with its fix", () => {
  it("AI SDK createMCPClient whose tools reach only generateText: init wraps them there, nothing is left to run time", () => {
    const dir = copyFixture("ai-sdk-mcp-client");
    gitInit(dir);
    const r = runInit(["--yes", "--json", "--no-install", "--cwd", dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(runtimeTools(r)).toEqual([]);
    const out = json<{ tools: { file: string; form: string; status: string }[] }>(r);
    expect(out.tools).toEqual([
      expect.objectContaining({ file: "src/index.js", form: "registration", status: "gated" }),
    ]);
    expect(read(dir, "src/index.js")).toContain("tools: governTools(await docs.tools()),");
  });

  // Exported, the client may reach code init does not see: not claimed, so named with its fix.
  const exportedClient = () => {
    const dir = copyFixture("ai-sdk-mcp-client");
    appendFileSync(join(dir, "src/index.js"), "export { docs };\n");
    return dir;
  };

  it("AI SDK createMCPClient in an ES module app: the entry import cannot hook generateText, so the flag or governTools", () => {
    const dir = exportedClient();
    const dry = runInit(["--dry-run", "--cwd", dir]);
    expect(dry.stdout).toContain(
      "  src/index.js:5 MCP client createMCPClient(): NOT gated: instrumentation would gate it: start it with `node --import governor/register src/index.js` (scripts.start), or pass its tools through governTools(await client.tools()) from governor/runtime\n",
    );
    gitInit(dir);
    const r = runInit(["--yes", "--json", "--no-install", "--cwd", dir]);
    expect(r.code, r.stderr).toBe(0);
    const [mcp] = runtimeTools(r);
    expect(mcp).toMatchObject({ kind: "mcp-client", framework: "ai-sdk", gatedBy: null });
    // after the run, the line points into the file as written (the register and governTools imports are in)
    expect(mcp.line).toBe(7);
    expect(read(dir, "src/index.js").split("\n")[mcp.line - 1]).toContain("await createMCPClient(");
    expect(mcp.fix).toContain("`node --import governor/register src/index.js` (scripts.start)");
  });

  it("once the start-script offer is accepted, the same client is gated by instrumentation, loaded by that script", () => {
    const dir = exportedClient();
    const plan = buildPlan(detectProject(dir), {
      gateSources,
      inferIntent: inferIntentEntry,
      dependencySpec: fixedSpec("file:../governor", "a test"),
      install: false,
    });
    expect(plan.runtimeTools.map((t) => t.gatedBy)).toEqual([null]);
    acceptScripts(plan);
    expect(jsonReport(plan).runtimeTools).toEqual([
      expect.objectContaining({
        file: "src/index.js",
        line: 5,
        gatedBy: "instrumentation",
        loadedBy: "--import governor/register in scripts.start",
      }),
    ]);
    expect(jsonReport(plan).runtimeTools[0]).not.toHaveProperty("fix");
    expect(summaryText(plan, { dryRun: false, applied: false })).toContain(
      "  src/index.js:5 MCP client createMCPClient(): gated by instrumentation (--import governor/register in scripts.start)\n",
    );
  });

  it("a framework governor does not support: named, and only a person can gate it", () => {
    const dir = layers("llamaindex");
    const [t] = runtimeTools(runInit(["--dry-run", "--json", "--cwd", dir]));
    expect(t).toMatchObject({
      file: "src/index.js",
      line: 1,
      kind: "unsupported",
      gatedBy: null,
      byHand: true,
    });
    expect(t.fix).toContain('gate("<name>", fn)');
  });

  it("Mastra tools are gated at their definition under the key their agent gives them, and not listed again as run-time tools", () => {
    const dir = layers("mastra-keys");
    const out = json<{
      tools: { file: string; name: string | null; status: string }[];
      runtimeTools: RuntimeToolJson[];
    }>(runInit(["--dry-run", "--json", "--cwd", dir]));
    expect(out.tools.map((t) => [t.file, t.name, t.status])).toEqual([
      ["src/mastra/agents/sql-agent.ts", "ping", "gated"],
      ["src/mastra/tools/report-tool.ts", "reportTool", "gated"],
      ["src/mastra/tools/schema-tool.ts", "introspectDatabase", "gated"],
      ["src/mastra/tools/sql-execution-tool.ts", "sqlExecutionTool", "gated"],
    ]);
    expect(out.runtimeTools).toEqual([]);
  });
});

describe("runtime-tools detector", () => {
  const scanOf = (
    files: Record<string, string>,
    paths: { pattern: string; targets: string[] }[] = [],
  ) =>
    scanRuntimeTools(
      Object.entries(files).map(([path, text]) => ({ path, text })),
      paths,
    );
  const scan = (files: Record<string, string>, paths?: { pattern: string; targets: string[] }[]) =>
    scanOf(files, paths).tools.map((t) => ({
      at: `${t.file}:${t.line}`,
      kind: t.kind,
      framework: t.framework,
      name: t.name,
      what: t.what,
    }));

  // The scan parses a framework file only when it says a word some finding needs: these say no
  // "tool" and no MCP "Client", and are still found.
  it("finds an Agents MCP server and a governMcpClient registration in files that say no tool word", () => {
    const scanned = scanOf({
      "servers.ts":
        'import { MCPServerStdio } from "@openai/agents";\nexport const fs = new MCPServerStdio({ name: "fs", fullCommand: "npx fs" });\n',
      "wire.ts":
        'import { governMcpClient } from "governor/runtime";\nimport { fs } from "./servers.js";\nexport const gated = governMcpClient(fs);\n',
    });
    expect(scanned.tools.map((t) => [`${t.file}:${t.line}`, t.kind, t.what])).toEqual([
      ["servers.ts:2", "mcp-client", "MCP server new MCPServerStdio() for an OpenAI Agent"],
    ]);
    expect(scanned.registration.identifiers.get("servers.ts")?.has("fs")).toBe(true);
  });

  it("follows a governTools chain through a module the text test passed over", () => {
    const scanned = scanOf({
      "a.ts":
        'import { TavilySearch } from "@langchain/tavily";\nexport const search = new TavilySearch();\n',
      // a framework import, but no tool word: not parsed unless the chain leads here
      "b.ts":
        'import { ChatOpenAI } from "@langchain/openai";\nimport { search } from "./a.js";\nexport const model = new ChatOpenAI();\nexport const kit = [search];\n',
      "c.ts":
        'import { governTools } from "governor/runtime";\nimport { kit } from "./b.js";\nexport const gated = governTools(kit);\n',
    });
    expect(scanned.tools.map((t) => `${t.file}:${t.line} ${t.kind}`)).toEqual(["a.ts:2 prebuilt"]);
    expect(scanned.registration.identifiers.get("b.ts")?.has("kit")).toBe(true);
    expect(scanned.registration.identifiers.get("a.ts")?.has("search")).toBe(true);
  });

  it("OpenAI Agents hosted tools and executor tools are named (no local layer gates them), under the name the model sees", () => {
    expect(
      scan({
        "a.ts":
          'import { Agent, webSearchTool, fileSearchTool, shellTool } from "@openai/agents";\nexport const a = new Agent({ name: "sdr", tools: [webSearchTool(), fileSearchTool("vs_1")] });\nexport const b = new Agent({ name: "dev", tools: [shellTool({ shell })] });\n',
      }),
    ).toEqual([
      {
        at: "a.ts:2",
        kind: "hosted",
        framework: "openai-agents",
        name: "web_search",
        what: "OpenAI Agents webSearchTool()",
      },
      {
        at: "a.ts:2",
        kind: "hosted",
        framework: "openai-agents",
        name: "file_search",
        what: "OpenAI Agents fileSearchTool()",
      },
      {
        at: "a.ts:3",
        kind: "hosted",
        framework: "openai-agents",
        name: "shell",
        what: "OpenAI Agents shellTool() (runs its own executor, not a function tool)",
      },
    ]);
  });

  it("LangChain runnable.asTool({ name }) is a RunnableToolLike, gated through LangChain", () => {
    expect(
      scan({
        "a.ts":
          'import { RunnableLambda } from "@langchain/core/runnables";\nconst r = RunnableLambda.from((x: string) => x);\nexport const t = r.asTool({ name: "echo", schema: {} });\n',
      }),
    ).toEqual([
      {
        at: "a.ts:3",
        kind: "as-tool",
        framework: "langchain",
        name: "echo",
        what: "LangChain r.asTool() (a RunnableToolLike)",
      },
    ]);
  });

  it("asTool in a file with both frameworks: an OpenAI Agents Agent by what it was built from, else LangChain", () => {
    const tools = scan({
      "b.ts": [
        'import { Agent } from "@openai/agents";',
        'import { RunnableLambda } from "@langchain/core/runnables";',
        'const researcher = new Agent({ name: "r", instructions: "" });',
        "const lambda = RunnableLambda.from((x: string) => x);",
        'export const a = researcher.asTool({ toolName: "research", toolDescription: "" });',
        'export const b = lambda.asTool({ name: "echo", schema: {} });',
      ].join("\n"),
    });
    expect(tools.map((t) => [t.at, t.framework, t.name])).toEqual([
      ["b.ts:5", "openai-agents", "research"],
      ["b.ts:6", "langchain", "echo"],
    ]);
  });

  it("Mastra: keys through a tsconfig alias, a namespace import and a default export; no agent: said so", () => {
    const tool = (id: string) =>
      `createTool({ id: "${id}", description: "", execute: async () => ({}) })`;
    const tools = scan(
      {
        "src/tools/a.ts": `import { createTool } from "@mastra/core/tools";\nexport const weather = ${tool("get-weather")};\n`,
        "src/tools/b.ts": `import { createTool } from "@mastra/core";\nconst t = ${tool("search")};\nexport default t;\n`,
        "src/tools/c.ts": `import { createTool } from "@mastra/core/tools";\nexport const lonely = ${tool("lonely")};\n`,
        "src/agent.ts": [
          'import { Agent } from "@mastra/core/agent";',
          'import * as a from "@/tools/a";',
          'import search from "./tools/b.js";',
          "const tools = { forecast: a.weather, search };",
          'export const agent = new Agent({ name: "x", instructions: "", model: "m", tools });',
          'export const other = new Agent({ name: "y", instructions: "", model: "m", tools: { weatherNow: a.weather } });',
        ].join("\n"),
      },
      [{ pattern: "@/*", targets: ["src/*"] }],
    );
    expect(tools.map((t) => [t.at, t.name, t.what])).toEqual([
      [
        "src/tools/a.ts:2",
        "forecast",
        'Mastra createTool({ id: "get-weather" }), also given to an agent as weatherNow',
      ],
      ["src/tools/b.ts:2", "search", 'Mastra createTool({ id: "search" })'],
      [
        "src/tools/c.ts:2",
        null,
        'Mastra createTool({ id: "lonely" }), asked about under the key an agent\'s tools object gives it (no agent in the source shows it)',
      ],
    ]);
  });
});
