import { descendantsOfKind, descendantsOfKinds } from "../../walk.js";
// LangChain / LangGraph registration sites: `new ToolNode(tools)`, `createReactAgent({ tools })`,
// `createAgent({ tools })`, `model.bindTools(tools)`, `new AgentExecutor({ tools })` and the
// create*Agent helpers. Where a site's tools are not all gated at their definitions, the site
// becomes governTools(...) (LangChain tools are gated in place, so every later use of the same
// instance is gated too). Prebuilt instances (`new TavilySearch()`), `runnable.asTool()` and MCP
// adapter tools (`await client.getTools()`) are reported gated where they are made once every
// site their value reaches is wrapped. Runs once after every file (tool-lists.ts).
import { Node, SyntaxKind } from "ts-morph";
import type { FileCtx } from "../../context.js";
import { frameworkOfSpec } from "../../modules.js";
import { isLangChainSpec } from "../../../detectors/modules.js";
import { calleeBinding, constString, unwrapExpr } from "../../nodes.js";
import type { Run } from "../types.js";
import {
  gatedDefinitions,
  markSite,
  optionsSite,
  paramNamed,
  ToolLists,
  type ListSite,
  type Source,
} from "../tool-lists.js";

/** Takers whose first argument is an options object with `tools`. */
const OPTION_TAKERS = new Set([
  "createReactAgent",
  "createAgent",
  "AgentExecutor",
  "createToolCallingAgent",
  "createOpenAIToolsAgent",
  "createOpenAIFunctionsAgent",
  "createStructuredChatAgent",
  "createXmlAgent",
]);
// Classes the codemod gates where they are defined, or that are no tools.
const NOT_PREBUILT = new Set([
  "DynamicTool",
  "DynamicStructuredTool",
  "StructuredTool",
  "Tool",
  "ToolNode",
  "StateGraph",
  "MultiServerMCPClient",
]);
// Uses of an MCP adapter client that hand out no tools.
const CLIENT_METHODS = new Set(["close", "initializeConnections", "getClient", "restartServer"]);

export function finishLangChain(files: FileCtx[], run: Run): void {
  const lc = files.filter((c) => c.frameworks.has("langchain") || c.frameworks.has("langgraph"));
  if (!lc.length) return;
  const sites: ListSite[] = [];
  const sources: Source[] = [];
  for (const ctx of lc) collect(ctx, run, sites, sources);
  if (!sites.length) return;
  const lists = new ToolLists(run.prog, sites, gatedDefinitions(run.prog.parsed()));
  lists.wrapSites();
  lists.claim(sources);
}

function collect(ctx: FileCtx, run: Run, sites: ListSite[], sources: Source[]): void {
  const importsAgents = ctx.frameworks.has("openai-agents");
  for (const n of descendantsOfKinds(ctx.sf, [
    SyntaxKind.CallExpression,
    SyntaxKind.NewExpression,
  ])) {
    if (!Node.isCallExpression(n) && !Node.isNewExpression(n)) continue;
    const callee = n.getExpression();
    const args = n.getArguments();
    const b = calleeBinding(ctx, callee);
    const framework = b && frameworkOfSpec(b.spec) === "langgraph" ? "langgraph" : "langchain";
    const member = unwrapExpr(callee); // model.bindTools!(tools)
    if (Node.isCallExpression(n) && Node.isPropertyAccessExpression(member)) {
      const method = member.getName();
      // model.bindTools(tools): `tools.map(toSchema)` hands out schemas, nothing to gate.
      if (method === "bindTools" && args[0] && !/\.map\s*\(/.test(args[0].getText()))
        sites.push({ ctx, value: args[0], shorthand: false, framework: "langchain" });
      if (method === "asTool" && !importsAgents)
        sources.push({
          ctx,
          at: n,
          values: [n],
          covered: true,
          framework: "langchain",
          name: nameOption(ctx, args[0]),
          what: `${member.getExpression().getText()}.asTool()`,
        });
    }
    if (!b || !isLangChainSpec(b.spec)) {
      if (Node.isNewExpression(n)) prebuilt(ctx, run, n, b, sources);
      continue;
    }
    if (Node.isNewExpression(n) && b.name === "ToolNode") {
      if (args[0]) sites.push({ ctx, value: args[0], shorthand: false, framework: "langgraph" });
      continue;
    }
    if (Node.isNewExpression(n) && b.name === "MultiServerMCPClient") {
      mcpClient(ctx, n, sources);
      continue;
    }
    if (OPTION_TAKERS.has(b.name)) {
      toolsOption(ctx, run, n, args[0], framework, b.name === "createReactAgent", sites);
      continue;
    }
    if (Node.isNewExpression(n)) prebuilt(ctx, run, n, b, sources);
  }
}

/** `{ tools }` of an options object; createReactAgent's may be a ToolNode handed in as a parameter. */
function toolsOption(
  ctx: FileCtx,
  run: Run,
  call: Node,
  arg: Node | undefined,
  framework: "langchain" | "langgraph",
  mayBeToolNode: boolean,
  sites: ListSite[],
): void {
  const site = optionsSite(run.prog, ctx, call, arg, framework, sites, mayBeToolNode);
  const v = site && !site.shorthand ? unwrapExpr(site.value) : null;
  if (mayBeToolNode && v && Node.isIdentifier(v) && paramNamed(v, v.getText()))
    markSite(
      ctx,
      call,
      framework,
      "createReactAgent's tools come from a parameter (a tools array or a ToolNode); pass the array through governTools([...]) from governor/runtime where it is made",
    );
}

/** `new X(...)` of a class from a library (or a module outside the project): a prebuilt tool when its value reaches a tools site. */
function prebuilt(
  ctx: FileCtx,
  run: Run,
  n: Node,
  b: { spec: string; name: string } | null,
  sources: Source[],
): void {
  if (!Node.isNewExpression(n)) return;
  const callee = n.getExpression();
  if (
    !b ||
    NOT_PREBUILT.has(b.name) ||
    b.spec === "@langchain/core/tools" ||
    frameworkOfSpec(b.spec) === "langgraph"
  )
    return;
  if (frameworkOfSpec(b.spec) && !isLangChainSpec(b.spec)) return; // another framework's class
  if (run.prog.resolve(ctx.path, b.spec)) return; // the project's own class: its definition is gated (or named) in place
  sources.push({
    ctx,
    at: n,
    values: [n],
    covered: true,
    framework: "langchain",
    name: nameOption(ctx, n.getArguments()[0]),
    what: `new ${callee.getText()}() from ${b.spec}`,
  });
}

/** `const client = new MultiServerMCPClient(...)`: covered when every use is getTools() or a harmless method. */
function mcpClient(ctx: FileCtx, n: Node, sources: Source[]): void {
  let holder: Node = n;
  while (
    Node.isParenthesizedExpression(holder.getParent()!) ||
    Node.isAwaitExpression(holder.getParent()!)
  )
    holder = holder.getParent()!;
  const d = holder.getParent();
  const src: Source = {
    ctx,
    at: n,
    values: [],
    covered: false,
    framework: "langchain",
    name: null,
    what: "MCP client tools (new MultiServerMCPClient())",
  };
  sources.push(src);
  if (!d || !Node.isVariableDeclaration(d) || !Node.isIdentifier(d.getNameNode())) return;
  const name = d.getName();
  const scope = d.getFirstAncestor((a) => Node.isFunctionLikeDeclaration(a)) ?? ctx.sf;
  src.covered = true;
  for (const id of descendantsOfKind(scope, SyntaxKind.Identifier)) {
    if (id.getText() !== name || id === d.getNameNode()) continue;
    const p = id.getParent();
    if (p && Node.isPropertyAccessExpression(p) && p.getNameNode() === id) continue;
    const access = p && Node.isPropertyAccessExpression(p) && p.getExpression() === id ? p : null;
    const call = access?.getParent();
    if (access && call && Node.isCallExpression(call) && call.getExpression() === access) {
      if (access.getName() === "getTools") src.values.push(call);
      else if (!CLIENT_METHODS.has(access.getName())) src.covered = false;
    } else src.covered = false; // handed on: its tools may be listed elsewhere
  }
}

function nameOption(ctx: FileCtx, arg: Node | undefined): string | null {
  const o = arg && unwrapExpr(arg);
  if (!o || !Node.isObjectLiteralExpression(o)) return null;
  const p = o.getProperty("name");
  return p && Node.isPropertyAssignment(p) ? constString(ctx, p.getInitializer()) : null;
}
