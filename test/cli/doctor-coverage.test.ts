// doctor's tools.governed across layers, as a real process on fixture projects that mirror real repos
// (test/fixtures/layers): what any layer gates is counted, what none does is named with its fix.
import { spawnSync } from "node:child_process";
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkGoverned } from "../../src/doctor/repo.js";
import { detectProject } from "../../src/detectors/project.js";
import { gateSources } from "../../src/codemods/index.js";
import { policies, root, run, serve, type Served } from "./helpers.js";

const KEY = "sk-coverage-0123456789";
const DECISION_KEY = "dk-coverage-0123456789abcdef";
const FIXTURES = path.join(root, "test/fixtures/layers");
let srv: Served;
const made: string[] = [];

/** A copy of a fixture with governor linked into node_modules (as `npm install governor` would). */
function project(name: string, edit?: (dir: string) => void): string {
  const dir = mkdtempSync(path.join(tmpdir(), `governor-coverage-${path.basename(name)}-`));
  cpSync(path.join(FIXTURES, name), dir, { recursive: true });
  mkdirSync(path.join(dir, "node_modules"));
  symlinkSync(root, path.join(dir, "node_modules", "governor"), "dir");
  edit?.(dir);
  made.push(dir);
  return dir;
}

const prepend = (dir: string, file: string, line: string) =>
  writeFileSync(path.join(dir, file), line + readFileSync(path.join(dir, file), "utf8"));

async function doctor(dir: string, args: string[] = [], env: Record<string, string> = {}) {
  const r = await run(["doctor", "--cwd", dir, "--json", "--samples", "1", ...args], {
    env: {
      GOVERNOR_ENFORCE_URL: srv.url,
      GOVERNOR_API_KEY: KEY,
      GOVERNOR_DECISION_KEY: DECISION_KEY,
      ...env,
    },
  });
  const out = JSON.parse(r.stdout);
  const c = Object.fromEntries(out.checks.map((k: { id: string }) => [k.id, k])) as Record<
    string,
    any
  >;
  return {
    code: r.code,
    ok: out.ok as boolean,
    governed: c["tools.governed"],
    entry: c["runtime.entrypoint"],
    map: c["intent-map"],
    text: r.stdout,
  };
}

const notGated = (g: any) => (g.details?.notGated ?? []).map((n: { where: string }) => n.where);

beforeAll(async () => {
  srv = await serve(["--policy", path.join(policies, "basic.yaml")], {
    GOVERNOR_SERVE_API_KEY: KEY,
    GOVERNOR_DECISION_KEY: DECISION_KEY,
  });
});
afterAll(async () => {
  await srv?.stop();
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

describe.concurrent("doctor: tools.governed counts every layer", () => {
  it("LangGraph with new TavilySearch() in a ToolNode, not wired: each prebuilt tool named with the flag that gates it", async () => {
    const { code, governed } = await doctor(project("langgraph-tavily"));
    expect(code).toBe(1);
    expect(governed.status).toBe("fail");
    expect(governed.message).toBe(
      "3 of 3 tool(s) not gated by any layer: src/graph.ts:8 (lookup_order), src/graph.ts:14 (new TavilySearch() from @langchain/tavily), src/graph.ts:16 (new Calculator() from @langchain/community/tools/calculator)",
    );
    const tavily = governed.details.notGated.find((n: any) => n.where.includes("TavilySearch"));
    expect(tavily).toMatchObject({ kind: "prebuilt", framework: "langchain", byHand: false });
    expect(tavily.fix).toContain("`tsx --import governor/register src/index.ts` (scripts.start)");
    expect(tavily.fix).toContain("governTools([...])");
    expect(governed.fix).toContain(
      "src/graph.ts:16 (new Calculator() from @langchain/community/tools/calculator): instrumentation would gate it",
    );
  });

  it("the same app started with --import governor/register: the prebuilt tools count as gated by instrumentation; --strict passes", async () => {
    const dir = project("langgraph-preloaded");
    const { code, governed, entry } = await doctor(dir, ["--strict"]);
    expect(governed.status).toBe("pass");
    expect(governed.message).toBe(
      "all 3 tool(s) are gated: 3 by instrumentation (governor/register)",
    );
    expect(governed.details.gated.instrumentation).toContain(
      "src/graph.ts:14 (new TavilySearch() from @langchain/tavily)",
    );
    expect(entry.message).toBe(
      "governor/register is loaded from research-graph-preloaded: package.json scripts.start (--import: instrumentation covers LangChain.js, LangGraph)",
    );
    expect(code).toBe(0);
  });

  it('LangGraph with only import "governor/register" in its ESM entrypoint: tool prototypes are still hooked, so they count', async () => {
    const dir = project("langgraph-tavily", (d) =>
      prepend(d, "src/index.ts", 'import "governor/register";\n'),
    );
    const { governed, entry } = await doctor(dir);
    expect(governed).toMatchObject({
      status: "pass",
      message: "all 3 tool(s) are gated: 3 by instrumentation (governor/register)",
    });
    expect(entry.message).toContain(
      "src/index.ts (import in an ESM entrypoint: instrumentation covers LangChain.js, LangGraph)",
    );
  });

  it("OpenAI Agents with MCPServerStdio and asTool, no layer: each named, the flag given, --json carries it", async () => {
    const { governed, entry } = await doctor(project("openai-agents-mcp"));
    expect(entry.status).not.toBe("pass");
    expect(notGated(governed)).toEqual([
      "src/agent.js:4 (MCP server new MCPServerStdio() for an OpenAI Agent)",
      "src/agent.js:9 (refund_payment)",
      "src/agent.js:21 (research)",
    ]);
    const mcp = governed.details.notGated[0];
    expect(mcp).toMatchObject({ kind: "mcp-client", framework: "openai-agents", byHand: false });
    expect(mcp.fix).toBe(
      "instrumentation would gate it: start it with `node --import governor/register src/index.js` (scripts.start)",
    );
    expect(governed.status).toBe("fail");
    expect(governed.message).not.toMatch(/all .* gated/);
  });

  it("the same app with register imported by its ESM entrypoint: OpenAI Agents' Agent is a prototype, so instrumentation covers all three", async () => {
    const dir = project("openai-agents-mcp", (d) =>
      prepend(d, "src/index.js", 'import "governor/register";\n'),
    );
    const { governed, entry } = await doctor(dir);
    expect(entry.message).toContain("instrumentation covers OpenAI Agents");
    expect(notGated(governed)).toEqual([]);
    expect(governed.status).toBe("pass");
    expect(governed.message).toMatch(/all 3 tool\(s\) are gated: 3 by instrumentation/);
  });

  it("Mastra createTool: named by the key its agent gives it; without init or register it is not gated, and the fix names init and the flag", async () => {
    const dir = project("mastra", (d) =>
      writeFileSync(
        path.join(d, "src/index.ts"),
        readFileSync(path.join(d, "src/index.ts"), "utf8").replace(
          'import "governor/register";\n',
          "",
        ),
      ),
    );
    const { governed } = await doctor(dir);
    expect(governed.status).toBe("fail");
    expect(notGated(governed)).toEqual(["src/mastra/tools.ts:4 (weatherTool)"]);
    expect(governed.details.notGated[0].fix).toBe(
      "run `governor init` (gates it at its definition); or start it with `tsx --import governor/register src/index.ts` (scripts.start) (instrumentation gates it)",
    );
  });

  it("Mastra with register imported by the entrypoint: the Agent's prototype is patched, so the tool is gated by instrumentation", async () => {
    const { governed } = await doctor(project("mastra"));
    expect(notGated(governed)).toEqual([]);
    expect(governed.status).toBe("pass");
  });

  it("Mastra keys followed through a barrel, a renamed export, a spread and an inline tool; a tool no agent in the source is given is named after its variable", async () => {
    const { governed } = await doctor(project("mastra-keys"));
    expect(notGated(governed)).toEqual([
      "src/mastra/agents/sql-agent.ts:15 (ping)",
      "src/mastra/tools/report-tool.ts:5 (reportTool)",
      "src/mastra/tools/schema-tool.ts:4 (introspectDatabase)",
      "src/mastra/tools/sql-execution-tool.ts:4 (sqlExecutionTool)",
    ]);
    const gated = await doctor(
      project("mastra-keys", (d) => prepend(d, "src/index.ts", 'import "governor/register";\n')),
    );
    expect(gated.governed).toMatchObject({
      status: "pass",
      message: "all 4 tool definition(s) are gated: 4 by instrumentation (governor/register)",
    });
    expect(gated.governed.details.gated.instrumentation).toContain(
      "src/mastra/tools/sql-execution-tool.ts:4 (sqlExecutionTool)",
    );
  });

  it("LangChain runnable.asTool() handed to createReactAgent: a RunnableToolLike, not an OpenAI Agents asTool; gated once register is loaded", async () => {
    const { governed } = await doctor(project("langchain-astool"));
    // init would wrap createReactAgent's tools in governTools, so it is named as init's registration site
    expect(notGated(governed)).toEqual([
      "src/agent.js:10 (summarize)",
      "src/agent.js:11 (translate)",
    ]);
    expect(governed.details.notGated[0]).toMatchObject({
      kind: "definition",
      framework: "langchain",
      byHand: false,
    });
    expect(governed.details.notGated[0].fix).toBe(
      "run `governor init` (gates it where it is registered); or start it with `node --import governor/register src/index.js` (scripts.start) (instrumentation gates it)",
    );
    const gated = await doctor(
      project("langchain-astool", (d) =>
        prepend(d, "src/index.js", 'import "governor/register";\n'),
      ),
    );
    expect(gated.governed).toMatchObject({
      status: "pass",
      message: "all 2 tool definition(s) are gated: 2 by instrumentation (governor/register)",
    });
  });

  it("an entrypoint named only by scripts.dev:server: doctor checks it (no 'no entrypoint found'), and passes once init added the import there", async () => {
    const dir = project("../init/langgraph-tavily-server");
    const before = await doctor(dir);
    expect(before.entry.message).toBe("no import of governor/register in src/server/index.ts");
    expect(before.entry.fix).toContain(
      "`tsx --import governor/register src/server/index.ts` (scripts.dev:server)",
    );
    for (const args of [
      ["init", "-q"],
      ["-c", "user.email=t@example.com", "-c", "user.name=t", "add", "-A"],
      ["-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "app"],
    ])
      expect(spawnSync("git", args, { cwd: dir }).status).toBe(0);
    const init = spawnSync(
      process.execPath,
      [path.join(root, "bin/governor.js"), "init", "--cwd", dir, "--yes", "--no-install"],
      { encoding: "utf8", env: { ...process.env, CI: "true" } },
    );
    expect(init.status, init.stderr).toBe(0);
    const after = await doctor(dir);
    expect(after.entry.message).toBe(
      "governor/register is loaded from src/server/index.ts (import in an ESM entrypoint: instrumentation covers LangChain.js, LangGraph)",
    );
    // init wrapped both sites the prebuilt tool reaches (bindTools, ToolNode) in governTools
    expect(after.governed).toMatchObject({
      status: "pass",
      message: "all 1 tool definition(s) are gated: 1 by registration (govern*)",
    });
  });

  it("Next.js: instrumentation cannot reach bundled code, even with NODE_OPTIONS in the dev script; doctor says so", async () => {
    const dir = project("next-app", (d) => {
      const pkg = JSON.parse(readFileSync(path.join(d, "package.json"), "utf8"));
      pkg.scripts.dev = "NODE_OPTIONS='--import governor/register' next dev";
      writeFileSync(path.join(d, "package.json"), JSON.stringify(pkg, null, 2));
    });
    const { governed, entry } = await doctor(dir);
    expect(entry.message).toMatch(
      /instrumentation cannot reach Vercel AI SDK here: Next\.js bundles this package's server code/,
    );
    expect(governed.status).toBe("fail");
    expect(governed.details.instrumentationUnreachable[0]).toMatch(/^chat-next: Next\.js bundles/);
    const [mcp, weather] = governed.details.notGated;
    expect(mcp.where).toBe("app/api/chat/route.ts:8 (MCP client experimental_createMCPClient())");
    // init's rewrite is the one layer that reaches bundled code: it wraps the client's tools where they are registered.
    expect(mcp.fix).toBe("run `governor init` (gates it where it is registered)");
    expect(weather).toMatchObject({
      where: "app/api/chat/route.ts:15 (weather)",
      fix: "run `governor init` (gates it at its definition)",
    });
  });

  it("governTools / governMcpClient in the source: counted as gated by registration", async () => {
    const { governed } = await doctor(project("registration"));
    // init's registration finding names the prebuilt tool at its line, gated by the wrapper in the code
    expect(governed).toMatchObject({
      status: "pass",
      message: "all 2 tool definition(s) are gated: 2 by registration (govern*)",
    });
    expect(governed.details.gated.registration).toEqual([
      "src/tools.js:5 (new TavilySearch() from @langchain/tavily)",
      "src/tools.js:8 (MCP client new Client())",
    ]);
  });

  it("a framework governor does not support is named; a warning that --strict turns into a failure", async () => {
    const dir = project("llamaindex");
    const [plain, strict] = await Promise.all([doctor(dir), doctor(dir, ["--strict"])]);
    expect(plain.governed.status).toBe("warn");
    expect(plain.governed.message).toBe(
      "1 of 1 tool(s) not gated by any layer: src/index.js:1 (llamaindex: LlamaIndex.TS, which governor does not support yet)",
    );
    expect(plain.governed.fix).toContain(
      'wrap each tool function it runs (its FunctionTool.from / tool()) in gate("<name>", fn)',
    );
    expect(plain.code).toBe(0);
    expect(strict.code).toBe(1);
    expect(strict.ok).toBe(false);
  });
});

describe("doctor right after init", () => {
  it("AI SDK factory tools registered through a tsconfig alias: init gates them, then doctor --strict passes", async () => {
    const dir = project("ai-sdk-factory");
    for (const args of [
      ["init", "-q"],
      ["-c", "user.email=t@example.com", "-c", "user.name=t", "add", "-A"],
      ["-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "app"],
    ])
      expect(spawnSync("git", args, { cwd: dir }).status).toBe(0);
    const before = await doctor(dir);
    expect(before.governed.message).toBe(
      "2 of 2 tool definition(s) not gated: src/tools/orders.ts:10 (lookup_order), src/tools/orders.ts:18 (cancel_order)",
    );
    const init = spawnSync(
      process.execPath,
      [path.join(root, "bin/governor.js"), "init", "--cwd", dir, "--yes", "--no-install"],
      { encoding: "utf8", env: { ...process.env, CI: "true" } },
    );
    expect(init.status, init.stderr).toBe(0);
    expect(readFileSync(path.join(dir, "src/tools/orders.ts"), "utf8")).toContain(
      'execute: gate("lookup_order", async ({ id }) => deps.find(id), { input: "first" })',
    );
    const after = await doctor(dir, ["--strict"]);
    expect(after.governed).toMatchObject({
      status: "pass",
      message: "all 2 tool definition(s) are gated",
    });
    expect(after.code, after.text).toBe(0);
  });

  it("a definition already wrapped in gate() counts as gated even when the detector cannot name it", () => {
    const dir = project("ai-sdk-factory", (d) => {
      const file = path.join(d, "src/tools/orders.ts");
      const text = readFileSync(file, "utf8").replace(
        'import { z } from "zod";',
        'import { z } from "zod";\nimport { gate } from "governor/runtime";',
      );
      writeFileSync(
        file,
        text.replace(
          "execute: async ({ id }) => deps.find(id)",
          'execute: gate("lookup_order", async ({ id }) => deps.find(id))',
        ),
      );
    });
    const detection = detectProject(dir);
    // what the codemod says over code it cannot follow: both factory tools unnamed, manual
    const manualOnly = () => ({
      files: [],
      warnings: [],
      tools: [11, 19].map((line) => ({
        file: "src/tools/orders.ts",
        line,
        name: null,
        nameConfidence: "low",
        framework: "ai-sdk",
        form: "tool",
        status: "manual",
        reason: "not registered",
      })),
    });
    const r = checkGoverned(detection, manualOnly as never, {});
    expect(r.status).toBe("warn");
    expect(r.details).toMatchObject({ gated: { definition: ["src/tools/orders.ts:11 (tool)"] } });
    expect((r.details as any).notGated.map((n: any) => n.where)).toEqual([
      "src/tools/orders.ts:19 (tool)",
    ]);
  });
});

describe("doctor: asTool in a file that imports both OpenAI Agents and LangChain", () => {
  it("the Agent's asTool is OpenAI Agents', the runnable's is a LangChain RunnableToolLike (not the codemod's OpenAI Agents guess)", () => {
    const dir = project("langchain-astool", (d) => {
      writeFileSync(
        path.join(d, "src/agent.js"),
        [
          'import { Agent } from "@openai/agents";',
          'import { RunnableLambda } from "@langchain/core/runnables";',
          'const researcher = new Agent({ name: "researcher", instructions: "Research." });',
          "const lambda = RunnableLambda.from(async ({ text }) => text);",
          'export const research = researcher.asTool({ toolName: "research", toolDescription: "Research a topic" });',
          'export const echo = lambda.asTool({ name: "echo", description: "Echo", schema: {} });',
          "",
        ].join("\n"),
      );
    });
    const r = checkGoverned(detectProject(dir), gateSources, {});
    const open = (r.details as any).notGated.map((n: any) => [n.where, n.kind, n.framework]);
    expect(open).toEqual([
      ["src/agent.js:5 (research)", "definition", "openai-agents"],
      [
        "src/agent.js:6 (echo: LangChain lambda.asTool() (a RunnableToolLike))",
        "as-tool",
        "langchain",
      ],
    ]);
  });
});

describe.concurrent("doctor: intent-map checks the governor.config.json the app reads", () => {
  const MAP = (...names: string[]) =>
    JSON.stringify({
      tools: Object.fromEntries(
        names.map((n) => [n, { action: "read", resource: { type: "file" } }]),
      ),
    });
  /** A workspace whose app (packages/agent, started by its own script) has its own governor.config.json. */
  function workspace(files: Record<string, string>): string {
    const dir = mkdtempSync(path.join(tmpdir(), "governor-coverage-config-site-"));
    made.push(dir);
    const all: Record<string, string> = {
      "package.json": JSON.stringify({ name: "mono", private: true, workspaces: ["packages/*"] }),
      "packages/agent/package.json": JSON.stringify({
        name: "agent",
        type: "module",
        scripts: { start: "node src/index.js" },
      }),
      "packages/agent/src/index.js": 'console.log("agent");\n',
      "packages/agent/governor.config.json": MAP("read_file", "list_files"),
      ...files,
    };
    for (const [file, text] of Object.entries(all)) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), text);
    }
    return dir;
  }

  it("run from the workspace root: the app's package file, found from its entrypoint (the working directory has none)", async () => {
    const dir = workspace({});
    const { map } = await doctor(dir);
    expect(map.status).toBe("pass");
    expect(map.message).toBe(
      `${path.join(dir, "packages/agent/governor.config.json")}: 2 tool entries`,
    );
  });

  it("a deny list: its patterns are shown, so a reader sees which tools are refused locally", async () => {
    const dir = workspace({
      "packages/agent/governor.config.json": JSON.stringify({ deny: ["admin_*", "delete_*"] }),
    });
    const { map } = await doctor(dir);
    expect(map.status).toBe("pass");
    expect(map.message).toBe(
      `${path.join(dir, "packages/agent/governor.config.json")}: 0 tool entries and a deny list ("admin_*", "delete_*": refused locally)`,
    );
    expect(map.details.deny).toEqual(["admin_*", "delete_*"]);
  });

  it("a governor.config.json in the working directory too: the app's wins, and doctor warns that the other is not read", async () => {
    const dir = workspace({ "governor.config.json": MAP("delete_file") });
    const { map } = await doctor(dir);
    expect(map.status).toBe("warn");
    expect(map.message).toBe(
      `${path.join(dir, "packages/agent/governor.config.json")}: 2 tool entries; the working directory's ${path.join(dir, "governor.config.json")} is NOT read (the app reads its own package's)`,
    );
    expect(map.details.file).toBe(path.join(dir, "packages/agent/governor.config.json"));
  });

  it("a relative GOVERNOR_CONFIG resolves from the app's package first, as the runtime resolves it; a missing one says where it looked", async () => {
    const dir = workspace({ "packages/agent/config/policy-map.json": MAP("send_email") });
    const found = await doctor(dir, [], { GOVERNOR_CONFIG: "config/policy-map.json" });
    expect(found.map).toMatchObject({
      status: "pass",
      message: `${path.join(dir, "packages/agent/config/policy-map.json")}: 1 tool entry`,
    });
    const missing = await doctor(dir, [], { GOVERNOR_CONFIG: "nope.json" });
    expect(missing.map.status).toBe("fail");
    expect(missing.map.message).toContain(
      `looked at ${path.join(dir, "packages/agent/nope.json")} and ${path.join(dir, "nope.json")}`,
    );
  });
});
