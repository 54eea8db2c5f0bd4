// governTools on Mastra tools objects, in process, with real createTool objects and a real enforce
// server: what counts as a Mastra set, keys as names, copies (never mutation), no-op twice, and the
// 0.x and 1.x execute signatures.
import { createTool, Tool } from "@mastra/core/tools";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createGovernor, governTools } from "../../src/runtime/index.js";
import { isMastraTool, isMastraToolSet } from "../../src/runtime/adapters/mastra.js";
import { allow, deny, startEnforce, type EnforceServer } from "../support/enforce-server.js";

let server: EnforceServer;
beforeAll(async () => {
  server = await startEnforce((req) =>
    String(req.body?.resource?.name).startsWith("deny") ? deny("r-deny") : allow(),
  );
});
afterAll(() => server.close());
const governor = () => createGovernor({ enforceUrl: server.url, cacheTtlMs: 0 });
const asked = async (fn: () => Promise<unknown>) => {
  const before = server.requests.length;
  const result = await fn();
  return { result, asked: server.requests.slice(before).map((q) => q.body) };
};

const echo = () =>
  createTool({
    id: "echo",
    description: "echo",
    inputSchema: z.object({ text: z.string() }),
    execute: async ({ context }) => ({ echoed: context.text }),
  });

describe("isMastraToolSet", () => {
  it("tells Mastra tools objects from AI SDK ToolSets", () => {
    expect(isMastraToolSet({ a: echo() })).toBe(true);
    expect(
      isMastraToolSet({ a: { id: "plain-action", description: "d", execute: async () => 1 } }),
    ).toBe(true);
    // Mastra agents take AI SDK tools beside their own.
    expect(isMastraToolSet({ a: echo(), b: { inputSchema: {}, execute: async () => 1 } })).toBe(
      true,
    );
    expect(isMastraToolSet({ b: { inputSchema: {}, execute: async () => 1 } })).toBe(false);
    expect(
      isMastraToolSet({ web: { type: "provider-defined", id: "openai.web_search", args: {} } }),
    ).toBe(false);
    expect(isMastraToolSet(echo())).toBe(false);
    expect(isMastraToolSet([echo()])).toBe(false);
    // 1.x marks its tools with a registered symbol.
    expect(
      isMastraTool({ [Symbol.for("mastra.core.tool.Tool")]: true, execute: async () => 1 }),
    ).toBe(true);
  });
});

describe("governTools on a Mastra tools object", () => {
  it("gates each tool under its key, on copies that are still Tools; the original is untouched", async () => {
    const tool = echo();
    const original = tool.execute;
    const set = { allowEcho: tool, denyEcho: tool };
    const governed = governTools(set, { governor: governor() });
    expect(governed).not.toBe(set);
    expect(tool.execute).toBe(original);
    expect(set.allowEcho).toBe(tool);
    expect(governed.allowEcho).toBeInstanceOf(Tool);
    expect(governed.allowEcho.id).toBe("echo");
    expect(governed.allowEcho).not.toBe(governed.denyEcho);

    const ctx = {
      context: { text: "hi" },
      runtimeContext: new Map([["user", "bob@example.com"]]),
    } as any;
    const ok = await asked(() => governed.allowEcho.execute!(ctx, {} as any));
    expect(ok.result).toEqual({ echoed: "hi" });
    expect(ok.asked).toHaveLength(1);
    expect(ok.asked[0].resource.name).toBe("allowEcho");
    expect(ok.asked[0].data.pii).toBe(false); // from the input, not the runtime context

    const no = await asked(() => governed.denyEcho.execute!(ctx, {} as any));
    expect(no.result).toMatch(/"denyEcho" was blocked by policy/);
    expect(no.asked.map((b) => b.resource.name)).toEqual(["denyEcho"]);
  });

  it("governing twice is a no-op, and a set read again reuses the same gated tools", async () => {
    const g = governor();
    const set = { allowEcho: echo() };
    const once = governTools(set, { governor: g });
    expect(governTools(once, { governor: g })).toBe(once);
    const twice = governTools({ ...set }, { governor: g });
    expect(twice.allowEcho).toBe(once.allowEcho);
    const r = await asked(() =>
      once.allowEcho.execute!({ context: { text: "x" } } as any, {} as any),
    );
    expect(r.asked).toHaveLength(1);
  });

  it("a tool gated at its definition under the same name is asked once", async () => {
    const g = governor();
    const gated = {
      id: "x",
      description: "d",
      execute: g.gate("allowX", async (_: unknown) => "ran"),
    };
    const governed = governTools({ allowX: gated, allowY: gated }, { governor: g });
    expect(governed.allowX).toBe(gated); // nothing to add
    const x = await asked(() => governed.allowX.execute({ context: {} }));
    expect(x).toMatchObject({ result: "ran" });
    expect(x.asked.map((b) => b.resource.name)).toEqual(["allowX"]);
    // Under another key the model's name is checked too.
    const y = await asked(() => governed.allowY.execute({ context: {} }));
    expect(y.asked.map((b) => b.resource.name)).toEqual(["allowY", "allowX"]);
  });

  it("1.x tools (execute(inputData, context)): the intent comes from inputData", async () => {
    const v1 = {
      [Symbol.for("mastra.core.tool.Tool")]: true,
      id: "v1",
      description: "d",
      execute: async (input: { to: string }, _ctx?: unknown) => `sent ${input.to}`,
    };
    const governed = governTools({ allowSend: v1 }, { governor: governor() });
    const r = await asked(() =>
      governed.allowSend.execute(
        { to: "ann@example.com" },
        { requestContext: new Map(), agent: { toolCallId: "c1" } },
      ),
    );
    expect(r.result).toBe("sent ann@example.com");
    expect(r.asked[0].data.pii).toBe(true);
    const clean = await asked(() =>
      governed.allowSend.execute(
        { to: "nobody" },
        { requestContext: new Map([["email", "bob@example.com"]]) },
      ),
    );
    expect(clean.asked[0].data.pii).toBe(false);
  });

  it("keeps TypeScript's view of the set", () => {
    const governed = governTools({ allowEcho: echo() });
    const t: ReturnType<typeof echo> = governed.allowEcho;
    expect(t).toBeDefined();
  });
});
