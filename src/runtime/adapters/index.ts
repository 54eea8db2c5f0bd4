// Every framework's runtime adapter, by id (src/frameworks.ts). Adapters import no framework.
import type { FrameworkId } from "../../frameworks.js";
import * as aiSdk from "./ai-sdk.js";
import * as langchain from "./langchain.js";
import * as mastra from "./mastra.js";
import * as mcp from "./mcp.js";
import * as openaiAgents from "./openai-agents.js";
import type { InstrumentationAdapter } from "./types.js";

export const ADAPTERS: Partial<Record<FrameworkId, InstrumentationAdapter>> = {
  "ai-sdk": aiSdk.instrumentation,
  langchain: langchain.instrumentation,
  "openai-agents": openaiAgents.instrumentation,
  mastra: mastra.instrumentation,
  mcp: mcp.instrumentation,
};

export { aiSdk, langchain, mastra, mcp, openaiAgents };
