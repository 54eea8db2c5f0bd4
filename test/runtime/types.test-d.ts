// Type-level checks, compiled by `npx tsc --noEmit -p .` (and run by vitest via types.test.ts):
// gate() must keep the wrapped function's type so inference at the call site survives.
import { tool, type ToolExecutionOptions } from "ai";
import { z } from "zod";
import { gate, createGovernor } from "../../src/runtime/index.js";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
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
const identity = gate("identity", async <T,>(x: T): Promise<T> => x);
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
