// OpenAI Agents registration sites: `new Agent({ tools: [...] })`, `Agent.create({...})`,
// `new RealtimeAgent({...})`. Where an agent's tools are not all gated at their definitions
// (`agent.asTool()`, hosted tools, tools from a factory or a spread), the list becomes
// governTools([...]) (function tools are gated in place; hosted ones pass through and are named at
// run time). An asTool the codemod marked manual is reported gated at its own line once every site
// its value reaches is wrapped. Runs once after every file (tool-lists.ts).
import { Node } from "ts-morph";
import type { FileCtx } from "../../context.js";
import { frameworkOfSpec } from "../../modules.js";
import { lineOf, unwrapExpr } from "../../nodes.js";
import type { Run } from "../types.js";
import { declOf, gatedDefinitions, markSite, ToolLists, type ListSite, type Source } from "../tool-lists.js";

const AGENTS = new Set(["Agent", "RealtimeAgent"]);

export function finishOpenAiAgents(files: FileCtx[], run: Run): void {
  const sites: ListSite[] = [];
  const sources: Source[] = [];
  for (const ctx of files) {
    if (!ctx.frameworks.has("openai-agents")) continue;
    for (const n of ctx.sf.getDescendants()) {
      if (!Node.isCallExpression(n) && !Node.isNewExpression(n)) continue;
      if (isAgentConstruction(ctx, n)) agentOptions(ctx, run, n, sites);
    }
    for (const f of ctx.findings) {
      if (f.framework !== "openai-agents" || f.form !== "asTool" || f.status !== "manual") continue;
      const call = ctx.sf.getDescendants().find((c) => {
        const e = Node.isCallExpression(c) ? c.getExpression() : null;
        return !!e && Node.isPropertyAccessExpression(e) && e.getName() === "asTool" && lineOf(c) === f.line;
      });
      if (call) sources.push({ ctx, at: call, values: [call], covered: true, framework: "openai-agents", name: f.name, what: "agent.asTool()", finding: f });
    }
  }
  if (!sites.length) return;
  const lists = new ToolLists(run.prog, sites, gatedDefinitions(run.prog.parsed()));
  lists.wrapSites();
  lists.claim(sources);
}

/** `new Agent(...)`, `new RealtimeAgent(...)`, `Agent.create(...)` of @openai/agents. */
function isAgentConstruction(ctx: FileCtx, n: Node): boolean {
  if (!Node.isCallExpression(n) && !Node.isNewExpression(n)) return false;
  let c = n.getExpression();
  if (Node.isCallExpression(n)) {
    if (!Node.isPropertyAccessExpression(c) || c.getName() !== "create") return false;
    c = c.getExpression();
  }
  let b: { spec: string; name: string } | undefined;
  if (Node.isIdentifier(c)) b = ctx.imports.get(c.getText());
  else if (Node.isPropertyAccessExpression(c) && Node.isIdentifier(c.getExpression())) {
    const ns = ctx.imports.get(c.getExpression().getText());
    if (ns && ns.name === "*") b = { spec: ns.spec, name: c.getName() };
  }
  return !!b && frameworkOfSpec(b.spec) === "openai-agents" && AGENTS.has(b.name);
}

function agentOptions(ctx: FileCtx, run: Run, n: Node, sites: ListSite[]): void {
  if (!Node.isCallExpression(n) && !Node.isNewExpression(n)) return;
  const arg = n.getArguments()[0];
  if (!arg) return;
  let obj = unwrapExpr(arg);
  if (Node.isIdentifier(obj)) {
    const d = declOf(run.prog, ctx, obj);
    const init = d && d.ctx === ctx && d.init ? unwrapExpr(d.init) : null;
    if (init && Node.isObjectLiteralExpression(init)) obj = init;
  }
  if (!Node.isObjectLiteralExpression(obj)) {
    markSite(ctx, n, "openai-agents", `this agent's options (${arg.getText().slice(0, 40)}) are built elsewhere, so its tools are not visible here; pass them through governTools([...]) from governor/runtime where they are listed`);
    return;
  }
  const p = obj.getProperty("tools");
  if (!p) {
    if (obj.getProperties().some((x) => Node.isSpreadAssignment(x)))
      markSite(ctx, n, "openai-agents", "this agent's tools may come from the spread options; pass them through governTools([...]) from governor/runtime where they are listed");
    return;
  }
  if (Node.isPropertyAssignment(p)) sites.push({ ctx, value: p.getInitializerOrThrow(), shorthand: false, framework: "openai-agents" });
  else if (Node.isShorthandPropertyAssignment(p)) sites.push({ ctx, value: p.getNameNode(), shorthand: true, framework: "openai-agents" });
}
