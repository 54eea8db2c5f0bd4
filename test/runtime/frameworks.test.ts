// gate() inside a real framework with an offline fake model: AI SDK generateText + tool().
import { afterEach, describe, expect, it } from "vitest";
import { generateText, stepCountIs, tool } from "ai";
import { MockLanguageModelV3 } from "ai/test";
import { z } from "zod";
import { allow, deny, startEnforce, type EnforceServer } from "../support/enforce-server.js";
import { closeAll, makeGovernor } from "./helpers.js";

let server: EnforceServer | undefined;
afterEach(async () => {
  await closeAll();
  await server?.close();
  server = undefined;
});

const usage = {
  inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 1, text: 1, reasoning: 0 },
};

describe("AI SDK", () => {
  it("runs allowed tools, and the model receives the refusal for denied ones", async () => {
    server = await startEnforce((req) =>
      req.body.action === "send" ? deny("d-1", { reason: "no external email" }) : allow(),
    );
    const t = makeGovernor({ enforceUrl: server.url });
    const ran: string[] = [];
    const prompts: unknown[] = [];
    let step = 0;
    const model = new MockLanguageModelV3({
      doGenerate: async (options) => {
        prompts.push(options.prompt);
        if (step++ === 0) {
          return {
            content: [
              {
                type: "tool-call",
                toolCallId: "c1",
                toolName: "getOrder",
                input: JSON.stringify({ id: 7 }),
              },
              {
                type: "tool-call",
                toolCallId: "c2",
                toolName: "sendEmail",
                input: JSON.stringify({ to: "a@example.com" }),
              },
              {
                type: "tool-call",
                toolCallId: "c3",
                toolName: "searchDocs",
                input: JSON.stringify({ q: "refunds" }),
              },
            ],
            finishReason: { unified: "tool-calls", raw: undefined },
            usage,
            warnings: [],
          };
        }
        return {
          content: [{ type: "text", text: "done" }],
          finishReason: { unified: "stop", raw: undefined },
          usage,
          warnings: [],
        };
      },
    });
    const result = await generateText({
      model,
      prompt: "help",
      stopWhen: stepCountIs(3),
      tools: {
        getOrder: tool({
          inputSchema: z.object({ id: z.number() }),
          execute: t.governor.gate("get_order", async ({ id }, { toolCallId }) => {
            ran.push(`get_order ${id} ${toolCallId}`);
            return { id, status: "shipped" };
          }),
        }),
        sendEmail: tool({
          inputSchema: z.object({ to: z.string() }),
          execute: t.governor.gate("send_email", async ({ to }) => {
            ran.push(`send_email ${to}`);
            return "sent";
          }),
        }),
        searchDocs: tool({
          inputSchema: z.object({ q: z.string() }),
          execute: t.governor.gate("search_docs", async function* ({ q }) {
            ran.push(`search_docs ${q}`);
            yield { status: "searching" };
            yield { status: "found", q };
          }),
        }),
      },
    });
    expect(result.text).toBe("done");
    expect(ran).toEqual(["get_order 7 c1", "search_docs refunds"]);
    const secondPrompt = JSON.stringify(prompts[1]);
    expect(secondPrompt).toContain("shipped");
    expect(secondPrompt).toContain("blocked by policy");
    expect(secondPrompt).toContain("no external email");
    // The AI SDK options argument (messages, abortSignal) is not scanned: only the tool input is.
    expect(
      server.requests.find((r) => r.body.action === "read" && r.body.resource.type === "order")
        ?.body.data,
    ).toEqual({ pii: false, volume: "single" });
    const lines = await t.auditLines();
    expect(lines.map((l) => [l.tool, l.outcome]).sort()).toEqual([
      ["get_order", "executed"],
      ["search_docs", "executed"],
      ["send_email", "blocked"],
    ]);
  });
});

describe("LangChain", () => {
  it("a gated tool() runs on ALLOW; the config LangChain passes after the input is not scanned", async () => {
    const { tool: lcTool } = await import("@langchain/core/tools");
    server = await startEnforce(() => allow());
    const t = makeGovernor({ enforceUrl: server.url });
    const ran: number[] = [];
    const getUser = lcTool(
      t.governor.gate("get_user", async (input: { id: number }) => {
        ran.push(input.id);
        return `user ${input.id}`;
      }),
      { name: "get_user", description: "look up a user", schema: z.object({ id: z.number() }) },
    );
    // With callbacks the config holds a CallbackManager, which no model can produce: it is context.
    // (A config of plain values only is data and is scanned: see pii-hiding.test.ts.)
    expect(
      await getUser.invoke(
        { id: 7 },
        { callbacks: [{ handleToolStart() {} }], metadata: { requester: "jane@example.com" } },
      ),
    ).toBe("user 7");
    expect(ran).toEqual([7]);
    expect(server.requests[0].body).toMatchObject({
      action: "read",
      resource: { type: "user" },
      data: { pii: false, volume: "single" },
    });
  });
});
