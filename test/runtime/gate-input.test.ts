// gate(name, fn, { input: "mastra" }): the intent is built from the tool's input alone, never from
// Mastra's runtime context or instance, in both of Mastra's execute conventions.
import { expect, it } from "vitest";
import { makeGate, RUN, type GateHost } from "../../src/runtime/gate.js";

function recording() {
  const seen: unknown[][] = [];
  const host: GateHost = { before: async (_name, args) => (seen.push(args), RUN) };
  return { seen, getHost: () => host };
}

const runtimeContext = { get: () => "secret@example.com" };

it("0.x execute({ context, runtimeContext, mastra }, options): only context", async () => {
  const { seen, getHost } = recording();
  const fn = makeGate(
    getHost,
    "lookup_order",
    async (p: { context: { orderId: string } }) => p.context.orderId,
    { input: "mastra" },
  );
  expect(
    await fn(
      { context: { orderId: "A1" }, runtimeContext, mastra: {}, threadId: "t" },
      { toolCallId: "c1" },
    ),
  ).toBe("A1");
  expect(seen).toEqual([[{ orderId: "A1" }]]);
});

it("a direct call with { context } alone: only context", async () => {
  const { seen, getHost } = recording();
  const fn = makeGate(getHost, "lookup_order", async (_p: unknown) => "ok", { input: "mastra" });
  await fn({ context: { orderId: "A1" } });
  expect(seen).toEqual([[{ orderId: "A1" }]]);
});

it("1.x execute(inputData, context): the first argument, not the context", async () => {
  const { seen, getHost } = recording();
  const fn = makeGate(getHost, "lookup_order", async (input: unknown, _ctx: unknown) => input, {
    input: "mastra",
  });
  await fn(
    { orderId: "A1", context: "a field of the tool's own" },
    { mastra: {}, requestContext: runtimeContext },
  );
  expect(seen).toEqual([[{ orderId: "A1", context: "a field of the tool's own" }]]);
});

it("without the option every argument is handed on (unchanged default)", async () => {
  const { seen, getHost } = recording();
  const fn = makeGate(getHost, "lookup_order", async (_a: unknown, _b: unknown) => "ok");
  await fn({ context: { orderId: "A1" }, runtimeContext }, 2);
  expect(seen).toEqual([[{ context: { orderId: "A1" }, runtimeContext }, 2]]);
});
