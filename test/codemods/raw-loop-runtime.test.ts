// Raw-loop switch / if dispatch, gated by the codemod and run with the real runtime against a local
// enforce server that denies refund_payment: the denied branch never runs and the model is handed
// the refusal text under the same tool_call_id / tool_use_id, the allowed branch's real result
// comes through, and the gate saw the tool's whole arguments object (not one field of it).
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { gateSources } from "../../src/codemods/index.js";
import { loadCase, moduleKindFor } from "./fixtures.js";
import { startEnforce, type EnforceServer } from "../support/enforce-server.js";

const RUNTIME = path.resolve(import.meta.dirname, "../../src/runtime/index.ts");
// Under the repo (so its packages resolve) in the git-ignored /tmp/ folder.
const OUT = path.resolve(import.meta.dirname, `../../tmp/raw-loop-run-${process.pid}`);
const REASON = "Refunds need a human approver.";
const intents = new Map<string, { data?: { pii?: boolean; volume?: string } }>();
let server: EnforceServer;
let dir: string;
let ran: string[];

const call = (id: string, name: string, args: unknown) => ({
  id,
  type: "function" as const,
  function: { name, arguments: JSON.stringify(args) },
});
const LOOKUP = call("call_1", "lookup_order", {
  order_id: "ORD-7731",
  order_ids: ["ORD-7731", "ORD-7732"],
});
const REFUND = call("call_2", "refund_payment", {
  order_id: "ORD-7731",
  amount: 64,
  customer_email: "ann@example.com",
});

beforeAll(async () => {
  server = await startEnforce(({ body: intent }) => {
    const name = intent.resource?.name as string;
    intents.set(name, intent);
    const deny = name === "refund_payment";
    return {
      body: {
        decision: deny ? "DENY" : "ALLOW",
        metadata: { request_id: `r-${name}`, reason: deny ? REASON : "ok" },
      },
      contentLength: true,
    };
  });
  process.env.GOVERNOR_ENFORCE_URL = server.url;
  process.env.GOVERNOR_API_KEY = "test-key";
  process.env.GOVERNOR_CACHE_TTL_MS = "0";

  dir = materialize("raw-switch-ts");
  ({ ran } = await import(path.join(dir, "src/services.ts")));
});

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

beforeEach(() => {
  ran.length = 0;
  intents.clear();
});

afterAll(async () => {
  const { close } = await import(RUNTIME);
  await close?.();
  await server.close();
  rmSync(OUT, { recursive: true, force: true });
});

function expectRefusal(content: unknown) {
  expect(content).toEqual(expect.stringContaining(REASON));
  expect(content).toEqual(expect.stringContaining("r-refund_payment")); // the decision the user can trace
  expect(String(content)).not.toMatch(/Refunded|undefined/);
}

describe("raw loops gated at the branch: what the model is handed", () => {
  it("switch with return branches: the refusal under the denied call's id, the real result under the allowed one", async () => {
    const { answer } = await import(path.join(dir, "src/run-tool.ts"));
    const out = await answer([LOOKUP, REFUND]);
    expect(out.map((m: { tool_call_id: string }) => m.tool_call_id)).toEqual(["call_1", "call_2"]);
    expect(JSON.parse(out[0].content)).toEqual({ orderId: "ORD-7731", status: "shipped" });
    expectRefusal(out[1].content);
    expect(ran).toEqual(["lookup_order"]);
    // The gate was given the parsed arguments object, so the runtime could see the email and the list.
    expect(intents.get("refund_payment")?.data?.pii).toBe(true);
    expect(intents.get("lookup_order")?.data?.volume).toBe("bulk");
  });

  it("switch assigning the tool message's result: the refusal replaces the result, the next case still runs", async () => {
    const { toolMessages } = await import(path.join(dir, "src/assign.ts"));
    const out = await toolMessages([REFUND, LOOKUP]);
    expect(out.map((m: { tool_call_id: string }) => m.tool_call_id)).toEqual(["call_2", "call_1"]);
    expectRefusal(out[0].content);
    expect(JSON.parse(out[1].content)).toEqual({ orderId: "ORD-7731", status: "shipped" });
    expect(ran).toEqual(["lookup_order"]);
    expect(intents.get("refund_payment")?.data?.pii).toBe(true);
  });

  it("Anthropic if-chain on block.name: tool_result blocks keep their tool_use_id", async () => {
    const { toolResults } = await import(path.join(dir, "src/anthropic.ts"));
    const blocks = [
      {
        type: "tool_use",
        id: "toolu_1",
        name: "refund_payment",
        input: { order_id: "ORD-7731", amount: 64, customer_email: "ann@example.com" },
      },
      { type: "tool_use", id: "toolu_2", name: "get_weather", input: { city: "Oslo" } },
    ];
    const out = await toolResults(blocks);
    expect(out.map((b: { tool_use_id: string }) => b.tool_use_id)).toEqual(["toolu_1", "toolu_2"]);
    expect(out[0].content).not.toBe("refunded");
    expectRefusal(out[0].content);
    expect(out[1].content).toBe("Oslo: 21C");
    expect(ran).toEqual(["get_weather"]);
    expect(intents.get("refund_payment")?.data?.pii).toBe(true);
  });

  it(".mjs in a CommonJS package, tabs and CRLF: branches that parse call.function.arguments themselves hand the gate the parsed object", async () => {
    const cjs = materialize("raw-switch-mjs");
    const { loop } = await import(path.join(cjs, "lib/agent.mjs"));
    const messages: { tool_call_id: string; content: string }[] = [];
    await loop(
      {
        tool_calls: [
          call("c1", "send_mail", { to: "ann@example.com", subject: "hi" }),
          call("c2", "search", { q: "refunds" }),
        ],
      },
      messages,
    );
    expect(messages).toEqual([
      { role: "tool", tool_call_id: "c1", content: "sent m1 to ann@example.com" },
      { role: "tool", tool_call_id: "c2", content: JSON.stringify(["refunds"]) },
    ]);
    expect(intents.get("send_mail")?.data?.pii).toBe(true);
    expect(intents.has("search")).toBe(true);
  });
});
