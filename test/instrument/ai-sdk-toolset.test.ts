// governTools() on AI SDK ToolSets, in process, with the real `ai` package and a real enforce server:
// what a user relies on when handing a set to generateText (copies, keys, tools without execute,
// governing twice, generators, what is sent as data).
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { dynamicTool, generateText, jsonSchema, stepCountIs, tool, type ToolSet } from "ai";
import { MockLanguageModelV3 } from "ai/test";
import { z } from "zod";
import { gate, governTools } from "../../src/runtime/index.js";
import { isToolSet } from "../../src/runtime/adapters/ai-sdk.js";
import { allow, deny, startEnforce, type EnforceServer } from "../support/enforce-server.js";
import { closeAll, makeGovernor } from "../runtime/helpers.js";

let server: EnforceServer;
beforeAll(async () => {
  server = await startEnforce((req) => (req.body?.action === "send" ? deny("d-1") : allow("a-1")));
});
afterAll(() => server.close());
afterEach(() => closeAll());

const usage = {
  inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 1, text: 1, reasoning: 0 },
};
/** A model that calls `calls` (tool name and input) in step 1, then says "done". */
function model(calls: [string, unknown][]) {
  let n = 0;
  return new MockLanguageModelV3({
    doGenerate: async () =>
      n++ === 0
        ? {
            content: calls.map(([toolName, input], i) => ({
              type: "tool-call" as const,
              toolCallId: `c${i}`,
              toolName,
              input: JSON.stringify(input),
            })),
            finishReason: { unified: "tool-calls" as const, raw: "x" },
            usage,
            warnings: [],
          }
        : {
            content: [{ type: "text" as const, text: "done" }],
            finishReason: { unified: "stop" as const, raw: "x" },
            usage,
            warnings: [],
          },
  });
}

function setup() {
  const t = makeGovernor({ enforceUrl: server.url });
  const ran: string[] = [];
  const mail = tool({
    inputSchema: z.object({ to: z.string() }),
    execute: async ({ to }) => (ran.push(`mail:${to}`), "sent"),
  });
  return { ...t, ran, mail, govern: <T>(x: T) => governTools(x, { governor: t.governor }) };
}

describe("governTools on an AI SDK ToolSet", () => {
  it("returns a new set of copies; the user's tool objects are untouched", async () => {
    const { govern, mail } = setup();
    const execute = mail.execute;
    const tools = { send_email: mail };
    const governed = govern(tools);
    expect(governed).not.toBe(tools);
    expect(governed.send_email).not.toBe(mail);
    expect(mail.execute).toBe(execute);
    expect(tools.send_email).toBe(mail);
    expect(governed.send_email.inputSchema).toBe(mail.inputSchema);
  });

  it("one tool under two keys is gated under each key (the name the model uses)", async () => {
    const { govern, mail, ran, auditLines } = setup();
    const tools = govern({ send_email: mail, save_draft: mail });
    const r = await generateText({
      model: model([
        ["send_email", { to: "a" }],
        ["save_draft", { to: "b" }],
      ]),
      prompt: "go",
      stopWhen: stepCountIs(2),
      tools,
    });
    expect(
      r.steps[0].content
        .filter((p) => p.type === "tool-error")
        .map((p) => String((p as { error: unknown }).error)),
    ).toEqual([expect.stringContaining('"send_email" was blocked by policy')]);
    expect(ran).toEqual(["mail:b"]);
    expect(r.steps[0].content.map((p) => `${p.type}:${"toolName" in p ? p.toolName : ""}`)).toEqual(
      [
        "tool-call:send_email",
        "tool-call:save_draft",
        "tool-error:send_email",
        "tool-result:save_draft",
      ],
    );
    expect((await auditLines()).map((a) => [a.tool, a.outcome, a.gatedBy])).toEqual([
      ["send_email", "blocked", "registration"],
      ["save_draft", "executed", "registration"],
    ]);
  });

  it("tools without execute (client-side, provider-executed) are kept as they are; an empty set is a set", () => {
    const { govern, mail } = setup();
    const client = tool({ inputSchema: z.object({ q: z.string() }) });
    const provider = {
      type: "provider" as const,
      id: "acme.web_search" as const,
      args: {},
      inputSchema: jsonSchema({ type: "object" }),
    };
    const governed = govern({
      ask_user: client,
      web_search: provider,
      send_email: mail,
    } as ToolSet);
    expect(governed.ask_user).toBe(client);
    expect(governed.web_search).toBe(provider);
    expect(governed.send_email).not.toBe(mail);
    const empty = {};
    expect(govern(empty)).toBe(empty);
    expect(isToolSet({})).toBe(true);
    expect(isToolSet({ x: { foo: 1 } })).toBe(false);
    expect(() => govern({ x: { foo: 1 } })).toThrow(/cannot gate|expected an AI SDK/);
  });

  it("governing a governed set is a no-op; a tool gated at its definition under its key is left alone", async () => {
    const { govern, governor, mail, ran, auditLines } = setup();
    const once = govern({ send_email: mail });
    expect(govern(once)).toBe(once);
    const defined = tool({
      inputSchema: z.object({ to: z.string() }),
      execute: governor.gate("send_email", async () => (ran.push("defined"), "sent")),
    });
    const set = { send_email: defined };
    expect(govern(set)).toBe(set);
    // Gated at the definition under another name: the key (what the model calls) is checked too.
    const renamed = tool({ inputSchema: z.object({}), execute: gate("mailer", async () => "x") });
    expect(govern({ send_email: renamed }).send_email).not.toBe(renamed);
    await generateText({
      model: model([["send_email", { to: "a" }]]),
      prompt: "go",
      stopWhen: stepCountIs(2),
      tools: govern(once),
    });
    expect(ran).toEqual([]);
    expect((await auditLines()).map((a) => [a.tool, a.gatedBy])).toEqual([
      ["send_email", "registration"],
    ]);
  });

  it("dynamicTool (what MCP clients return) and async-generator executes are gated; generators stay generators", async () => {
    const { govern, ran } = setup();
    const report = dynamicTool({
      inputSchema: z.object({}),
      execute: async () => (ran.push("report"), "ok"),
    });
    const progress = tool({
      inputSchema: z.object({}),
      execute: async function* () {
        ran.push("progress");
        yield "half";
        yield "all";
      },
    });
    const tools = govern({ get_report: report, send_progress: progress });
    expect(tools.get_report.type).toBe("dynamic");
    expect(Object.prototype.toString.call(tools.send_progress.execute)).toBe(
      "[object AsyncGeneratorFunction]",
    );
    const r = await generateText({
      model: model([
        ["get_report", {}],
        ["send_progress", {}],
      ]),
      prompt: "go",
      stopWhen: stepCountIs(2),
      tools,
    });
    expect(ran).toEqual(["report"]);
    expect(
      r.steps[0].content
        .filter((p) => p.type === "tool-error")
        .map((p) => (p as { toolName: string }).toolName),
    ).toEqual(["send_progress"]);
  });

  it("sends the tool's input as data, never the SDK's execute options (messages, toolCallId)", async () => {
    const { govern, mail } = setup();
    const before = server.requests.length;
    await generateText({
      model: model([["get_weather", { to: "Oslo" }]]),
      prompt: "secret prompt text",
      stopWhen: stepCountIs(2),
      tools: govern({ get_weather: mail }),
    });
    const sent = server.requests.slice(before).map((r) => r.raw);
    expect(sent).toHaveLength(1);
    expect(sent[0]).not.toMatch(/secret prompt text|toolCallId|c0/);
  });
});
