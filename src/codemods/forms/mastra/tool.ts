import { descendantsOfKinds } from "../../walk.js";
// Mastra: createTool({ id, inputSchema, execute }) from @mastra/core/tools (or @mastra/core). The gate
// asks under the agent's key for the tool and sees only the tool's input: `context` of 0.x's
// execute({ context, runtimeContext, mastra }), the first argument of 1.x's execute(inputData, context).
// A refusal is returned as the tool's result: Mastra turns a thrown error into an "execution failed"
// envelope (TOOL_EXECUTION_FAILED, logged with the call's arguments), which reads as a retry.
import { Node, SyntaxKind, type ParameterDeclaration } from "ts-morph";
import type { FileCtx } from "../../context.js";
import { frameworkOfSpec } from "../../modules.js";
import { calleeBinding, findMember, unwrapExpr } from "../../nodes.js";
import type { Program } from "../../program.js";
import { manual, patternText, wrapProperty, type Site } from "../../wrap.js";
import { mastraToolName } from "./names.js";

/** The gate is handed the input itself (from the parameters' shape). */
export const MASTRA_GATE_OPTS = '{ onDeny: "return" }';
/** The gate is handed execute's own first argument: the runtime picks the input out of it. */
export const MASTRA_INPUT_OPTS = '{ onDeny: "return", input: "mastra" }';

// What 0.x's execute gets beside `context`: never the tool's data.
const V0_KEYS = new Set([
  "runtimeContext",
  "mastra",
  "threadId",
  "resourceId",
  "runId",
  "memory",
  "writer",
  "tracingContext",
  "suspend",
  "resumeData",
]);

export function gateMastra(prog: Program, ctx: FileCtx, names: Set<string>): void {
  for (const n of descendantsOfKinds(ctx.sf, [
    SyntaxKind.CallExpression,
    SyntaxKind.NewExpression,
  ])) {
    if (!Node.isCallExpression(n) && !Node.isNewExpression(n)) continue;
    const b = calleeBinding(ctx, n.getExpression());
    if (
      !b ||
      frameworkOfSpec(b.spec) !== "mastra" ||
      (Node.isCallExpression(n) ? b.name !== "createTool" : b.name !== "Tool")
    )
      continue;
    const site: Site = {
      framework: "mastra",
      form: Node.isCallExpression(n) ? "createTool" : "Tool",
      name: null,
      nameConfidence: "low",
      at: n,
    };
    const obj = n.getArguments()[0] && unwrapExpr(n.getArguments()[0]);
    if (!obj || !Node.isObjectLiteralExpression(obj)) {
      manual(
        ctx,
        site,
        `${site.form} gets its options from elsewhere; wrap their execute in gate("<name>", fn, ${MASTRA_INPUT_OPTS}) by hand`,
      );
      continue;
    }
    const exec = findMember(obj, "execute");
    if (!exec) continue; // no execute: nothing runs here
    const nm = mastraToolName(prog, ctx, n, names);
    Object.assign(site, { name: nm.name, nameConfidence: nm.conf, reason: nm.reason });
    if (nm.manual) {
      manual(ctx, site, nm.manual);
      continue;
    }
    const fn = Node.isPropertyAssignment(exec) ? unwrapExpr(exec.getInitializerOrThrow()) : exec;
    const input =
      Node.isArrowFunction(fn) || Node.isFunctionExpression(fn) || Node.isMethodDeclaration(fn)
        ? inputOf(fn.getParameters())
        : null;
    if (input) site.handOver = input.text;
    wrapProperty(ctx, site, exec, true, input?.exact ? MASTRA_GATE_OPTS : MASTRA_INPUT_OPTS);
  }
}

/**
 * What to hand the gate, from execute's parameters: the destructured `context` (0.x), a destructured
 * input (1.x), nothing when the tool reads no input (`exact`), or the first parameter itself (either
 * version: the runtime picks the input out of it). Null: the parameters as they are.
 */
function inputOf(params: ParameterDeclaration[]): { text: string; exact: boolean } | null {
  const first = params[0];
  if (!first) return { text: "", exact: true };
  const name = first.getNameNode();
  if (first.isRestParameter()) return null;
  if (Node.isIdentifier(name)) return { text: name.getText(), exact: false };
  if (!Node.isObjectBindingPattern(name)) return null;
  const els = name.getElements();
  const key = (e: (typeof els)[number]) =>
    (e.getPropertyNameNode()?.getText() ?? e.getNameNode().getText()).replace(/^["']|["']$/g, "");
  const context = els.find((e) => !e.getDotDotDotToken() && key(e) === "context");
  if (context) return { text: patternText(context.getNameNode()), exact: true };
  if (els.every((e) => !e.getDotDotDotToken() && V0_KEYS.has(key(e))))
    return { text: "", exact: true };
  return { text: patternText(name), exact: true };
}
