// Type-level checks, compiled by `npx tsc --noEmit -p .` (and run by vitest via types.test.ts):
// gate() must keep the wrapped function's type so inference at the call site survives.
import { tool, type ToolExecutionOptions } from "ai";
import { z } from "zod";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import {
  gate,
  createGovernor,
  intentScope,
  governedFetch,
  currentGrant,
  type CurrentGrant,
} from "../../src/runtime/index.js";

type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assert = <T extends true>(_: T) => _;

// AI SDK: execute written inline in tool({...}); input and options are inferred from inputSchema.
export const weather = tool({
  description: "Get the weather",
  inputSchema: z.object({ city: z.string(), days: z.number().optional() }),
  execute: gate("get_weather", async (input, options) => {
    assert<Equal<typeof input, { city: string; days?: number | undefined }>>(true);
    assert<Equal<typeof options, ToolExecutionOptions>>(true);
    // @ts-expect-error: no such property on the inferred input
    input.country;
    return { city: input.city, tempC: 21 };
  }),
});

// The same with onDeny "return" and an async generator execute.
export const streaming = tool({
  inputSchema: z.object({ q: z.string() }),
  execute: gate(
    "search_docs",
    async function* (input) {
      assert<Equal<typeof input, { q: string }>>(true);
      yield { status: "searching", q: input.q };
    },
    { onDeny: "return" },
  ),
});

// Plain functions keep parameters, return type and `this`; sync ones become async.
async function sendEmail(to: string, body: string): Promise<{ id: string }> {
  return { id: to + body };
}
const gatedSend = gate("send_email", sendEmail);
assert<Equal<typeof gatedSend, typeof sendEmail>>(true);
// @ts-expect-error: wrong argument type is still caught
gatedSend(1, "x");

const add = gate("add", (a: number, b: number) => a + b);
assert<Equal<ReturnType<typeof add>, Promise<number>>>(true);
assert<Equal<Parameters<typeof add>, [a: number, b: number]>>(true);

class Greeter {
  prefix = "hi ";
  greet = gate("greet", function (this: Greeter, name: string) {
    return this.prefix + name;
  });
}
assert<Equal<Awaited<ReturnType<Greeter["greet"]>>, string>>(true);

// Generic functions keep their generics when async.
const identity = gate("identity", async <T>(x: T): Promise<T> => x);
export const n: Promise<number> = identity(1);

// Instance gate behaves the same.
const g = createGovernor({ enforceUrl: "http://127.0.0.1:1" });
export const viaInstance = tool({
  inputSchema: z.object({ id: z.number() }),
  execute: g.gate("get_order", async ({ id }) => {
    assert<Equal<typeof id, number>>(true);
    return id;
  }),
});

// Literal result types under a non-generic expected type survive the wrap (MCP's CallToolResult
// content is `{ type: "text"; ... } | ...`): async with an expected Promise, async and sync with an
// expected `X | Promise<X>`.
type TextResult = { content: { type: "text"; text: string }[]; isError?: boolean };
declare function onCall(cb: (args: { id: string }) => Promise<TextResult>): void;
declare function onCallEither(cb: (args: { id: string }) => TextResult | Promise<TextResult>): void;
onCall(gate("lookup", async (args) => ({ content: [{ type: "text", text: args.id }] })));
onCall(
  gate("lookup_branches", async (args) => {
    if (!args.id) return { content: [{ type: "text", text: "none" }], isError: true };
    return { content: [{ type: "text", text: args.id }] };
  }),
);
onCallEither(
  gate("lookup_async", async (args) => ({ content: [{ type: "text", text: args.id }] })),
);
onCallEither(gate("lookup_sync", (args) => ({ content: [{ type: "text", text: args.id }] })));
// @ts-expect-error: a wrong literal is still caught
onCall(gate("lookup_wrong", async (args) => ({ content: [{ type: "image", text: args.id }] })));

// The real MCP types: a CallToolResult-returning callback and McpServer.registerTool.
declare function onToolCall(
  cb: (req: { params: { name: string } }) => Promise<CallToolResult>,
): void;
onToolCall(
  gate("by_name", async (req) => ({ content: [{ type: "text", text: req.params.name }] })),
);
const mcp = new McpServer({ name: "t", version: "1.0.0" });
mcp.registerTool(
  "ping",
  { inputSchema: { host: z.string() } },
  gate("ping", ({ host }) => ({ content: [{ type: "text", text: host }] })),
);
mcp.registerTool(
  "pong",
  { inputSchema: { host: z.string() } },
  gate("pong", async ({ host }, extra) => ({
    content: [{ type: "text", text: `${host} ${extra.requestId}` }],
  })),
);

// A sync function returning a Promise gives that Promise, not a Promise of a Promise.
const fetchLike = gate("fetch_like", (n: number) => Promise.resolve({ n }));
assert<Equal<ReturnType<typeof fetchLike>, Promise<{ n: number }>>>(true);
// Sync literal unions stay one Promise of the union.
const pick = gate("pick", (n: number) => (n > 1 ? "many" : "one"));
assert<Equal<ReturnType<typeof pick>, Promise<"many" | "one">>>(true);

// Async generators stay async generators, with `this` and parameters kept.
class Feed {
  items = ["a", "b"];
  stream = gate("stream", async function* (this: Feed, limit: number) {
    for (const i of this.items.slice(0, limit)) yield i;
    return limit;
  });
}
assert<Equal<ReturnType<Feed["stream"]>, AsyncGenerator<string, number, unknown>>>(true);
assert<Equal<Parameters<Feed["stream"]>, [limit: number]>>(true);
assert<Equal<ThisParameterType<Feed["stream"]>, Feed>>(true);
const thisKept = gate("this_kept", function (this: Feed) {
  return this.items;
});
// @ts-expect-error: the wrapper keeps the `this` type
thisKept.call({ other: 1 });

// A generic async generator keeps its generics.
const echoAll = gate("echo_all", async function* <T>(xs: T[]) {
  yield* xs;
});
export const firstString: AsyncGenerator<string, void, undefined> = echoAll(["x"]);

// intentScope() resolves what fn returns (awaited); the intent is checked.
export async function scopes() {
  const n = await intentScope(
    { action: "charge", resource: { type: "payment", hosts: ["api.stripe.com"] } },
    async () => 42,
  );
  assert<Equal<typeof n, number>>(true);
  const s = await createGovernor().intentScope(
    { action: "sync", resource: "crm" },
    () => "done" as const,
  );
  assert<Equal<typeof s, "done">>(true);
  // @ts-expect-error: an intent needs an action
  await intentScope({ resource: "crm" }, () => 1);
  // @ts-expect-error: hosts is a list of strings
  await intentScope({ action: "x", resource: { type: "y", hosts: "api.x.com" } }, () => 1);
  const res = await governedFetch("https://api.stripe.com/v1/charges", { method: "POST" });
  assert<Equal<typeof res, Response>>(true);
  const g = currentGrant();
  assert<Equal<typeof g, CurrentGrant | null>>(true);
}
