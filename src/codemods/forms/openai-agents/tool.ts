import { descendantsOfKind } from "../../walk.js";
// OpenAI Agents JS: tool({ name?, execute }) and agent.asTool(...).
import { Node, SyntaxKind, ts } from "ts-morph";
import type { FileCtx } from "../../context.js";
import { eolOf, lineStartOf } from "../../../runtime/shared.js";
import { calleeBinding, constString, findMember, unwrapExpr } from "../../nodes.js";
import { frameworkOfSpec } from "../../modules.js";
import { calleeBindingRaw } from "../../raw.js";
import { manual, nameFrom, nameNodeOf, wrapProperty, type Site } from "../../wrap.js";
import { reportFactoryCalls } from "../../factory-calls.js";
import type { Run } from "../types.js";

// A refusal is the tool's output: a thrown denial would reach the model as "An error occurred
// while running the tool. Please try again. Error: ...", an invitation to retry.
const RETURN = '{ onDeny: "return" }';

/** `x.asTool(...)`, or `tool(...)` from OpenAI Agents: asked of the compiler node, before a wrapper. */
function mayDefineAgentTool(ctx: FileCtx, call: ts.CallExpression): boolean {
  const c = call.expression;
  if (ts.isPropertyAccessExpression(c) && c.name.text === "asTool") return true;
  const b = calleeBindingRaw(ctx, c);
  return !!b && b.name === "tool" && frameworkOfSpec(b.spec) === "openai-agents";
}

/** `run`: for a tool named by a parameter of a project factory, its call sites are reported (factory-calls.ts). */
export function gateOpenAiAgents(ctx: FileCtx, run?: Run): void {
  for (const call of descendantsOfKind(ctx.sf, SyntaxKind.CallExpression, (c) =>
    mayDefineAgentTool(ctx, c as ts.CallExpression),
  )) {
    const callee = call.getExpression();
    if (Node.isPropertyAccessExpression(callee) && callee.getName() === "asTool") {
      gateAsTool(ctx, call);
      continue;
    }
    const b = calleeBinding(ctx, callee);
    if (!b || frameworkOfSpec(b.spec) !== "openai-agents" || b.name !== "tool") continue;
    const obj = call.getArguments()[0] && unwrapExpr(call.getArguments()[0]);
    const site: Site = {
      framework: "openai-agents",
      form: "tool",
      name: null,
      nameConfidence: "low",
      at: call,
    };
    if (!obj || !Node.isObjectLiteralExpression(obj)) {
      manual(
        ctx,
        site,
        'tool() options are built elsewhere; wrap their execute in gate("<name>", fn) by hand',
      );
      continue;
    }
    const exec = findMember(obj, "execute");
    if (!exec) continue;
    const nameProp = obj.getProperty("name");
    if (nameProp) {
      if (nameFrom(ctx, site, nameNodeOf(obj)) === "manual") {
        manual(
          ctx,
          site,
          'the tool\'s name is not a plain string here; wrap its execute in gate("<name>", fn) by hand',
        );
        continue;
      }
      // The SDK sanitises every name ("send-email" is "send_email" to the model): gate under that.
      const given = site.name;
      if (given !== null) site.name = toFunctionToolName(given);
      wrapProperty(ctx, site, exec, true, RETURN);
      if (given !== null && given !== site.name)
        ctx.findings[ctx.findings.length - 1].reason =
          `the SDK sends ${JSON.stringify(given)} to the model as ${JSON.stringify(site.name)}`;
      if (site.nameExpr) {
        ctx.findings[ctx.findings.length - 1].reason =
          `name computed at runtime from ${site.nameExpr}`;
        reportFactoryCalls(ctx, run, call, site.nameExpr);
      }
      continue;
    }
    // No name: the SDK names the tool after execute's function name, which a wrapper would erase.
    if (obj.getProperties().some((p) => Node.isSpreadAssignment(p))) {
      manual(
        ctx,
        site,
        'the tool\'s name may come from the spread options; make name explicit and wrap execute in gate("<name>", fn) by hand',
      );
      continue;
    }
    const derived = executeFunctionName(ctx, exec);
    if (!derived) {
      manual(
        ctx,
        site,
        'this tool has no name and execute is anonymous; add name: "<tool name>" and wrap execute in gate(...) by hand',
      );
      continue;
    }
    site.form = "tool-named-by-execute";
    site.name = toFunctionToolName(derived.name);
    site.nameConfidence = derived.conf;
    const start = exec.getStart();
    const line = lineStartOf(ctx.text, start);
    const sep =
      line.start + line.indent.length === start ? `${eolOf(ctx.text)}${line.indent}` : " "; // execute on a line of its own
    ctx.edits.push({ start, end: start, text: `name: ${JSON.stringify(site.name)},${sep}` });
    wrapProperty(ctx, site, exec, true, RETURN);
    ctx.findings[ctx.findings.length - 1].reason =
      "explicit name added (it was derived from execute's function name)";
  }
}

function executeFunctionName(
  ctx: FileCtx,
  exec: Node,
): { name: string; conf: "high" | "medium" } | null {
  if (Node.isMethodDeclaration(exec)) return { name: exec.getName(), conf: "high" };
  if (Node.isShorthandPropertyAssignment(exec)) return { name: "execute", conf: "medium" };
  if (!Node.isPropertyAssignment(exec)) return null;
  const v = unwrapExpr(exec.getInitializerOrThrow());
  if (Node.isFunctionExpression(v))
    return v.getName() ? { name: v.getName()!, conf: "high" } : null;
  if (Node.isIdentifier(v)) {
    const id = v.getText();
    if (ctx.sf.getFunction(id)) return { name: id, conf: "high" };
    const d = ctx.sf.getVariableDeclaration(id);
    if (d) {
      const init = d.getInitializer() && unwrapExpr(d.getInitializer()!);
      if (init && Node.isFunctionExpression(init) && init.getName())
        return { name: init.getName()!, conf: "high" };
      if (init && (Node.isArrowFunction(init) || Node.isFunctionExpression(init)))
        return { name: id, conf: "high" };
      return null;
    }
    const b = ctx.imports.get(id);
    if (b && b.name !== "*" && b.name !== "default") return { name: b.name, conf: "medium" };
  }
  return null;
}

/** Same rule as @openai/agents-core's toFunctionToolName. */
export function toFunctionToolName(name: string): string {
  return name.replace(/\s/g, "_").replace(/[^a-zA-Z0-9]/g, "_");
}

function gateAsTool(ctx: FileCtx, call: Node): void {
  if (!Node.isCallExpression(call)) return;
  const obj = call.getArguments()[0] && unwrapExpr(call.getArguments()[0]);
  let name: string | null = null;
  if (obj && Node.isObjectLiteralExpression(obj)) {
    const p = obj.getProperty("toolName");
    name = p && Node.isPropertyAssignment(p) ? constString(ctx, p.getInitializer()) : null;
  }
  const site: Site = {
    framework: "openai-agents",
    form: "asTool",
    name,
    nameConfidence: name ? "high" : "low",
    at: call,
  };
  // asTool builds the FunctionTool (and its invoke) inside the SDK: there is no user function to
  // wrap at the definition; the run-time layers gate it by its toolName.
  manual(
    ctx,
    site,
    "agent.asTool() runs a whole agent and has no function to wrap here; it is gated at run time by governor/register (node --import governor/register) or by governTools([...]) where the agent's tools are listed",
  );
}
