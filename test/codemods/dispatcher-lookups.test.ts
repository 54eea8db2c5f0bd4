// A function in another module that the loop hands a tool name to is a dispatcher only when it runs
// what it looks up by that name. One that reads data by a name (a cache keyed by server name) is
// not: gating its call would put a policy check in front of code that is not a tool.
import { describe, expect, it } from "vitest";
import { gateSources } from "../../src/codemods/index.js";

const loop = (call: string) => `import OpenAI from "openai";
import { invalidate } from "./cache.js";
import { runTool } from "./tools.js";
const client = new OpenAI({ apiKey: "sk-offline" });
export class Server {
  name = "files";
  async refresh() {
    await invalidate(this.name);
  }
  async step(messages: any[]) {
    const res = await client.chat.completions.create({ model: "m", messages });
    for (const call of res.choices[0].message.tool_calls ?? []) {
      if (call.type !== "function") continue;
      const out = await ${call};
      messages.push({ role: "tool", tool_call_id: call.id, content: String(out) });
    }
  }
}
`;
const cache = `const keysByServer: Record<string, Set<string>> = {};
const store: Record<string, unknown> = {};
export async function invalidate(serverName: string) {
  const keys = keysByServer[serverName];
  if (keys) for (const k of keys) delete store[k];
  delete keysByServer[serverName];
}
`;
const tools = `const handlers: Record<string, (args: unknown) => Promise<string>> = {
  read_file: async () => "text",
  delete_file: async () => "gone",
};
export async function runTool(name: string, args: unknown) {
  const handler = handlers[name];
  if (!handler) throw new Error("unknown tool " + name);
  return handler(args);
}
`;

function run(call: string, toolsText = tools) {
  return gateSources(
    [
      { path: "src/loop.ts", text: loop(call) },
      { path: "src/cache.ts", text: cache },
      { path: "src/tools.ts", text: toolsText },
    ],
    { moduleKind: () => "esm" },
  );
}

describe("cross-module dispatchers", () => {
  it("a function that reads data by a name is not one: its call is left alone", () => {
    const r = run("Promise.resolve(call.function.name)");
    const loopAfter = r.files.find((f) => f.path === "src/loop.ts")?.after ?? loop("");
    expect(loopAfter).toContain("await invalidate(this.name);");
    expect(r.tools.filter((t) => t.form === "dispatcher")).toEqual([]);
  });

  it("one that runs the handler it looks up still is: the call is gated, its map's keys named", () => {
    const r = run("runTool(call.function.name, JSON.parse(call.function.arguments))");
    const after = r.files.find((f) => f.path === "src/loop.ts")!.after;
    expect(after).toMatch(/gate\(call\.function\.name, \(_args[^)]*\) => runTool\(/);
    expect(after).toContain("await invalidate(this.name);");
    const names = r.tools.filter((t) => t.form === "dispatcher").map((t) => [t.name, t.status]);
    expect(names).toEqual([
      ["read_file", "gated"],
      ["delete_file", "gated"],
    ]);
  });

  // every way of running the looked-up handler a dispatcher is written in
  const MAP = `const handlers: Record<string, any> = {
  read_file: async () => "text",
  delete_file: async () => "gone",
};
const fallback = async () => "unknown";
`;
  it.each([
    ["a fallback", "const h = handlers[name] ?? fallback;\n  return h(args);"],
    ["an || fallback, called at once", "return (handlers[name] || fallback)(args);"],
    ["an assignment", "let h;\n  h = handlers[name];\n  return h(args);"],
    ["a destructured member", "const { run } = handlers[name];\n  return run(args);"],
    ["a member's .call", "return handlers[name].run.call(null, args);"],
  ])("one that runs it through %s still is", (_shape, body) => {
    const text = `${MAP}export async function runTool(name: string, args: unknown) {\n  ${body}\n}\n`;
    const r = run("runTool(call.function.name, JSON.parse(call.function.arguments))", text);
    const names = r.tools.filter((t) => t.form === "dispatcher").map((t) => [t.name, t.status]);
    expect(names).toEqual([
      ["read_file", "gated"],
      ["delete_file", "gated"],
    ]);
  });

  it("one that hands back a member of what it looks up reads data: left alone", () => {
    const text = `${MAP}export async function runTool(name: string, args: unknown) {\n  return handlers[name].description;\n}\n`;
    const r = run("runTool(call.function.name, JSON.parse(call.function.arguments))", text);
    expect(r.tools.filter((t) => t.form === "dispatcher")).toEqual([]);
  });
});
