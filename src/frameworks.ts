// The one registry of agent frameworks governor knows: names, package specifiers, detection and
// what the runtime hooks. A leaf module (imports nothing), read by detectors, codemods, doctor and
// the runtime. Adding a framework is one entry here, one codemod folder, one runtime adapter.

export type FrameworkId =
  | "ai-sdk"
  | "langchain"
  | "langgraph"
  | "openai-agents"
  | "mastra"
  | "mcp"
  | "openai"
  | "anthropic";

export interface FrameworkInfo {
  id: FrameworkId;
  /** How people call it. */
  label: string;
  /** npm packages whose presence (dependency or import) means the framework is used. */
  packages: string[];
  /** Does an import specifier belong to this framework? Checked in registry order. */
  matches(spec: string): boolean;
  /** Module specifiers `governor/register` hooks, exactly as apps and libraries import them. The
   *  patch code lives in src/runtime/adapters/<id>.ts. Empty: nothing to instrument (raw SDK loops
   *  are gated at their dispatch by init). */
  instrument: string[];
  /** Versions the adapter was built for (major lines), for doctor and the debug line. */
  supported: string;
  /** Frameworks whose tools run through this one's instrumented modules (LangGraph's through
   *  @langchain/core): using them means this one is hooked too. */
  reachedVia?: FrameworkId[];
  /** Is a package of this name the framework itself (its SDK, as its own repository holds it)?
   *  `matches` when not given; given where a scope also names apps (`@modelcontextprotocol/server-memory`). */
  own?(name: string): boolean;
}

const pkg = (name: string) => (spec: string) => spec === name || spec.startsWith(name + "/");

// In the order reports list them.
export const FRAMEWORKS: readonly FrameworkInfo[] = [
  {
    id: "ai-sdk",
    label: "Vercel AI SDK",
    packages: ["ai"],
    matches: (s) => pkg("ai")(s) || s.startsWith("@ai-sdk/"),
    instrument: ["ai"],
    supported: "ai 5.x, 6.x",
  },
  {
    id: "langchain",
    label: "LangChain.js",
    packages: ["langchain", "@langchain/core"],
    matches: (s) =>
      pkg("langchain")(s) || (s.startsWith("@langchain/") && !s.startsWith("@langchain/langgraph")),
    // runnables: RunnableToolLike (runnable.asTool), which is not a StructuredTool.
    instrument: ["@langchain/core/tools", "@langchain/core/runnables"],
    reachedVia: ["langgraph"],
    supported: "@langchain/core 1.x",
  },
  {
    id: "langgraph",
    label: "LangGraph",
    packages: ["@langchain/langgraph"],
    matches: (s) => s.startsWith("@langchain/langgraph"),
    instrument: [],
    supported: "@langchain/langgraph 1.x (tools run through @langchain/core)",
  },
  {
    id: "openai-agents",
    label: "OpenAI Agents",
    packages: ["@openai/agents", "@openai/agents-core"],
    matches: (s) => s.startsWith("@openai/agents"),
    own: (n) => n === "@openai/agents" || n.startsWith("@openai/agents-"),
    instrument: ["@openai/agents-core"],
    supported: "@openai/agents 0.x",
  },
  {
    id: "mastra",
    label: "Mastra",
    packages: ["@mastra/core"],
    matches: (s) => s.startsWith("@mastra/"),
    // Agent is patched on its prototype (Mastra's own chunks import each other by relative path,
    // so only the entry points apps import are hookable): the subpath, and the 0.x root re-export.
    instrument: ["@mastra/core/agent", "@mastra/core"],
    supported: "@mastra/core 0.24.x (tested), 1.x (by its API: Agent.convertTools, listTools)",
    // its monorepo also holds examples and templates under other names
    own: (n) => n.startsWith("@mastra/") && !/example|template|demo/.test(n),
  },
  {
    id: "mcp",
    label: "MCP TypeScript SDK",
    packages: ["@modelcontextprotocol/sdk"],
    matches: (s) => s.startsWith("@modelcontextprotocol/"),
    instrument: [
      "@modelcontextprotocol/sdk/server/index.js",
      "@modelcontextprotocol/sdk/server/mcp.js",
      "@modelcontextprotocol/sdk/client/index.js",
      // Export-map aliases of server/index.js and client/index.js.
      "@modelcontextprotocol/sdk/server",
      "@modelcontextprotocol/sdk/client",
    ],
    supported: "@modelcontextprotocol/sdk 1.x",
    // the SDK (1.x) and its 2.x split packages; the servers are named server-*
    own: (n) => /^@modelcontextprotocol\/(?:sdk|core|server|client|node|express|hono)$/.test(n),
  },
  {
    id: "openai",
    label: "OpenAI SDK (your own loop)",
    packages: ["openai", "groq-sdk"], // groq-sdk: the same chat.completions API and loop shapes
    matches: (s) => pkg("openai")(s) || pkg("groq-sdk")(s),
    instrument: [],
    supported: "openai 5.x, 6.x",
  },
  {
    id: "anthropic",
    label: "Anthropic SDK (your own loop)",
    packages: ["@anthropic-ai/sdk"],
    matches: pkg("@anthropic-ai/sdk"),
    instrument: [],
    supported: "@anthropic-ai/sdk 0.x, 1.x",
  },
];

export const FRAMEWORK_IDS: readonly FrameworkId[] = FRAMEWORKS.map((f) => f.id);

export function frameworkOf(spec: string): FrameworkId | null {
  for (const f of FRAMEWORKS) if (f.matches(spec)) return f.id;
  return null;
}

/** The framework a package of this name is the source of, or null (an app, or a library that uses one). */
export function frameworkOwning(name: string | null): FrameworkId | null {
  return (name && FRAMEWORKS.find((f) => (f.own ?? f.matches)(name))?.id) || null;
}

export function frameworkInfo(id: FrameworkId): FrameworkInfo {
  return FRAMEWORKS.find((f) => f.id === id)!;
}

/** The installed versions governor's adapters know, per package: `tested` ran in governor's own
 *  tests, `api` is supported from the package's published API without a test here (version prefixes). */
export const KNOWN_VERSIONS: Readonly<Record<string, { tested: string[]; api: string[] }>> = {
  ai: { tested: ["6."], api: ["5."] },
  "@langchain/core": { tested: ["1."], api: [] },
  "@openai/agents": { tested: ["0.14."], api: ["0."] },
  "@openai/agents-core": { tested: ["0.14."], api: ["0."] },
  "@modelcontextprotocol/sdk": { tested: ["1.32."], api: ["1."] },
  "@mastra/core": { tested: ["0.24."], api: ["1."] },
};

/** Every specifier governor/register hooks, with its framework. */
export function instrumentedModules(): { framework: FrameworkId; specifier: string }[] {
  return FRAMEWORKS.flatMap((f) =>
    f.instrument.map((specifier) => ({ framework: f.id, specifier })),
  );
}

// ---- What doctor reads to say what no layer gates (static coverage) ----

/** Which frameworks governor/register reaches when it is only `import`ed by an ESM entrypoint: the
 *  entrypoint's static imports are linked before it runs, so exports cannot be rebound, but it loads
 *  the app's own copies synchronously and patches class prototypes before any app module runs
 *  (LangChain tools, OpenAI Agents' Agent, Mastra's Agent, MCP Server/McpServer/Client). AI SDK is not
 *  here: its generateText/streamText are exported functions (only ToolLoopAgent is a prototype). */
export const ENTRY_IMPORT_REACHES: readonly FrameworkId[] = [
  "langchain",
  "langgraph",
  "openai-agents",
  "mastra",
  "mcp",
];

/** Agent frameworks governor has no codemod, wrapper or instrumentation for yet. Their tools run
 *  ungated unless each function is wrapped in gate(name, fn) by hand; doctor names every import. */
export interface UnsupportedFramework {
  label: string;
  /** Package names (exact, or a scope ending in "/"). */
  packages: string[];
  /** How its tools are declared, for the message. */
  tools: string;
}

export const UNSUPPORTED_FRAMEWORKS: readonly UnsupportedFramework[] = [
  {
    label: "LlamaIndex.TS",
    packages: ["llamaindex", "@llamaindex/"],
    tools: "FunctionTool.from / tool()",
  },
  {
    label: "Google Gen AI (function calling)",
    packages: ["@google/genai", "@google/generative-ai", "@google-cloud/vertexai"],
    tools: "functionDeclarations",
  },
  { label: "Genkit", packages: ["genkit", "@genkit-ai/"], tools: "ai.defineTool" },
  {
    label: "Amazon Bedrock (agents, Converse tool use)",
    packages: ["@aws-sdk/client-bedrock-agent-runtime", "@aws-sdk/client-bedrock-runtime"],
    tools: "action groups / toolConfig",
  },
  {
    label: "Claude Agent SDK",
    packages: ["@anthropic-ai/claude-agent-sdk"],
    tools: "tool() / createSdkMcpServer",
  },
  {
    label: "Mistral (function calling)",
    packages: ["@mistralai/mistralai"],
    tools: 'tools: [{ type: "function" }]',
  },
  { label: "Cohere (tool use)", packages: ["cohere-ai"], tools: "tools: [...]" },
  { label: "VoltAgent", packages: ["@voltagent/core"], tools: "createTool" },
  {
    label: "LangGraph Platform SDK (remote graphs)",
    packages: ["@langchain/langgraph-sdk"],
    tools: "tools run on the LangGraph server, not in this process",
  },
  { label: "Inngest AgentKit", packages: ["@inngest/agent-kit"], tools: "createTool({ handler })" },
  {
    label: "KaibanJS",
    packages: ["kaibanjs", "@kaibanjs/"],
    tools: "agents' tools, @kaibanjs/tools included",
  },
  {
    label: "BeeAI Framework",
    packages: ["beeai-framework"],
    tools: "DynamicTool / Tool subclasses",
  },
  { label: "Google ADK", packages: ["@google/adk"], tools: "FunctionTool({ execute })" },
  { label: "Strands Agents", packages: ["@strands-agents/sdk"], tools: "tool({ callback })" },
  { label: "Convex Agent", packages: ["@convex-dev/agent"], tools: "createTool({ handler })" },
  { label: "Ax (ax-llm)", packages: ["@ax-llm/ax"], tools: "functions: [{ name, func }]" },
  { label: "ElizaOS", packages: ["@elizaos/core"], tools: "action handlers" },
  {
    label: "CopilotKit",
    packages: ["@copilotkit/"],
    tools: "useCopilotAction / actions: [{ name, handler }]",
  },
  {
    label: "Azure AI Agents",
    packages: ["@azure/ai-agents", "@azure/ai-projects"],
    tools: "function tools run by your own loop",
  },
  {
    label: "Ollama (function calling)",
    packages: ["ollama"],
    tools: 'tools: [{ type: "function" }] in your own loop',
  },
];

export function unsupportedFrameworkOf(spec: string): UnsupportedFramework | null {
  for (const f of UNSUPPORTED_FRAMEWORKS)
    if (
      f.packages.some((p) =>
        p.endsWith("/") ? spec.startsWith(p) : spec === p || spec.startsWith(p + "/"),
      )
    )
      return f;
  return null;
}

/** Modules prebuilt LangChain tools come from (`new TavilySearch()`, `new Calculator()`): a tools
 *  path of a LangChain package, or a package that only ships tools. Init cannot rewrite these (their
 *  code is in node_modules); instrumentation or governTools must gate them. */
export function isLibraryToolModule(spec: string): boolean {
  if (spec === "@langchain/core/tools" || spec.startsWith("@langchain/langgraph")) return false; // the codemod's own forms; ToolNode
  if (/^(?:@langchain\/[^/]+|langchain)\/(?:.+\/)?tools?(?:\/|$)/.test(spec)) return true;
  return LIBRARY_TOOL_PACKAGES.some((p) => spec === p || spec.startsWith(p + "/"));
}

/** Packages that are prebuilt tools whatever the path (the others say `tools` in it). */
export const LIBRARY_TOOL_PACKAGES = [
  "@langchain/tavily",
  "@langchain/exa",
  "@langchain/google-community",
];
