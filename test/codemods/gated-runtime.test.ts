// The rewritten code runs: fixture inputs are gated by the codemod, written out, imported, and
// called through the real frameworks with the real runtime against a local enforce server that
// denies some tools. ALLOW runs the body (with `this` intact), DENY blocks it the way each
// framework surfaces tool errors, and raw loops still answer every tool_call_id.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gateSources } from "../../src/codemods/index.js";
import { loadCase, moduleKindFor } from "./fixtures.js";
import { startEnforce, type EnforceServer } from "../support/enforce-server.js";

const RUNTIME = path.resolve(import.meta.dirname, "../../src/runtime/index.ts");
// Under the repo (so its packages resolve) in the git-ignored /tmp/ folder.
const OUT = path.resolve(import.meta.dirname, `../../tmp/codemods-run-${process.pid}`);
const DENIED = new Set(["refund_payment", "run_sql", "send_email", "echo", "archive_ticket"]);
const asked: string[] = [];
/** What enforce was told per tool: the gate must see the tool's arguments (PII, volume). */
const intents = new Map<string, { data?: { pii?: boolean; volume?: string } }>();
let server: EnforceServer;

function materialize(name: string): string {
  const c = loadCase(name);
  const r = gateSources(c.inputs, { moduleKind: moduleKindFor(c.meta.type) });
  const after = new Map(r.files.map((f) => [f.path, f.after]));
  for (const i of c.inputs) {
    const file = path.join(OUT, name, i.path);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(
      file,
      (after.get(i.path) ?? i.text).replace(/"governor\/runtime"/g, JSON.stringify(RUNTIME)),
    );
  }
  return path.join(OUT, name);
}

beforeAll(async () => {
  server = await startEnforce(({ body: intent }) => {
    const name = intent.resource?.name as string;
    asked.push(name);
    intents.set(name, intent);
    return {
      body: {
        decision: DENIED.has(name) ? "DENY" : "ALLOW",
        metadata: { request_id: `r-${asked.length}`, reason: "blocked in test" },
      },
      contentLength: true,
    };
  });
  process.env.GOVERNOR_ENFORCE_URL = server.url;
  process.env.GOVERNOR_API_KEY = "test-key";
  process.env.GOVERNOR_CACHE_TTL_MS = "0";
});

afterAll(async () => {
  const { close } = await import(RUNTIME);
  await close?.();
  await server.close();
  rmSync(OUT, { recursive: true, force: true });
});

describe("gated code at run time", () => {
  it("LangChain: tool(), Dynamic*Tool and classes (this, base-class fields) run on ALLOW; on DENY the refusal is the tool's output", async () => {
    const dir = materialize("langchain-ts");
    const tools = await import(path.join(dir, "src/tools.ts"));
    const classes = await import(path.join(dir, "src/classes.ts"));
    expect(await new classes.SearchDocs().invoke({ query: "q" })).toBe(
      "results for q from search_docs",
    );
    expect(await new classes.Calculator().invoke("1+2")).toBe("3");
    // onDeny "return": not thrown, so LangChain does not wrap it in "Please fix your mistakes.".
    expect(await new classes.RunSql().invoke({ query: "drop" })).toMatch(
      /^The tool call "run_sql" was blocked by policy/,
    );
    expect(await tools.refund.invoke({ id: "o1" })).toMatch(
      /^The tool call "refund_payment" was blocked by policy/,
    );
    expect(await tools.actionTools[0].invoke({ id: "7" })).toBe("archive 7");
    expect(asked).toEqual(
      expect.arrayContaining(["search_docs", "calculator", "run_sql", "refund_payment", "archive"]),
    );
  });

  it("raw loop: a denied call still yields a tool message with the same tool_call_id", async () => {
    const dir = materialize("raw-openai-ts");
    const loop = await import(path.join(dir, "src/loop.ts"));
    const out = await loop.runParallel([
      { id: "c1", name: "get_weather", args: { city: "Oslo" } },
      { id: "c2", name: "send_email", args: { to: "a@b.c" } },
    ]);
    expect(out.map((m: { tool_call_id: string }) => m.tool_call_id)).toEqual(["c1", "c2"]);
    expect(JSON.parse(out[0].content)).toEqual({ city: "Oslo", t: 21 });
    expect(out[1].content).toMatch(/polic|block|denied/i);
    expect(out[1].content).not.toContain("sent to");
  });

  it("MCP low-level server: allowed tool answers, denied tool comes back as isError", async () => {
    const dir = materialize("mcp-ts");
    const { server: mcp } = await import(path.join(dir, "src/low-level.ts"));
    const { Client } = await import("@modelcontextprotocol/sdk/client/index.js");
    const { InMemoryTransport } = await import("@modelcontextprotocol/sdk/inMemory.js");
    const [a, b] = InMemoryTransport.createLinkedPair();
    await mcp.connect(b);
    const client = new Client({ name: "t", version: "1" });
    await client.connect(a);
    const ok = await client.callTool({ name: "get_time", arguments: {} });
    expect(ok.isError).toBeFalsy();
    expect((ok.content as { text: string }[])[0].text).toBe(new Date(0).toISOString());
    const denied = await client.callTool({ name: "echo", arguments: { text: "secret" } });
    expect(denied.isError).toBe(true);
    expect(JSON.stringify(denied.content)).not.toContain("secret");
    await client.close();
    // A handler defined elsewhere, and one with a declared result type: both still answer through the gate.
    const ref = await import(path.join(dir, "src/low-level-ref.ts"));
    for (const [srv, tool, text] of [
      [ref.refServer, "lookup", "called lookup"],
      [ref.typedServer, "stamp", "stamped"],
    ] as const) {
      const [c1, c2] = InMemoryTransport.createLinkedPair();
      await srv.connect(c2);
      const cl = new Client({ name: "t", version: "1" });
      await cl.connect(c1);
      const res = await cl.callTool({ name: tool, arguments: {} });
      expect((res.content as { text: string }[])[0].text).toBe(text);
      await cl.close();
    }
    expect(asked).toEqual(expect.arrayContaining(["lookup", "stamp"]));
  });

  it("MCP McpServer: a denied registerTool callback becomes an isError result the model can read", async () => {
    const dir = materialize("mcp-ts");
    const { registerMore } = await import(path.join(dir, "src/more-tools.js"));
    const { McpServer } = await import("@modelcontextprotocol/sdk/server/mcp.js");
    const { Client } = await import("@modelcontextprotocol/sdk/client/index.js");
    const { InMemoryTransport } = await import("@modelcontextprotocol/sdk/inMemory.js");
    const mcp = new McpServer({ name: "t", version: "1" });
    registerMore(mcp);
    const [a, b] = InMemoryTransport.createLinkedPair();
    await mcp.connect(b);
    const client = new Client({ name: "t", version: "1" });
    await client.connect(a);
    const denied = await client.callTool({ name: "archive_ticket", arguments: { id: "T-1" } });
    expect(denied.isError).toBe(true);
    expect(JSON.stringify(denied.content)).toMatch(/blocked by policy/);
    expect(JSON.stringify(denied.content)).not.toContain("archived");
    await client.close();
  });

  it("AI SDK: generateText with an offline model runs allowed tools and reports a denied one as a tool error", async () => {
    const dir = materialize("ai-sdk-esm-ts");
    const { run } = await import(path.join(dir, "src/agent.ts"));
    const { MockLanguageModelV3 } = await import("ai/test");
    const usage = {
      inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 },
      outputTokens: { total: 1, text: 1, reasoning: 0 },
    };
    let n = 0;
    const model = new MockLanguageModelV3({
      doGenerate: async () =>
        n++ === 0
          ? {
              content: [
                {
                  type: "tool-call",
                  toolCallId: "c1",
                  toolName: "send_email",
                  input: JSON.stringify({ to: "a@b.c", body: "hi" }),
                },
                {
                  type: "tool-call",
                  toolCallId: "c2",
                  toolName: "lookup",
                  input: JSON.stringify({ key: "k" }),
                },
              ],
              finishReason: { unified: "tool-calls", raw: "tool_calls" },
              usage,
              warnings: [],
            }
          : {
              content: [{ type: "text", text: "done" }],
              finishReason: { unified: "stop", raw: "stop" },
              usage,
              warnings: [],
            },
    });
    const result = await run(model, new Map([["k", "v"]]), false);
    const parts = result.steps[0].content.map(
      (p: { type: string; toolCallId?: string }) => `${p.type}:${p.toolCallId ?? ""}`,
    );
    expect(parts).toEqual(expect.arrayContaining(["tool-error:c1", "tool-result:c2"]));
    const ok = result.steps[0].content.find((p: { type: string }) => p.type === "tool-result");
    expect(ok.output).toBe("v");
    expect(result.text).toBe("done");
  });

  it("OpenAI Agents: the explicit name matches the derived one, allowed tools run, denied ones return the SDK's error text", async () => {
    const dir = materialize("openai-agents-ts");
    const agents = await import(path.join(dir, "src/agent.ts"));
    const { RunContext } = await import("@openai/agents");
    expect(agents.lookupOrder.name).toBe("lookup_order");
    expect(await agents.lookupOrder.invoke(new RunContext(), JSON.stringify({ id: "7" }))).toBe(
      "order 7",
    );
    const denied = await agents.sendEmail.invoke(new RunContext(), JSON.stringify({ to: "a@b.c" }));
    expect(String(denied)).toMatch(/blocked by policy/);
    expect(String(denied)).not.toContain("sent to");
  });

  it("re-indented shapes: lexical `this` in constructor-built tools, arguments reach the gate, CRLF and tabs files run", async () => {
    const dir = materialize("layout-ts");
    const { Mailer } = await import(path.join(dir, "src/this-tools.ts"));
    const { RunContext } = await import("@openai/agents");
    const m = new Mailer("[desk]");
    expect(await m.send.invoke({ to: "ann@example.com" })).toBe(
      "[desk] support@example.com -> ann@example.com",
    );
    expect(intents.get("send_mail")?.data?.pii).toBe(true); // the email argument was seen by the gate
    expect(
      await m.forward.invoke(new RunContext(), JSON.stringify({ to: "bob@example.com" })),
    ).toBe("[desk] forwarded to bob@example.com");
    expect(intents.get("forward_mail")?.data?.pii).toBe(true);
    const { archive } = await import(path.join(dir, "src/crlf.ts"));
    expect(await archive.invoke({ ids: ["a", "b", "c"] })).toBe("archived a and 2 more");
    expect(intents.get("archive")?.data?.volume).toBe("bulk"); // the array argument was seen
    const { notify, Lookup } = await import(path.join(dir, "src/tabs.ts"));
    expect(await notify.invoke({ to: "x", subject: "s" })).toBe(
      "sent to x: Hello,\n  this line belongs to a template and must not move.\ns (?)",
    );
    expect(await new Lookup().invoke({ key: "k" })).toBe("lookup:k");
    const { legacy, createTicket } = await import(path.join(dir, "src/four.ts"));
    expect(await legacy.invoke(new RunContext(), JSON.stringify({ text: "hi" }))).toMatch(
      /^hi \(\d\)$/,
    );
    expect(
      await createTicket.invoke(new RunContext(), JSON.stringify({ title: "t", tags: ["x"] })),
    ).toMatchObject({ id: 1, title: "t", labels: ["x"] });
    const { trim } = await import(path.join(dir, "src/comment.js"));
    expect(await trim.invoke("  t  ")).toBe("t");
    expect(asked).toEqual(
      expect.arrayContaining([
        "send_mail",
        "forward_mail",
        "archive",
        "notify",
        "lookup",
        "legacy_echo",
        "create_ticket",
        "trim",
      ]),
    );
  });
});
