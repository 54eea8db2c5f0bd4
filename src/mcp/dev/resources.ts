// The --dev server's resources: one integration guide per framework (from src/frameworks.ts and a
// few lines each of what init and governor/register do), the environment variables, the enforce
// contract. Files are read from the package root when a resource is read, not at startup.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ENTRY_IMPORT_REACHES, FRAMEWORKS, type FrameworkId } from "../../frameworks.js";

/** governor's own package root: the first package.json named "governor" above this module (the
 *  built CLI runs from dist/, the sources from src/mcp/dev/). */
export function packageRoot(from = path.dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    const file = path.join(dir, "package.json");
    if (existsSync(file)) {
      try {
        if (JSON.parse(readFileSync(file, "utf8")).name === "governor") return dir;
      } catch {
        // not ours: keep walking up
      }
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error("governor's package.json was not found above " + from);
    dir = up;
  }
}

function packageFile(rel: string): string {
  const file = path.join(packageRoot(), rel);
  try {
    return readFileSync(file, "utf8");
  } catch {
    throw new Error(`${rel} is not in this governor installation (${file}).`);
  }
}

/** What init writes and what gates the tools it cannot rewrite, per framework (docs/frameworks.md). */
const HOW: Record<FrameworkId, string[]> = {
  "ai-sdk": [
    '`tool({ execute })`: init wraps `execute` in `gate("<name>", fn, { input: "first" })`; the name is the key the tool is registered under in `tools: { ... }`.',
    "A denial is thrown: the SDK hands it to the model as a `tool-error` result (give `generateText` a `stopWhen` so the model gets a turn after it).",
    "Tools init cannot gate in place (a spread registry, `Object.fromEntries`, MCP client tools) are gated where they are handed over: `tools: governTools({ ... })`, `governTools(await client.tools())`.",
  ],
  langchain: [
    '`tool(fn, { name })`, `DynamicTool`, `DynamicStructuredTool`: init puts `gate(name, ..., { onDeny: "return" })` inside the function, so the refusal is the tool\'s output (the model reads it in the `ToolMessage`).',
    "Prebuilt tools (`new TavilySearch()`) have no code to rewrite: `governor/register` (preloaded, or imported first) gates them, or pass them through `governTools([...])`.",
  ],
  langgraph: [
    '`StructuredTool` subclasses in a `ToolNode`: init gates `_call` with `onDeny: "return"`, so `ToolNode` sends the refusal to the model as that call\'s `ToolMessage`.',
    "`new ToolNode(...)`, `createReactAgent`, `createAgent` sites holding tools init did not gate are wrapped with `governTools(...)`.",
  ],
  "openai-agents": [
    '`tool({ execute })`: init gives the tool an explicit `name`, then gates inside `execute` with `onDeny: "return"` (a thrown denial would reach the model as "Please try again").',
    "`agent.asTool()` and an Agent's `mcpServers` tools are gated at run time: `node --import governor/register app.js`, or `governTools([...])` around the tools you list.",
    "Hosted tools (`webSearchTool()`, `hostedMcpTool()`) run at OpenAI: no local layer can gate them, and governor says so.",
  ],
  mastra: [
    "`createTool({ id, execute })`: gated at the definition under the key the agent's `tools` object gives it, with `onDeny: \"return\"`; the gate sees the tool's input only, never `runtimeContext` or the `mastra` instance.",
    "An Agent's tools object can also go through `governTools({ ... })`; `governor/register` patches `Agent` from `@mastra/core`.",
  ],
  mcp: [
    "`server.registerTool(name, config, handler)`: init wraps the handler in `gate(name, handler)`; the client receives a denial as a result with `isError: true`.",
    "Task tools (`registerToolTask`) are gated by `governMcpServer(new McpServer(...))`; an SDK `Client` by `governMcpClient(new Client(...))`, so every `callTool` asks first.",
    "The runtime never writes to stdout, so stdio servers keep a clean channel.",
  ],
  openai: [
    'Your own loop over `openai` (or `groq-sdk`): init gates the dispatch, each `switch` branch, `if` test or handler-map call, around the value handed back to the model, with `onDeny: "return"`: a denial becomes the refusal text sent as the tool message with the same `tool_call_id`.',
    "A branch it cannot gate safely gets a `// governor: ...` comment saying what to do, and is listed as manual.",
  ],
  anthropic: [
    'Your own loop over `@anthropic-ai/sdk`: init gates the dispatch of each `tool_use` block (`handlers[block.name](block.input)`) with `onDeny: "return"`, so every block still gets its `tool_result` and the next call stays valid.',
    "A site it cannot gate safely gets a `// governor: ...` comment and is listed as manual.",
  ],
};

const COMMON = [
  'In every project `governor init` also puts `import "governor/register";` (or `require("governor/register");`) first in each entrypoint, writes `governor.config.json` with one intent per tool, appends the `GOVERNOR_*` variables to `.env.example`, adds the `governor` dependency, and keeps every original in `.governor/backup/` for `governor init --undo`.',
  "With this server: `governor_scan` (what is gated), `governor_plan` (the diff and a plan id), `governor_apply` (that plan, when the server runs with --allow-apply), then `governor_checklist`.",
];

export function frameworkGuide(id: FrameworkId): string {
  const f = FRAMEWORKS.find((x) => x.id === id)!;
  const via = FRAMEWORKS.find((x) => x.reachedVia?.includes(id));
  const hooks = f.instrument.length
    ? `\`governor/register\` hooks ${f.instrument.map((s) => `\`${s}\``).join(", ")}${ENTRY_IMPORT_REACHES.includes(id) ? " (preloaded with --import, or imported first in an ESM entrypoint)" : " (only when preloaded: `node --import governor/register`)"}.`
    : via
      ? `Its tools run through ${via.label}'s modules, which \`governor/register\` hooks.`
      : "Nothing to instrument: init gates your loop's dispatch in the code.";
  return [
    `# ${f.label} (\`${id}\`)`,
    "",
    `Packages: ${f.packages.map((p) => `\`${p}\``).join(", ")}. Supported: ${f.supported}.`,
    "",
    ...HOW[id].map((l) => `- ${l}`),
    `- ${hooks}`,
    "",
    ...COMMON.flatMap((p) => [p, ""]),
    "Before and after snippets of every form: docs/frameworks.md in the governor package.",
    "",
  ].join("\n");
}

/** The variables as README.md's table lists them, and the template init appends to .env.example. */
export function envGuide(): string {
  const readme = packageFile("README.md").split("\n");
  const start = readme.findIndex((l) => /^\|\s*variable\s*\|/.test(l));
  const table: string[] = [];
  for (let i = start; start !== -1 && i < readme.length && readme[i].startsWith("|"); i++)
    table.push(readme[i]);
  return [
    "# governor's environment variables",
    "",
    "The app's gate reads these at startup (an MCP server started by a client gets only a filtered environment: put them in its `env`, or `enforce` in governor.config.json). Never commit a key's value.",
    "",
    ...table,
    "",
    "## The template `governor init` appends to .env.example",
    "",
    "```sh",
    packageFile("templates/env.example").trimEnd(),
    "```",
    "",
  ].join("\n");
}

export function enforceContract(): string {
  return packageFile("docs/enforce-api.md");
}
