// governTools on what real agents hand it besides function tools: no tools at all, OpenAI Agents
// hosted tools, JSON-schema tool definitions (bindTools) and provider built-ins pass through
// unchanged and are named once on stderr; the function tools beside them are still gated against a
// real enforce server (DENY never runs, enforce down never runs); a mistake still throws.
import * as sdk from "@openai/agents";
import { tool } from "@langchain/core/tools";
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { governTools } from "../../src/runtime/index.js";
import {
  allow,
  closedUrl,
  deny,
  startEnforce,
  type EnforceServer,
} from "../support/enforce-server.js";
import { closeAll, makeGovernor } from "./helpers.js";

sdk.setTracingDisabled(true);

let server: EnforceServer | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await closeAll();
  await server?.close();
  server = undefined;
});

function stderr(): string[] {
  const lines: string[] = [];
  vi.spyOn(process.stderr, "write").mockImplementation((chunk: any) => {
    lines.push(String(chunk));
    return true;
  });
  return lines;
}

const byTool = (denied: string) => (req: { body: any }) =>
  req.body?.resource?.name === denied || JSON.stringify(req.body).includes(denied)
    ? deny("req-deny")
    : allow("req-allow");

describe("governTools passes through what it cannot gate, and says so", () => {
  it("undefined and null (an agent with no tools) come back as they are", () => {
    expect(governTools(undefined)).toBeUndefined();
    expect(governTools(null)).toBeNull();
  });

  it("OpenAI Agents: a hosted tool is untouched and named once; the function tool beside it is gated", async () => {
    server = await startEnforce(byTool("refund_payment"));
    const t = makeGovernor({ enforceUrl: server.url });
    const lines = stderr();
    const ran: string[] = [];
    const refund = sdk.tool({
      name: "refund_payment",
      description: "Refund",
      parameters: z.object({ id: z.string() }),
      execute: async ({ id }) => (ran.push(id), "refunded"),
    });
    const search = sdk.webSearchTool();
    const list = [refund, search];
    const out = governTools(list, { governor: t.governor });
    governTools([search], { governor: t.governor });
    expect(out[1]).toBe(search);
    expect(lines.filter((l) => l.includes('"web_search"'))).toHaveLength(1);
    expect(lines[0]).toContain("do NOT ask enforce");
    const result = await (out[0] as typeof refund).invoke(new sdk.RunContext(), '{"id":"p-1"}', {});
    expect(ran).toEqual([]);
    expect(String(result)).toMatch(/blocked by policy/);
    expect(server.requests).toHaveLength(1);
  });

  it("LangChain bindTools input: schema dicts and built-ins pass through, each named once; the LangChain tool is gated", async () => {
    server = await startEnforce(byTool("refund_payment"));
    const t = makeGovernor({ enforceUrl: server.url });
    const lines = stderr();
    const ran: string[] = [];
    const refund = tool(async ({ id }) => (ran.push(id), "refunded"), {
      name: "refund_payment",
      description: "Refund",
      schema: z.object({ id: z.string() }),
    });
    const lookup = tool(async ({ id }) => (ran.push(`lookup ${id}`), "shipped"), {
      name: "lookup_order",
      description: "Lookup",
      schema: z.object({ id: z.string() }),
    });
    const schema = {
      type: "function",
      function: {
        name: "search_docs_schema",
        description: "Search",
        parameters: { type: "object", properties: {} },
      },
    };
    const params = {
      name: "notify_schema",
      description: "Notify",
      schema: z.object({ to: z.string() }),
    };
    const builtIn = { type: "web_search_preview" };
    const list = [refund, lookup, schema, params, builtIn];
    const out = governTools(list, { governor: t.governor });
    governTools(list, { governor: t.governor });
    expect(out).toBe(list); // LangChain tools patched in place, the rest untouched
    expect(out[2]).toBe(schema);
    const text = lines.join("");
    expect(lines.filter((l) => l.includes('"search_docs_schema"'))).toHaveLength(1);
    expect(text).toContain('"notify_schema" is only a schema');
    expect(text).toContain('of type "web_search_preview" is a provider built-in');
    expect(await refund.invoke({ id: "p-1" })).toMatch(/blocked by policy/);
    expect(await lookup.invoke({ id: "o-1" })).toBe("shipped");
    expect(ran).toEqual(["lookup o-1"]);
  });

  it("enforce down: the gated tool beside a pass-through entry does not run", async () => {
    const t = makeGovernor({ enforceUrl: await closedUrl(), timeoutMs: 300 });
    stderr();
    const ran: string[] = [];
    const lookup = tool(async ({ id }) => (ran.push(id), "shipped"), {
      name: "lookup_order",
      description: "Lookup",
      schema: z.object({ id: z.string() }),
    });
    governTools([lookup, { type: "function", function: { name: "down_schema", parameters: {} } }], {
      governor: t.governor,
    });
    expect(await lookup.invoke({ id: "o-1" })).toMatch(/could not be checked against policy/);
    expect(ran).toEqual([]);
  });

  it("still throws on a mistake: a bare function, a tool object it does not know, a nameless dict", () => {
    const g = makeGovernor({ enforceUrl: "http://127.0.0.1:9" }).governor;
    expect(() => governTools([async () => "x"] as any, { governor: g })).toThrow(
      /cannot gate function/,
    );
    expect(() =>
      governTools([{ description: "AI SDK tool in an array", execute: async () => "x" }] as any, {
        governor: g,
      }),
    ).toThrow(/cannot gate an object/);
    expect(() => governTools([{ name: "x" }] as any, { governor: g })).toThrow(/cannot gate "x"/);
    expect(() => governTools("tools" as any, { governor: g })).toThrow(
      /expected an AI SDK or Mastra tools object/,
    );
  });
});
