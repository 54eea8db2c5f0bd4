import { descendantsOfKind, descendantsOfKinds } from "../../walk.js";
// OpenAI Agents registration sites: `new Agent({ tools: [...] })`, `Agent.create({...})`,
// `new RealtimeAgent({...})`. Where an agent's tools are not all gated at their definitions
// (`agent.asTool()`, hosted tools, tools from a factory or a spread), the list becomes
// governTools([...]) (function tools are gated in place; hosted ones pass through and are named at
// run time). An asTool the codemod marked manual is reported gated at its own line once every site
// its value reaches is wrapped. Runs once after every file (tool-lists.ts).
import { Node, SyntaxKind, ts } from "ts-morph";
import type { FileCtx } from "../../context.js";
import { frameworkOfSpec } from "../../modules.js";
import { lineOf } from "../../nodes.js";
import { calleeBindingRaw } from "../../raw.js";
import type { Run } from "../types.js";
import {
  gatedDefinitions,
  optionsSite,
  ToolLists,
  type ListSite,
  type Source,
} from "../tool-lists.js";

const AGENTS = new Set(["Agent", "RealtimeAgent"]);

export function finishOpenAiAgents(files: FileCtx[], run: Run): void {
  const sites: ListSite[] = [];
  const sources: Source[] = [];
  for (const ctx of files) {
    if (!ctx.frameworks.has("openai-agents")) continue;
    const construction = (c: ts.Node) => mayConstructAgent(ctx, c);
    for (const n of descendantsOfKinds(
      ctx.sf,
      [SyntaxKind.CallExpression, SyntaxKind.NewExpression],
      construction,
    )) {
      // the keep filter is the whole test: a construction of an OpenAI Agents agent
      if (Node.isCallExpression(n) || Node.isNewExpression(n))
        optionsSite(run.prog, ctx, n, n.getArguments()[0], "openai-agents", sites);
    }
    let asToolCalls: Node[] | undefined;
    for (const f of ctx.findings) {
      if (f.framework !== "openai-agents" || f.form !== "asTool" || f.status !== "manual") continue;
      asToolCalls ??= descendantsOfKind(ctx.sf, SyntaxKind.CallExpression, isAsToolCall);
      const call = asToolCalls.find((c) => {
        const e = Node.isCallExpression(c) ? c.getExpression() : null;
        return (
          !!e &&
          Node.isPropertyAccessExpression(e) &&
          e.getName() === "asTool" &&
          lineOf(c) === f.line
        );
      });
      if (call)
        sources.push({
          ctx,
          at: call,
          values: [call],
          covered: true,
          framework: "openai-agents",
          name: f.name,
          what: "agent.asTool()",
          finding: f,
        });
    }
  }
  if (!sites.length) return;
  const lists = new ToolLists(run.prog, sites, gatedDefinitions(run.prog.parsed()));
  lists.wrapSites();
  lists.claim(sources);
}

const isAsToolCall = (c: ts.Node) => {
  const e = (c as ts.CallExpression).expression;
  return ts.isPropertyAccessExpression(e) && e.name.text === "asTool";
};

/** `new Agent(...)`, `new RealtimeAgent(...)`, `Agent.create(...)` of @openai/agents, asked of the
 *  compiler node before any wrapper is made. */
function mayConstructAgent(ctx: FileCtx, n: ts.Node): boolean {
  let c = (n as ts.CallExpression | ts.NewExpression).expression;
  if (ts.isCallExpression(n)) {
    if (!ts.isPropertyAccessExpression(c) || c.name.text !== "create") return false;
    c = c.expression;
  }
  const b = calleeBindingRaw(ctx, c);
  return !!b && frameworkOfSpec(b.spec) === "openai-agents" && AGENTS.has(b.name);
}
