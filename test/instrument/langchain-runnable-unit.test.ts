// The RunnableToolLike (runnable.asTool) gate in process, on the real @langchain/core objects and a
// real enforce server: what the gate is handed, every entry point that could skip invoke, twice,
// frozen, both layers at once, and a version whose shape is unknown.
import { RunnableLambda, RunnableToolLike } from "@langchain/core/runnables";
import { tool } from "@langchain/core/tools";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { governTools } from "../../src/runtime/index.js";
import { createGovernor, type Governor } from "../../src/runtime/governor.js";
import { governLangChainTool, isLangChainTool } from "../../src/runtime/adapters/langchain.js";
import {
  isRunnableToolLike,
  patchAsTool,
  patchRunnableToolLike,
  patchRunnablesModule,
} from "../../src/runtime/adapters/langchain-runnable.js";
import { RUN, type GateHost } from "../../src/runtime/gate.js";
import { allow, deny, startEnforce, type EnforceServer } from "../support/enforce-server.js";

let server: EnforceServer;
let governor: Governor;
const host = () => governor as unknown as GateHost;

beforeAll(async () => {
  server = await startEnforce(() => allow());
  governor = createGovernor({ enforceUrl: server.url, env: {}, config: {}, cacheTtlMs: 0 });
});
afterAll(async () => {
  await governor.close();
  await server.close();
});

let ran: string[] = [];
beforeEach(() => {
  ran = [];
  server.requests.length = 0;
  server.respond = (req) =>
    req.body?.resource?.name === "send_email" ? deny("req-unit") : allow();
});

const schema = z.object({ to: z.string(), cc: z.string().default("nobody") });
const lambda = () =>
  RunnableLambda.from(
    async ({ to }: { to: string }) => (ran.push(`send_email:${to}`), `sent to ${to}`),
  );
const sendEmail = () => lambda().asTool({ name: "send_email", description: "Send", schema });
const call = { name: "send_email", args: { to: "a@x" }, id: "c1", type: "tool_call" as const };
const refused = 'The tool call "send_email" was blocked by policy (request id req-unit)';

describe("isRunnableToolLike / isLangChainTool", () => {
  it("takes asTool() results, not StructuredTools or look-alikes", () => {
    expect(isRunnableToolLike(sendEmail())).toBe(true);
    expect(isLangChainTool(sendEmail())).toBe(true);
    expect(
      isRunnableToolLike(
        tool(async () => "x", { name: "t", description: "t", schema: z.object({}) }),
      ),
    ).toBe(false);
    expect(isRunnableToolLike(lambda())).toBe(false);
    expect(
      isRunnableToolLike({
        name: "x",
        invoke() {},
        bound: { invoke() {} },
        schema: {},
        lc_namespace: [],
      }),
    ).toBe(false);
  });
});

describe("governTools on a RunnableToolLike (registration)", () => {
  it("returns the refusal as the output, nothing runs", async () => {
    const [t] = governTools([sendEmail()], { governor });
    expect(await t.invoke(call)).toContain(refused);
    expect(ran).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });

  it("the gate is handed the args as the tool's schema parses them (ToolCall), or the plain input", async () => {
    const seen: unknown[] = [];
    const recording: GateHost = {
      before: async (name, args, _opts, by) => (seen.push([name, args, by]), RUN),
    };
    const t = governLangChainTool(sendEmail(), () => recording, "registration");
    expect(await t.invoke(call)).toBe("sent to a@x");
    expect(await t.invoke({ to: "b@x" })).toBe("sent to b@x");
    expect(seen).toEqual([
      ["send_email", [{ to: "a@x", cc: "nobody" }], "registration"],
      ["send_email", [{ to: "b@x" }], "registration"],
    ]);
  });

  it("same array and same instance back; governing twice asks once", async () => {
    const tools = [sendEmail()];
    const out = governTools(governTools(tools, { governor }), { governor });
    expect(out).toBe(tools);
    governLangChainTool(out[0], host, "instrumentation");
    await out[0].invoke({ to: "a@x" });
    expect(server.requests).toHaveLength(1);
  });

  it("every entry point that would reach the inner runnable directly is gated", async () => {
    const [t] = governTools([sendEmail()], { governor });
    const collect = async (it: AsyncIterable<unknown>) => {
      const out: unknown[] = [];
      for await (const c of it) out.push(c);
      return out;
    };
    async function* input() {
      yield { to: "t@x" };
    }
    expect(await t.batch([{ to: "b1" }, { to: "b2" }])).toEqual([
      expect.stringContaining(refused),
      expect.stringContaining(refused),
    ]);
    expect(await collect(await t.stream({ to: "s@x" }))).toEqual([
      expect.stringContaining(refused),
    ]);
    expect(await collect(t.transform(input(), {}))).toEqual([expect.stringContaining(refused)]);
    // Refused, nothing ran, so no run (and no event) is reported.
    await collect(t.streamEvents({ to: "e@x" }, { version: "v2" }));
    expect(await t.withRetry({ stopAfterAttempt: 2 }).invoke({ to: "r@x" })).toContain(refused);
    expect(await t.withConfig({ tags: ["x"] }).invoke({ to: "w@x" })).toContain(refused);
    expect(await t.withListeners({}).invoke({ to: "l@x" })).toContain(refused);
    expect(await t.pipe(RunnableLambda.from((x: unknown) => x)).invoke({ to: "p@x" })).toContain(
      refused,
    );
    expect(ran).toEqual([]);
    expect(server.requests).toHaveLength(9);
  });

  it("ALLOW'd runs through every entry point", async () => {
    server.respond = () => allow();
    const [t] = governTools([sendEmail()], { governor });
    expect(await t.invoke(call)).toBe("sent to a@x");
    expect(await t.batch([{ to: "b1" }])).toEqual(["sent to b1"]);
    expect(await t.withRetry().invoke({ to: "r" })).toBe("sent to r");
    const events: any[] = [];
    for await (const e of t.streamEvents({ to: "e" }, { version: "v2" })) events.push(e);
    expect(events.at(-1)).toMatchObject({ event: "on_chain_end", data: { output: "sent to e" } });
    expect(ran).toEqual(["send_email:a@x", "send_email:b1", "send_email:r", "send_email:e"]);
    expect(server.requests).toHaveLength(4);
  });

  it("a gated StructuredTool of the same name inside is not asked again", async () => {
    server.respond = () => allow();
    const [inner] = governTools(
      [
        tool(async ({ to }: { to: string }) => (ran.push(`inner:${to}`), "ok"), {
          name: "send_email",
          description: "s",
          schema: z.object({ to: z.string() }),
        }),
      ],
      { governor },
    );
    const [outer] = governTools(
      [
        RunnableLambda.from(async (a: { to: string }) => inner.invoke(a)).asTool({
          name: "send_email",
          description: "s",
          schema: z.object({ to: z.string() }),
        }),
      ],
      { governor },
    );
    expect(await outer.invoke(call)).toBe("ok");
    expect(ran).toEqual(["inner:a@x"]);
    expect(server.requests).toHaveLength(1);
  });

  it("a frozen one throws by name", () => {
    expect(() => governTools([Object.freeze(sendEmail())], { governor })).toThrow(
      /cannot gate the LangChain tool "send_email" \(runnable.asTool\)/,
    );
  });
});

describe("instrumentation (a copy of the class, so the real prototype stays as it is)", () => {
  class Copy extends RunnableToolLike {}
  const make = () =>
    new Copy({ name: "send_email", description: "Send", schema, bound: lambda() } as any);

  it("the module patch gates every instance by name, audited as instrumentation; twice is a no-op", async () => {
    const r = patchRunnablesModule({ RunnableToolLike: Copy }, host);
    expect(r).toEqual({
      patched: [expect.stringContaining("RunnableToolLike.prototype.invoke")],
      missing: [],
    });
    expect(patchRunnableToolLike(Copy.prototype, host).patched).toHaveLength(1);
    expect(await make().invoke(call)).toContain(refused);
    expect(ran).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });

  it("with governTools too, asked once, by registration", async () => {
    const [t] = governTools([make()], { governor });
    expect(await t.invoke(call)).toContain(refused);
    expect(server.requests).toHaveLength(1);
  });

  it("a module without RunnableToolLike is named as missing", () => {
    expect(patchRunnablesModule({}, host)).toEqual({
      patched: [],
      missing: ["RunnableToolLike export"],
    });
  });

  it("a version whose base methods no longer reach invoke: those refuse to run, and are named", async () => {
    // A prototype chain with no Runnable base: nothing to route batch/stream through.
    const bare = Object.create(null, {
      invoke: { value: async () => (ran.push("bare"), "ran"), writable: true, configurable: true },
    });
    const r = patchRunnableToolLike(bare, host);
    expect(r.patched).toHaveLength(1);
    expect(r.missing).toEqual(
      expect.arrayContaining([
        expect.stringContaining("batch()"),
        expect.stringContaining("stream()"),
        expect.stringContaining("withRetry()"),
      ]),
    );
    const t = Object.create(bare, { name: { value: "send_email" } });
    expect(() => t.batch([{}])).toThrow(
      /batch\(\) of the LangChain tool "send_email" .*cannot be gated/,
    );
    expect(await t.invoke({})).toContain(refused);
    expect(ran).toEqual([]);
  });

  it("patchAsTool: the class of asTool()'s result is patched at the first asTool()", async () => {
    // A stand-in Runnable prototype whose asTool makes Copy2 instances.
    class Copy2 extends RunnableToolLike {}
    const base = { asTool: (f: any) => new Copy2({ ...f, bound: lambda() }) };
    const structured = Object.create(base);
    expect(patchAsTool(structured, host).patched).toEqual([
      expect.stringContaining("Runnable.prototype.asTool"),
    ]);
    const t = base.asTool({ name: "send_email", description: "s", schema });
    expect(await t.invoke(call)).toContain(refused);
    expect(
      await new Copy2({
        name: "send_email",
        description: "s",
        schema,
        bound: lambda(),
      } as any).invoke(call),
    ).toContain(refused);
    expect(ran).toEqual([]);
  });
});
