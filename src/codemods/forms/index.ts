// Every codemod form, in the order they run on a file. Adding a framework: its forms in
// forms/<framework>/, one entry here. Earlier forms claim sites (ctx.claimed) before
// later, more general ones look at them.
import type { Form } from "./types.js";
import { gateAiSdk } from "./ai-sdk/tool.js";
import { finishAiSdk } from "./ai-sdk/registration.js";
import { gateLangChain } from "./langchain/tool.js";
import { gateLangChainClasses } from "./langchain/classes.js";
import { gateOpenAiAgents } from "./openai-agents/tool.js";
import { finishLangChain } from "./langchain/registration.js";
import { finishOpenAiAgents } from "./openai-agents/registration.js";
import { gateMastra } from "./mastra/tool.js";
import { gateMcp } from "./mcp/server.js";
import { finishMcp } from "./mcp/registration.js";
import { gateMcpClients } from "./mcp/client.js";
import { gateSdkRunners } from "./sdk-loops/runners.js";
import { gateRawLoops, loopApplies } from "./sdk-loops/loops.js";

export type { Form, Run } from "./types.js";

/** `extends` and, after it, `_call(`: a search from the first `extends`, not a backtracking `[\s\S]*`. */
function classWithCall(text: string): boolean {
  const ext = /\bextends\b/.exec(text);
  if (!ext) return false;
  const call = /\b_call\s*\(/g;
  call.lastIndex = ext.index + ext[0].length;
  return call.test(text);
}
const REGISTERS_MCP_TOOL = /\.(?:registerTool\s*\(|tool\s*\(\s*["'`])/;

export const FORMS: readonly Form[] = [
  {
    id: "ai-sdk/tool",
    frameworks: ["ai-sdk"],
    applies: () => true,
    run: (ctx, r) => gateAiSdk(r.prog, ctx, r.aiSdkNames),
  },
  { id: "ai-sdk/registration", frameworks: ["ai-sdk"], finish: finishAiSdk },
  {
    id: "langchain/tool",
    frameworks: ["langchain", "langgraph"],
    run: (ctx, r) => gateLangChain(ctx, r),
  },
  {
    id: "langchain/classes",
    frameworks: ["langchain", "langgraph"],
    // A tool class may extend the project's own base in another file, importing no LangChain itself.
    applies: (ctx, r) =>
      (r.wanted("langchain") || r.wanted("langgraph")) &&
      (ctx.frameworks.has("langchain") ||
        ctx.frameworks.has("langgraph") ||
        classWithCall(ctx.text)),
    run: (ctx, r) => gateLangChainClasses(r.prog, ctx),
  },
  { id: "langchain/registration", frameworks: ["langchain", "langgraph"], finish: finishLangChain },
  {
    id: "openai-agents/tool",
    frameworks: ["openai-agents"],
    run: (ctx, r) => gateOpenAiAgents(ctx, r),
  },
  { id: "openai-agents/registration", frameworks: ["openai-agents"], finish: finishOpenAiAgents },
  {
    id: "mastra/tool",
    frameworks: ["mastra"],
    run: (ctx, r) => gateMastra(r.prog, ctx, r.aiSdkNames),
  },
  {
    id: "mcp/server",
    frameworks: ["mcp"],
    // A file that does not import MCP itself may still register tools on a server passed in.
    applies: (ctx, r) =>
      ctx.frameworks.has("mcp") || (r.projectUsesMcp && REGISTERS_MCP_TOOL.test(ctx.text)),
    run: (ctx) => gateMcp(ctx, !ctx.frameworks.has("mcp")),
    finish: finishMcp,
  },
  { id: "mcp/client", frameworks: ["mcp"], run: (ctx) => gateMcpClients(ctx) },
  {
    id: "sdk-loops/loops",
    frameworks: ["openai", "anthropic"],
    applies: (ctx, r) => loopApplies(ctx, r.prog),
    // One form: the loop form only reports "no dispatch recognised" when the runners found nothing.
    run: (ctx, r) => {
      gateSdkRunners(ctx);
      gateRawLoops(ctx, r.prog);
    },
  },
];
