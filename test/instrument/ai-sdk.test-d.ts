// Type-level checks for governTools on AI SDK ToolSets, compiled by `npx tsc --noEmit -p .` and by
// ai-sdk-types.test.ts: the set handed to generateText/ToolLoopAgent keeps every tool's types.
import { generateText, ToolLoopAgent, tool, type ToolExecutionOptions } from "ai";
import { MockLanguageModelV3 } from "ai/test";
import { z } from "zod";
import { governTools } from "../../src/runtime/index.js";

type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assert = <T extends true>(_: T) => _;
const model = new MockLanguageModelV3();

// Inline in the call: input is inferred from inputSchema through governTools.
export const inline = generateText({
  model,
  prompt: "hi",
  tools: governTools({
    x: tool({
      inputSchema: z.object({ a: z.string() }),
      execute: async ({ a }, options) => {
        assert<Equal<typeof a, string>>(true);
        assert<Equal<typeof options, ToolExecutionOptions>>(true);
        return a;
      },
    }),
  }),
});

// Same type in, same type out: the result's typed tool calls still know the set.
const tools = {
  send_email: tool({
    inputSchema: z.object({ to: z.string(), cc: z.array(z.string()).optional() }),
    execute: async ({ to }) => ({ id: to }),
  }),
  ask_user: tool({ inputSchema: z.object({ question: z.string() }) }),
};
const governed = governTools(tools);
assert<Equal<typeof governed, typeof tools>>(true);
export async function typedCalls() {
  const r = await generateText({ model, prompt: "hi", tools: governed });
  for (const call of r.toolCalls) {
    if (call.toolName === "send_email" && !call.dynamic) {
      assert<Equal<typeof call.input, { to: string; cc?: string[] | undefined }>>(true);
      // @ts-expect-error: not in the inferred input
      call.input.subject;
    }
  }
}

// An agent built from a governed set keeps its tool types.
export const agent = new ToolLoopAgent({ model, tools: governTools(tools) });
assert<Equal<typeof agent.tools, typeof tools>>(true);
