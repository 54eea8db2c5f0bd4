// Registration-site wrappers: gate tools where they are handed to the framework, by the name the
// model uses, at run time. Same type in, same type out.
import { aiSdk, langchain, mastra, mcp, openaiAgents } from "./adapters/index.js";
import { hostOf, type GovernOptions } from "./govern.js";
import { isSchemaOnlyTool, warnSchemaOnly } from "./adapters/schema-tools.js";

export type { GovernOptions } from "./govern.js";

function describe(x: unknown): string {
  if (x === null || typeof x !== "object") return typeof x;
  const name = (x as { name?: unknown; id?: unknown }).name ?? (x as { id?: unknown }).id;
  const ctor = (x as object).constructor?.name;
  return `${typeof name === "string" ? `"${name}"` : "an object"}${ctor && ctor !== "Object" ? ` (${ctor})` : ""}`;
}

/**
 * Gate every tool in `tools` by the name the model calls it: an AI SDK ToolSet or a Mastra tools
 * object (the key is the name), or an array of LangChain tools or OpenAI Agents tools (`tool.name`;
 * `agent.asTool()` results included). Tools gated at their definition are not checked twice;
 * governing twice is a no-op. `undefined` and `null` (an agent with no tools) come back as they are.
 * Array entries nothing in this process runs (OpenAI Agents hosted tools, JSON-schema tool
 * definitions, provider built-ins) are passed on unchanged and named once on stderr. Throws a
 * TypeError naming anything else it cannot gate (a tool with a function governor does not know).
 */
export function governTools<T>(tools: T, options?: GovernOptions): T {
  if (tools === undefined || tools === null) return tools;
  const host = hostOf(options?.governor);
  if (Array.isArray(tools)) {
    const unknown = tools.filter(
      (t) => !openaiAgents.isAgentsTool(t) && !langchain.isLangChainTool(t) && !isSchemaOnlyTool(t),
    );
    if (unknown.length)
      throw new TypeError(
        `governTools: cannot gate ${unknown.map(describe).join(", ")}: not a LangChain or OpenAI Agents tool. Gate it with gate(name, fn).`,
      );
    const out = tools.map((t) => {
      if (openaiAgents.isAgentsTool(t))
        return openaiAgents.governAgentsTool(t, host, "registration");
      if (langchain.isLangChainTool(t))
        return langchain.governLangChainTool(t, host, "registration");
      warnSchemaOnly(t);
      return t;
    });
    // Same array when every tool was patched in place (LangChain instances), so callers holding it see the change.
    return (out.every((t, i) => t === tools[i]) ? tools : out) as T;
  }
  if (tools && typeof tools === "object") {
    if (mastra.isMastraToolSet(tools)) return mastra.governMastraTools(tools, host, "registration");
    if (aiSdk.isToolSet(tools)) return aiSdk.governToolSet(tools, host, "registration");
  }
  throw new TypeError(
    `governTools: expected an AI SDK or Mastra tools object, or an array of LangChain or OpenAI Agents tools; got ${describe(tools)}.`,
  );
}

/** Gate every tools/call an MCP server answers (McpServer or low-level Server), by `params.name`;
 *  tools registered before or after this call. Returns the same server. */
export function governMcpServer<T extends object>(server: T, options?: GovernOptions): T {
  return mcp.governServer(server, hostOf(options?.governor), "registration");
}

/** Gate every tools/call an MCP Client sends, whichever method sends it. Returns the same client. */
export function governMcpClient<T extends object>(client: T, options?: GovernOptions): T {
  return mcp.governClient(client, hostOf(options?.governor), "registration");
}
