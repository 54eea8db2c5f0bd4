// Finding 6: the model must not be able to hide personal data from `data.pii`. Each call goes
// through the real runtime to a real enforce server on loopback whose policy denies pii; a hidden
// variant must be DENIED and the tool must not run. Real framework context (values no model can
// produce: functions, an AbortSignal, class instances) is still left out of the scan.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as agents from "@openai/agents";
import { tool as lcTool } from "@langchain/core/tools";
import { generateText, stepCountIs, tool as aiTool } from "ai";
import { MockLanguageModelV3 } from "ai/test";
import { z } from "zod";
import { GovernorDeniedError } from "../../src/runtime/index.js";
import { allow, deny, startEnforce, type EnforceServer } from "../support/enforce-server.js";
import { closeAll, makeGovernor, rejection, type TestGovernor } from "./helpers.js";

agents.setTracingDisabled(true);

let server: EnforceServer;
let t: TestGovernor;
let ran: unknown[][];
beforeEach(async () => {
  // The policy: deny anything flagged as personal data.
  server = await startEnforce((req) =>
    req.body?.data?.pii === true
      ? deny("pii-1", { reason: "pii is not allowed", deny_code: "dlp_pii" })
      : allow(),
  );
  t = makeGovernor({ enforceUrl: server.url });
  ran = [];
});
afterEach(async () => {
  await closeAll();
  await server.close();
});

/** A gated tool with several parameters, as a dispatcher spreading the model's arguments calls it. */
const saveNote = () =>
  t.governor.gate("save_note", async (...args: unknown[]) => (ran.push(args), "saved"));

async function expectDenied(args: unknown[]): Promise<void> {
  const err = await rejection(saveNote()(...args));
  expect(err).toBeInstanceOf(GovernorDeniedError);
  expect(err.code).toBe("dlp_pii");
  expect(ran).toEqual([]);
  expect(server.requests.at(-1)!.body.data.pii).toBe(true);
}

/** An offline AI SDK model: calls getOrder({ id: 7 }) once, then answers "done". */
function orderModel(): MockLanguageModelV3 {
  const usage = {
    inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 },
    outputTokens: { total: 1, text: 1, reasoning: 0 },
  };
  let step = 0;
  return new MockLanguageModelV3({
    doGenerate: async () =>
      step++ === 0
        ? {
            content: [
              {
                type: "tool-call",
                toolCallId: "c1",
                toolName: "getOrder",
                input: JSON.stringify({ id: 7 }),
              },
            ],
            finishReason: { unified: "tool-calls", raw: undefined },
            usage,
            warnings: [],
          }
        : {
            content: [{ type: "text", text: "done" }],
            finishReason: { unified: "stop", raw: undefined },
            usage,
            warnings: [],
          },
  });
}

const SSN = "SSN 123-45-6789";
const EMAIL = "write to jane@example.com";

describe("a later argument that is plain JSON is scanned whatever its keys", () => {
  it.each([
    ["callbacks", { callbacks: null, note: SSN }],
    ["configurable", { configurable: {}, note: SSN }],
    ["toolCall", { toolCall: { id: "c1", name: "save_note" }, note: EMAIL }],
    ["toolCallId", { toolCallId: "c1", note: SSN }],
    ["recursionLimit", { recursionLimit: 25, note: EMAIL }],
    ["runId + handlers", { runId: "r1", handlers: [], note: SSN }],
    ["usage + context", { usage: {}, context: {}, note: EMAIL }],
    [
      "look-alike signal keys",
      { abortSignal: null, signal: {}, sendNotification: "yes", note: SSN },
    ],
    ["messages", { toolCallId: "c1", messages: [{ role: "user", content: EMAIL }] }],
  ])("%s", async (_name, extra) => {
    await expectDenied([{ id: 1 }, extra]);
  });

  it("parsed JSON whose __proto__ key became its prototype (Object.assign) is still data", async () => {
    // Object.assign runs the __proto__ setter: the copy's prototype is the model's object, not a class's.
    await expectDenied([
      { id: 1 },
      Object.assign({}, JSON.parse('{"__proto__": {"x": 1}, "note": "SSN 123-45-6789"}')),
    ]);
    await expectDenied([
      { id: 1 },
      Object.assign({}, JSON.parse('{"__proto__": {"note": "SSN 123-45-6789"}}')),
    ]);
    await expectDenied([
      Object.assign({}, JSON.parse('{"__proto__": {"note": "SSN 123-45-6789"}}')),
    ]);
  });

  it("a plain argument after real framework context is still scanned", async () => {
    await expectDenied([{ id: 1 }, new AbortController().signal, { note: SSN }]);
    await expectDenied([
      { id: 1 },
      { abortSignal: new AbortController().signal },
      "call me at +1 415 555 0134",
    ]);
  });
});

describe("values the scan used to miss", () => {
  it.each([
    ["an object key", { "jane@example.com": true }],
    ["a nested key", { people: { "SSN 123-45-6789": 1 } }],
    ["a card number as a number", { card: 4111111111111111 }],
    ["a card number as a bigint", { card: 4111111111111111n }],
    ["an SSN as a number under an ssn field", { ssn: 123456789 }],
    ["a Map value", new Map([["to", "jane@example.com"]])],
    ["a Map key", new Map([["jane@example.com", 1]])],
    ["a Set", new Set(["a", SSN])],
    ["a Buffer", Buffer.from(SSN)],
    ["a Uint8Array", new TextEncoder().encode(EMAIL)],
    ["an ArrayBuffer", new TextEncoder().encode(EMAIL).buffer],
    ["a boxed string", new String(EMAIL)],
    ["a fullwidth @", { to: "jane＠example.com" }],
    ["fullwidth digits", { id: "１２３-４５-６７８９" }],
    ["a zero-width space inside", { note: "write to jane@exam\u200bple.com today" }],
    ["a soft hyphen inside", { card: "4111\u00ad1111\u00ad1111\u00ad1111" }],
    ["unicode hyphens", { id: "123\u201045\u20116789" }],
    ["other scripts' digits", { id: "\u0661\u0662\u0663-\u0664\u0665-\u0666\u0667\u0668\u0669" }],
    ["combining marks", { id: "1\u03322\u03323-45-6789" }],
  ])("%s", async (_name, value) => {
    await expectDenied([value]);
    await expectDenied([{ id: 1 }, value]);
  });
});

describe("a huge or odd argument cannot hang the gate or slip through", () => {
  it("a cyclic argument with pii is denied, a clean one allowed", async () => {
    const a: Record<string, unknown> = { note: SSN };
    a.self = a;
    await expectDenied([a]);
    const b: Record<string, unknown> = { note: "fine" };
    b.self = b;
    expect(await saveNote()(b)).toBe("saved");
  });

  it("more values than the scan may visit count as pii (fail closed)", async () => {
    await expectDenied([{ holes: new Array(5_000_000) }]);
    await expectDenied([new Map(Array.from({ length: 2_000_000 }, (_, i) => [i, i]))]);
    await expectDenied([{ big: Buffer.alloc(2_000_000, 0x61) }]);
  });

  it("ordinary numbers, ids and timestamps are not pii", async () => {
    expect(
      await saveNote()(
        {
          id: 123456789,
          amount: 1999,
          at: 1718000000000,
          seconds: 1718000000,
          ratio: 0.4794255386,
        },
        { count: 3 },
      ),
    ).toBe("saved");
    expect(
      await saveNote()(Buffer.from("just some bytes"), new Map([["k", "v"]]), new Set([1, 2])),
    ).toBe("saved");
    expect(server.requests.map((r) => r.body.data.pii)).toEqual([false, false]);
  });
});

describe("real framework context is still not scanned", () => {
  it("LangChain: the config with callbacks (a CallbackManager) after the input", async () => {
    const getUser = lcTool(
      t.governor.gate(
        "get_user",
        async (input: { id: number }) => (ran.push([input]), `user ${input.id}`),
      ),
      { name: "get_user", description: "look up a user", schema: z.object({ id: z.number() }) },
    );
    const config = {
      callbacks: [{ handleToolStart() {} }],
      metadata: { requester: "jane@example.com" },
      configurable: { thread: "SSN 123-45-6789" },
    };
    expect(await getUser.invoke({ id: 7 }, config)).toBe("user 7");
    expect(ran).toEqual([[{ id: 7 }]]);
    expect(server.requests[0].body.data.pii).toBe(false);
  });

  it("LangChain: a config whose callbacks are plain handler objects with functions", async () => {
    const fn = t.governor.gate(
      "get_user",
      async (input: { id: number }, _config: unknown) => (ran.push([input]), "ok"),
    );
    expect(
      await fn(
        { id: 7 },
        { callbacks: [{ handleToolStart() {} }], metadata: { requester: "jane@example.com" } },
      ),
    ).toBe("ok");
    expect(server.requests[0].body.data.pii).toBe(false);
  });

  it("OpenAI Agents: the RunContext instance after the input", async () => {
    const lookup = agents.tool({
      name: "lookup_order",
      description: "Lookup",
      parameters: z.object({ id: z.string() }),
      execute: t.governor.gate(
        "lookup_order",
        async ({ id }: { id: string }, _ctx?: unknown) => (ran.push([id]), "shipped"),
        { onDeny: "return" },
      ),
    });
    const ctx = new agents.RunContext({ user: "jane@example.com", ssn: "123-45-6789" });
    expect(await lookup.invoke(ctx, '{"id":"A1"}')).toBe("shipped");
    expect(ran).toEqual([["A1"]]);
    expect(server.requests[0].body.data.pii).toBe(false);
  });

  it("AI SDK: the options argument with an abortSignal (the conversation holds an email)", async () => {
    const model = orderModel();
    const result = await generateText({
      model,
      prompt: "my email is jane@example.com, where is order 7?",
      abortSignal: new AbortController().signal,
      stopWhen: stepCountIs(2),
      tools: {
        getOrder: aiTool({
          inputSchema: z.object({ id: z.number() }),
          execute: t.governor.gate(
            "get_order",
            async ({ id }, _options) => (ran.push([id]), { id, status: "shipped" }),
          ),
        }),
      },
    });
    expect(result.text).toBe("done");
    expect(ran).toEqual([[7]]);
    expect(server.requests[0].body.data.pii).toBe(false);
  });

  it('AI SDK without an abortSignal: the gate init writes ({ input: "first" }) scans the input, not the conversation', async () => {
    const { gateSources } = await import("../../src/codemods/index.js");
    const src =
      'import { tool } from "ai";\nexport const getOrder = tool({ inputSchema: schema, execute: async ({ id }) => run(id) });\n';
    const out = gateSources([{ path: "tools.ts", text: src }], { moduleKind: () => "esm" } as never)
      .files[0]!.after;
    const opts = out.match(
      /execute: gate\("getOrder", async \(\{ id \}\) => run\(id\), (\{[^}]*\})\)/,
    )?.[1];
    expect(opts, out).toBe('{ input: "first" }');
    const model = orderModel();
    const execute = t.governor.gate(
      "getOrder",
      async ({ id }: { id: number }) => (ran.push([id]), { id, status: "shipped" }),
      { input: "first" },
    );
    const result = await generateText({
      model,
      prompt: "my email is jane@example.com, where is order 7?",
      stopWhen: stepCountIs(2),
      tools: { getOrder: aiTool({ inputSchema: z.object({ id: z.number() }), execute }) },
    });
    expect(result.text).toBe("done");
    expect(ran).toEqual([[7]]);
    expect(server.requests[0].body.data.pii).toBe(false);
    // The input itself is still scanned.
    await expect(
      (execute as (...a: unknown[]) => Promise<unknown>)({ id: 1, note: EMAIL }, {}),
    ).rejects.toMatchObject({ code: "dlp_pii" });
  });

  it("MCP: the request extra (signal, sendNotification) after the input", async () => {
    const fn = t.governor.gate(
      "get_user",
      async (input: { id: number }, _extra: unknown) => (ran.push([input]), "ok"),
    );
    const extra = {
      signal: new AbortController().signal,
      sendNotification: async () => {},
      requestId: 1,
      authInfo: { clientId: "jane@example.com" },
    };
    expect(await fn({ id: 7 }, extra)).toBe("ok");
    expect(server.requests[0].body.data.pii).toBe(false);
  });
});
