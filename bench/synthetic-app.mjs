// A generated app for the init bench, shaped like the real ones: a thousand source files, most of
// them business logic, React components and utilities without tools, some long; a few dozen with
// tools of every framework init rewrites, registered the way apps register them.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

const LOGIC = 610;
const COMPONENTS = 280;
const SCRIPTS = 60; // plain .js / .mjs
const LONG = 12; // long generated-looking but hand-written modules (about 2,500 lines each)
const PER_FORM = 6; // tool files per framework form

function logic(i) {
  const a = (i * 7 + 1) % LOGIC;
  const b = (i * 13 + 5) % LOGIC;
  return `import { helper${a} } from "./mod${a}";
import type { Store${b} } from "./mod${b}";

// Module ${i}: business logic unrelated to tools.
export interface Record${i} {
  id: string;
  total: number;
  tags: string[];
  createdAt: Date;
}

export function helper${i}(input: Record${i}[]): number {
  let sum = 0;
  for (const r of input) {
    if (r.tags.includes("skip")) continue;
    sum += r.total * (r.tags.length + 1);
  }
  return sum;
}

export class Store${i} {
  private items = new Map<string, Record${i}>();
  add(r: Record${i}): void {
    this.items.set(r.id, r);
  }
  get(id: string): Record${i} | undefined {
    return this.items.get(id);
  }
  total(): number {
    return helper${i}([...this.items.values()]);
  }
  async load(fetcher: (id: string) => Promise<Record${i}>, ids: string[]): Promise<void> {
    for (const id of ids) this.add(await fetcher(id));
  }
}

export const format${i} = (r: Record${i}) => \`\${r.id}: \${r.total.toFixed(2)} [\${r.tags.join(", ")}]\`;
export const uses${i} = [typeof helper${a}, (s: Store${b}) => s];
`;
}

function component(i) {
  return `"use client";
import { useMemo, useState } from "react";
import { format${i % LOGIC}, type Record${i % LOGIC} } from "../lib/mod${i % LOGIC}";

type Props = { rows: Record${i % LOGIC}[]; title?: string; onSelect?: (id: string) => void };

export function Table${i}({ rows, title = "Rows", onSelect }: Props) {
  const [filter, setFilter] = useState("");
  const shown = useMemo(() => rows.filter((r) => r.id.includes(filter)), [rows, filter]);
  return (
    <section className="table-${i}">
      <h2>{title}</h2>
      <input value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="Filter" />
      <ul>
        {shown.map((r) => (
          <li key={r.id} onClick={() => onSelect?.(r.id)}>
            {format${i % LOGIC}(r)}
          </li>
        ))}
      </ul>
    </section>
  );
}
`;
}

function script(i) {
  return `// build helper ${i}
import { readFileSync, writeFileSync } from "node:fs";

export function rewrite${i}(file, replacements) {
  let text = readFileSync(file, "utf8");
  for (const [from, to] of Object.entries(replacements)) text = text.split(from).join(to);
  writeFileSync(file, text);
  return text.length;
}

export const execute${i}Later = (steps) => steps.map((s) => s.trim()).filter(Boolean);
`;
}

function long(i) {
  const parts = [`// Long module ${i}: a hand-maintained table of rules and their checks.\n`];
  for (let k = 0; k < 160; k++)
    parts.push(`export function rule${i}_${k}(input: { amount: number; country: string; tags: string[] }): string | null {
  if (input.amount > ${1000 + k} && input.country === "C${k % 40}") return "rule ${k}: amount over limit";
  if (input.tags.includes("t${k}") && !input.tags.includes("ok")) return "rule ${k}: tag needs review";
  switch (input.country) {
    case "A${k}":
      return input.amount > ${k} ? "rule ${k}: A" : null;
    case "B${k}":
      return input.amount < ${k} ? "rule ${k}: B" : null;
    default:
      break;
  }
  const ratio = input.amount / (${k} + 1);
  return ratio > 3.5 && ratio < 7.25 ? \`rule ${k}: ratio \${ratio.toFixed(2)}\` : null;
}
`);
  return parts.join("\n");
}

// Tool files, one generator per framework form; each defines exactly one tool init gates.
const FORMS = {
  "ai-sdk": (i) => `import { tool } from "ai";
import { z } from "zod";

export const sendEmail${i} = tool({
  description: "Send an email (${i})",
  inputSchema: z.object({ to: z.string(), body: z.string() }),
  execute: async ({ to, body }) => \`sent \${body.length} chars to \${to}\`,
});
`,
  langchain: (i) => `import { tool } from "@langchain/core/tools";
import { z } from "zod";

export const lookup${i} = tool(async ({ q }) => \`found \${q}\`, {
  name: "lookup_${i}",
  description: "Look a customer up",
  schema: z.object({ q: z.string() }),
});
`,
  "langchain-class": (i) => `import { StructuredTool } from "@langchain/core/tools";
import { z } from "zod";

export class CloseTicket${i} extends StructuredTool {
  name = "close_ticket_${i}";
  description = "Close a support ticket";
  schema = z.object({ id: z.string() });
  async _call({ id }: { id: string }) {
    return \`closed \${id}\`;
  }
}
`,
  "openai-agents": (i) => `import { tool } from "@openai/agents";
import { z } from "zod";

export const refund${i} = tool({
  name: "refund_${i}",
  description: "Refund an order",
  parameters: z.object({ id: z.string() }),
  execute: async ({ id }) => \`refunded \${id}\`,
});
`,
  mcp: (i) => `import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";

export function register${i}(server: McpServer) {
  server.registerTool(
    "delete_file_${i}",
    { description: "Delete a file", inputSchema: { path: z.string() } },
    async ({ path }) => ({ content: [{ type: "text", text: \`deleted \${path}\` }] }),
  );
}
`,
  openai: (i) => `import OpenAI from "openai";

const client = new OpenAI();

async function getWeather(args: { city: string }) {
  return { city: args.city, celsius: 21 };
}

export async function ask${i}(messages: OpenAI.ChatCompletionMessageParam[]) {
  const res = await client.chat.completions.create({
    model: "gpt-4o-mini",
    messages,
    tools: [{ type: "function", function: { name: "get_weather_${i}", parameters: { type: "object" } } }],
  });
  const msg = res.choices[0].message;
  messages.push(msg);
  for (const call of msg.tool_calls ?? []) {
    if (call.type !== "function") continue;
    const args = JSON.parse(call.function.arguments);
    switch (call.function.name) {
      case "get_weather_${i}": {
        const out = await getWeather(args);
        messages.push({ role: "tool", tool_call_id: call.id, content: JSON.stringify(out) });
        break;
      }
    }
  }
}
`,
  anthropic: (i) => `import Anthropic from "@anthropic-ai/sdk";

const client = new Anthropic();

async function createInvoice(input: { amount: number }) {
  return { id: "inv", amount: input.amount };
}

export async function bill${i}(messages: Anthropic.MessageParam[]) {
  const res = await client.messages.create({
    model: "claude-sonnet-4-5",
    max_tokens: 1024,
    messages,
    tools: [{ name: "create_invoice_${i}", input_schema: { type: "object" } }],
  });
  const results = [];
  for (const block of res.content) {
    if (block.type !== "tool_use") continue;
    let content = "unknown tool";
    if (block.name === "create_invoice_${i}") {
      content = JSON.stringify(await createInvoice(block.input as { amount: number }));
    }
    results.push({ type: "tool_result" as const, tool_use_id: block.id, content });
  }
  messages.push({ role: "user", content: results });
}
`,
  mastra: (i) => `import { createTool } from "@mastra/core/tools";
import { z } from "zod";

export const orderStatus${i} = createTool({
  id: "order_status_${i}",
  description: "Look an order up",
  inputSchema: z.object({ id: z.string() }),
  execute: async ({ context }) => ({ id: context.id, status: "shipped" }),
});
`,
};

/** Writes the app under `dir`; returns how many source files and gated tools it holds. */
export function writeSyntheticApp(dir) {
  const write = (rel, text) => {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  };
  write(
    "package.json",
    JSON.stringify(
      {
        name: "bench-app",
        private: true,
        type: "module",
        main: "src/server.ts",
        scripts: { start: "node src/server.ts" },
        dependencies: {
          ai: "^6.0.0",
          "@langchain/core": "^1.0.0",
          "@langchain/langgraph": "^1.0.0",
          "@openai/agents": "^0.14.0",
          "@modelcontextprotocol/sdk": "^1.20.0",
          "@mastra/core": "^0.24.0",
          openai: "^6.0.0",
          "@anthropic-ai/sdk": "^0.60.0",
          react: "^19.0.0",
          zod: "^3.25.0",
        },
      },
      null,
      2,
    ),
  );
  write(
    "tsconfig.json",
    JSON.stringify({
      compilerOptions: { target: "ES2022", module: "ESNext", jsx: "preserve", strict: true },
    }),
  );
  let files = 0;
  for (let i = 0; i < LOGIC; i++, files++) write(`src/lib/mod${i}.ts`, logic(i));
  for (let i = 0; i < COMPONENTS; i++, files++) write(`src/components/Table${i}.tsx`, component(i));
  for (let i = 0; i < SCRIPTS; i++, files++)
    write(`scripts/step${i}.${i % 2 ? "mjs" : "js"}`, script(i));
  for (let i = 0; i < LONG; i++, files++) write(`src/rules/rules${i}.ts`, long(i));
  let tools = 0;
  const names = {};
  for (const [form, make] of Object.entries(FORMS)) {
    names[form] = [];
    for (let k = 0; k < PER_FORM; k++, files++, tools++) {
      const i = tools;
      write(`src/tools/${form}/t${i}.ts`, make(i));
      names[form].push(i);
    }
  }
  // where the tools are registered, as an app does
  const ai = names["ai-sdk"];
  write(
    "src/agents/chat.ts",
    `import { generateText, type LanguageModel } from "ai";
${ai.map((i) => `import { sendEmail${i} } from "../tools/ai-sdk/t${i}";`).join("\n")}

export const chat = (model: LanguageModel, prompt: string) =>
  generateText({
    model,
    prompt,
    tools: {
${ai.map((i) => `      send_email_${i}: sendEmail${i},`).join("\n")}
    },
  });
`,
  );
  const oa = names["openai-agents"];
  write(
    "src/agents/support.ts",
    `import { Agent } from "@openai/agents";
${oa.map((i) => `import { refund${i} } from "../tools/openai-agents/t${i}";`).join("\n")}

export const support = new Agent({
  name: "support",
  instructions: "Help the customer.",
  tools: [${oa.map((i) => `refund${i}`).join(", ")}],
});
`,
  );
  const lc = names.langchain;
  write(
    "src/agents/graph.ts",
    `import { createReactAgent } from "@langchain/langgraph/prebuilt";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
${lc.map((i) => `import { lookup${i} } from "../tools/langchain/t${i}";`).join("\n")}

export const graph = (llm: BaseChatModel) =>
  createReactAgent({ llm, tools: [${lc.map((i) => `lookup${i}`).join(", ")}] });
`,
  );
  write(
    "src/server.ts",
    `import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
${names.mcp.map((i) => `import { register${i} } from "./tools/mcp/t${i}";`).join("\n")}

const server = new McpServer({ name: "bench", version: "1.0.0" });
${names.mcp.map((i) => `register${i}(server);`).join("\n")}
export default server;
`,
  );
  files += 4;
  return { files, tools };
}
