// Code that only looks like a tool is left alone: no edit, no finding.
import { expect, it } from "vitest";
import { gateSources } from "../../src/codemods/index.js";

const cases: Record<string, string> = {
  "a switch on a user's name in a file that imports the OpenAI SDK": `import OpenAI from "openai";
export const client = new OpenAI();
export async function role(user: { name: string }) {
  switch (user.name) {
    case "admin":
      return await grant(user);
    default:
      return "none";
  }
}
async function grant(u: unknown) { return u; }
`,
  "execute() on a database handle": `export async function run(db: { execute(sql: string): Promise<unknown> }) {
  return db.execute("select 1");
}
`,
  "an object with execute that is not in a tools object": `import { generateText } from "ai";
export const job = { name: "nightly", execute: async () => "done" };
export const gen = generateText;
`,
  "a LangChain class with _call that is not a tool": `import { BaseChatModel } from "@langchain/core/language_models/chat_models";
export abstract class MyModel extends BaseChatModel {
  async _call() { return "x"; }
}
`,
  "a client-side AI SDK tool (no execute)": `import { tool } from "ai";
import { z } from "zod";
export const askUser = tool({ description: "Ask", inputSchema: z.object({ q: z.string() }) });
`,
};

it.each(Object.entries(cases))("%s", (_, text) => {
  const r = gateSources([{ path: "src/x.ts", text }], { moduleKind: () => "esm" });
  expect(r).toEqual({ files: [], tools: [], warnings: [] });
});
