// OpenAI Agents: what governTools and the adapter do to the real SDK's tool objects, in process,
// with a host that records what it is asked (the end-to-end runs are in openai-agents.test.ts).
import * as sdk from "@openai/agents";
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { instrumentation, isAgentsTool } from "../../src/runtime/adapters/openai-agents.js";
import { RUN, type GateHost, type GatedBy, type Verdict } from "../../src/runtime/gate.js";
import { gate, governTools, type Governor } from "../../src/runtime/index.js";

sdk.setTracingDisabled(true);

function recorder(verdict: Verdict = RUN) {
  const calls: { name: string; args: unknown[]; by?: GatedBy }[] = [];
  const host: GateHost = {
    async before(name, args, _opts, by) {
      calls.push({ name, args, by });
      return verdict;
    },
  };
  return { calls, host, governor: host as unknown as Governor };
}

function sendEmail(ran: string[]) {
  return sdk.tool({
    name: "send_email",
    description: "Send",
    parameters: z.object({ to: z.string() }),
    execute: async ({ to }) => {
      ran.push(to);
      return `sent to ${to}`;
    },
  });
}

afterEach(() => vi.restoreAllMocks());

describe("governTools with OpenAI Agents tools", () => {
  it("asks by tool.name with the parsed JSON arguments, not the raw string or the RunContext", async () => {
    const r = recorder();
    const ran: string[] = [];
    const [t] = governTools([sendEmail(ran)], { governor: r.governor });
    const out = await t.invoke(
      new sdk.RunContext({ secret: "ctx" }),
      '{"to":"ann@example.com"}',
      {},
    );
    expect(out).toBe("sent to ann@example.com");
    expect(r.calls).toEqual([
      { name: "send_email", args: [{ to: "ann@example.com" }], by: "registration" },
    ]);
  });

  it("a refusal is the tool's output and execute never runs", async () => {
    const r = recorder("REFUSED by policy");
    const ran: string[] = [];
    const [t] = governTools([sendEmail(ran)], { governor: r.governor });
    expect(await t.invoke(new sdk.RunContext(), '{"to":"x"}', {})).toBe("REFUSED by policy");
    expect(ran).toEqual([]);
  });

  it("patches in place: the same array and tool objects come back; governing twice asks once", async () => {
    const r = recorder();
    const ran: string[] = [];
    const tools = [sendEmail(ran)];
    const invoke = tools[0].invoke;
    const once = governTools(tools, { governor: r.governor });
    const twice = governTools(once, { governor: r.governor });
    expect(once).toBe(tools);
    expect(twice).toBe(tools);
    expect(tools[0].invoke).not.toBe(invoke);
    await tools[0].invoke(new sdk.RunContext(), '{"to":"x"}', {});
    expect(r.calls).toHaveLength(1);
  });

  it("asTool results stay the object the SDK knows (on() still chains to the gated tool)", () => {
    const r = recorder();
    const inner = new sdk.Agent({ name: "inner", instructions: "x" });
    const asTool = inner.asTool({ toolName: "research", toolDescription: "r" });
    const [t] = governTools([asTool], { governor: r.governor });
    expect(t).toBe(asTool);
    expect(t.on("agent_end" as any, () => {})).toBe(t);
  });

  it("a frozen tool is copied, the copy gated and the original left alone", async () => {
    const r = recorder();
    const ran: string[] = [];
    const frozen = Object.freeze(sendEmail(ran));
    const out = governTools([frozen], { governor: r.governor });
    expect(out[0]).not.toBe(frozen);
    expect(out[0].name).toBe("send_email");
    await out[0].invoke(new sdk.RunContext(), '{"to":"x"}', {});
    expect(r.calls).toHaveLength(1);
    await frozen.invoke(new sdk.RunContext(), '{"to":"y"}', {});
    expect(r.calls).toHaveLength(1);
  });

  it("a tool gated at its definition's invoke under the same name is not wrapped again", () => {
    const r = recorder();
    const t = sendEmail([]);
    const gatedInvoke = gate("send_email", t.invoke);
    const own = { ...t, invoke: gatedInvoke };
    governTools([own], { governor: r.governor });
    expect(own.invoke).toBe(gatedInvoke);
  });

  it("hosted tools are left as they are and named once in a warning; function tools beside them are gated", () => {
    const r = recorder();
    const writes: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation(
      (s: any) => (writes.push(String(s)), true),
    );
    const web = sdk.webSearchTool();
    const mcp = sdk.hostedMcpTool({ serverLabel: "crm", serverUrl: "https://mcp.example.com" });
    const fn = sendEmail([]);
    const invoke = fn.invoke;
    const tools = [web, mcp, fn];
    const out = governTools(tools, { governor: r.governor });
    governTools(tools, { governor: r.governor });
    expect(out[0]).toBe(web);
    expect(out[1]).toBe(mcp);
    expect(fn.invoke).not.toBe(invoke);
    const warnings = writes.filter((w) => w.startsWith("governor:"));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain('"web_search" is a hosted tool');
    expect(warnings[0]).toContain("do NOT ask enforce");
    expect(warnings[1]).toContain('hosted MCP server "crm"');
  });

  it("a local shell tool (its own executor) is named in a warning, not silently passed", () => {
    const writes: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation(
      (s: any) => (writes.push(String(s)), true),
    );
    const shell = sdk.shellTool({ shell: { run: async () => ({ output: [] }) } as any });
    expect(isAgentsTool(shell)).toBe(true);
    governTools([shell], { governor: recorder().governor });
    expect(writes.join("")).toMatch(
      /shell tool "shell" runs through its own shell implementation.*do NOT ask enforce/,
    );
  });

  it("still throws on something that is no tool", () => {
    expect(() => governTools([{ name: "x" } as any], { governor: recorder().governor })).toThrow(
      /cannot gate "x"/,
    );
  });
});

describe("instrumentation.patch", () => {
  it("names what it cannot find in an unknown shape", () => {
    const res = instrumentation.patch(
      {},
      {
        specifier: "@openai/agents-core",
        format: "cjs",
        version: "9.0.0",
        host: () => recorder().host,
      },
    );
    expect(res.patched).toEqual([]);
    expect(res.missing?.join("; ")).toMatch(/Agent\.prototype\.getAllTools/);
  });

  it("patches the real Agent once: tools from getAllTools are gated by instrumentation, asked once", async () => {
    const r = recorder();
    const core = await import("@openai/agents-core");
    const info = {
      specifier: "@openai/agents-core",
      format: "esm" as const,
      version: "0.14.3",
      host: () => r.host,
    };
    const first = instrumentation.patch(core, info);
    instrumentation.patch(core, info);
    expect(first.missing).toEqual([]);
    expect(first.patched).toContain("Agent.prototype.getAllTools");
    const ran: string[] = [];
    const agent = new core.Agent({ name: "a", instructions: "x", tools: [sendEmail(ran)] });
    const [t] = (await agent.getAllTools(new core.RunContext())) as any[];
    const [again] = (await agent.getAllTools(new core.RunContext())) as any[];
    expect(again).toBe(t);
    await t.invoke(new core.RunContext(), '{"to":"x"}', {});
    expect(r.calls).toEqual([{ name: "send_email", args: [{ to: "x" }], by: "instrumentation" }]);
    expect(ran).toEqual(["x"]);
  });

  it("an agent's hosted tool is returned untouched and named in a warning", async () => {
    const writes: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation(
      (s: any) => (writes.push(String(s)), true),
    );
    const core = await import("@openai/agents-core");
    instrumentation.patch(core, {
      specifier: "@openai/agents-core",
      format: "esm",
      version: "0.14.3",
      host: () => recorder().host,
    });
    const files = sdk.fileSearchTool(["vs_1"]);
    const agent = new core.Agent({ name: "a", instructions: "x", tools: [files] });
    const tools = await agent.getAllTools(new core.RunContext());
    expect(tools).toEqual([files]);
    expect(writes.join("")).toContain('"file_search" is a hosted tool');
  });
});
