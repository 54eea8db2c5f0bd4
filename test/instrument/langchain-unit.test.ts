// The LangChain adapter in process, on the real @langchain/core objects and a real enforce server:
// what the gate is handed, the shapes a refusal takes, and the edges (twice, renamed, reassigned,
// frozen, unknown versions).
import { DynamicStructuredTool, StructuredTool, tool } from "@langchain/core/tools";
import { tool as agentsTool } from "@openai/agents";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { governTools, type GatedBy } from "../../src/runtime/index.js";
import { createGovernor, type Governor } from "../../src/runtime/governor.js";
import {
  governLangChainTool,
  instrumentation,
  isLangChainTool,
} from "../../src/runtime/adapters/langchain.js";
import type { GateHost } from "../../src/runtime/gate.js";
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
beforeEach(() => {
  server.requests.length = 0;
  server.respond = (req) =>
    req.body?.resource?.name === "send_email" ? deny("req-unit") : allow();
});

let ran: string[] = [];
beforeEach(() => (ran = []));
const sendEmail = () =>
  tool(async ({ to }: { to: string }) => (ran.push(`send_email:${to}`), `sent to ${to}`), {
    name: "send_email",
    description: "Send",
    schema: z.object({ to: z.string() }),
  });

describe("isLangChainTool", () => {
  it("is true for tool(), classes and DynamicStructuredTool; false for other frameworks' tools and plain objects", () => {
    class Search extends StructuredTool {
      name = "search";
      description = "s";
      schema = z.object({ q: z.string() });
      async _call() {
        return "x";
      }
    }
    expect(isLangChainTool(sendEmail())).toBe(true);
    expect(isLangChainTool(new Search())).toBe(true);
    expect(
      isLangChainTool(
        new DynamicStructuredTool({
          name: "d",
          description: "d",
          schema: z.object({}),
          func: async () => "x",
        }),
      ),
    ).toBe(true);
    expect(
      isLangChainTool(
        agentsTool({
          name: "a",
          description: "a",
          parameters: z.object({}),
          execute: async () => "x",
        }),
      ),
    ).toBe(false);
    expect(isLangChainTool({ name: "x", invoke() {} })).toBe(false);
    expect(isLangChainTool(null)).toBe(false);
  });
});

describe("governLangChainTool", () => {
  it("gates after validation: invalid input is rejected by LangChain without asking enforce", async () => {
    const t = governLangChainTool(sendEmail(), host, "registration");
    await expect(t.invoke({ to: 42 } as never)).rejects.toThrow(/did not match expected schema/);
    expect(server.requests).toHaveLength(0);
  });

  it("asks with the parsed input only (not LangChain's run manager or config)", async () => {
    server.respond = () => allow();
    const t = governLangChainTool(sendEmail(), host, "registration");
    expect(await t.invoke({ to: "a@example.com" })).toBe("sent to a@example.com");
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0].body.resource.name).toBe("send_email");
    expect(server.requests[0].raw).not.toContain("callbacks");
  });

  it("a refusal is the output: a ToolMessage with the call's id for a ToolCall, the text for plain input", async () => {
    const t = governLangChainTool(sendEmail(), host, "registration");
    const msg = await t.invoke({
      name: "send_email",
      args: { to: "a@example.com" },
      id: "call_9",
      type: "tool_call",
    });
    expect(msg.tool_call_id).toBe("call_9");
    expect(msg.content).toContain(
      'The tool call "send_email" was blocked by policy (request id req-unit)',
    );
    expect(await t.invoke({ to: "b@example.com" })).toContain("blocked by policy");
    expect(ran).toEqual([]);
  });

  it("content_and_artifact tools get [refusal, undefined], which LangChain accepts", async () => {
    const t = tool(async () => (ran.push("send_email"), ["sent", { id: 1 }]), {
      name: "send_email",
      description: "Send",
      schema: z.object({ to: z.string() }),
      responseFormat: "content_and_artifact",
    });
    governLangChainTool(t, host, "registration");
    const msg = await t.invoke({
      name: "send_email",
      args: { to: "x" },
      id: "call_a",
      type: "tool_call",
    });
    expect(msg.content).toContain("blocked by policy");
    expect(msg.artifact).toBeUndefined();
    expect(ran).toEqual([]);
  });

  it("governing twice is a no-op: one request per call", async () => {
    const t = sendEmail();
    governLangChainTool(governLangChainTool(t, host, "registration"), host, "instrumentation");
    governTools([t], { governor });
    await t.invoke({ to: "x" });
    expect(server.requests).toHaveLength(1);
  });

  it("gates under the name the tool has when it is called", async () => {
    server.respond = () => allow();
    const t = governLangChainTool(sendEmail(), host, "registration");
    (t as { name: string }).name = "send_mail_v2";
    await t.invoke({ to: "x" });
    expect(server.requests.map((r) => r.body.resource.name)).toEqual(["send_mail_v2"]);
  });

  it("a _call assigned after gating still runs behind the gate", async () => {
    const t = governLangChainTool(sendEmail(), host, "registration") as unknown as {
      _call: unknown;
      invoke: (x: unknown) => Promise<unknown>;
    };
    t._call = async () => (ran.push("replacement"), "replaced");
    expect(await t.invoke({ to: "x" })).toContain("blocked by policy");
    expect(ran).toEqual([]);
  });

  it("an async generator _call is gated before it starts", async () => {
    class Stream extends StructuredTool {
      name = "send_email";
      description = "s";
      schema = z.object({ to: z.string() });
      async *_call() {
        ran.push("started");
        yield "a";
        return "done";
      }
    }
    const t = governLangChainTool(new Stream(), host, "registration");
    expect(await t.invoke({ to: "x" })).toContain("blocked by policy");
    expect(ran).toEqual([]);
  });

  it("a frozen tool cannot be gated: governTools says so by name", () => {
    const t = Object.freeze(sendEmail());
    expect(() => governTools([t], { governor })).toThrow(
      /cannot gate the LangChain tool "send_email"/,
    );
  });

  it("audits the layer that asked", async () => {
    const seen: GatedBy[] = [];
    const recording: GateHost = {
      before: (name, args, opts, by) => (seen.push(by!), host().before(name, args, opts, by)),
    };
    await governLangChainTool(sendEmail(), () => recording, "registration").invoke({ to: "x" });
    expect(seen).toEqual(["registration"]);
  });
});

describe("instrumentation.patch", () => {
  const info = {
    specifier: "@langchain/core/tools",
    format: "esm" as const,
    version: "1.2.13",
    host,
  };

  it("an unknown shape is reported in missing, nothing is patched", () => {
    expect(instrumentation.patch({}, info)).toEqual({
      patched: [],
      missing: ["StructuredTool export"],
    });
    class Other {
      async call() {
        return "does not reach the instance's method";
      }
    }
    expect(instrumentation.patch({ StructuredTool: Other }, info).missing).toEqual([
      "StructuredTool.prototype.call reaching _call",
    ]);
    expect(Other.prototype.call.name).toBe("call");
  });

  it("patches a copy's StructuredTool.prototype.call once; every tool of that copy is gated at its first call", async () => {
    // A stand-in copy with @langchain/core's shape, so the app's real class stays untouched here.
    class Base {
      name = "";
      async call(arg: unknown) {
        return (this as any)._call(arg);
      }
    }
    class Send extends Base {
      name = "send_email";
      async _call(arg: unknown) {
        ran.push(`send:${JSON.stringify(arg)}`);
        return "sent";
      }
    }
    const first = instrumentation.patch({ StructuredTool: Base }, info);
    const again = instrumentation.patch({ StructuredTool: Base }, info);
    expect(first.patched).toHaveLength(1);
    expect(again).toEqual(first);
    expect(await new Send().call({ to: "x" })).toContain("blocked by policy");
    expect(ran).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });
});
