import { descendantsOfKinds } from "../../walk.js";
// LangChain.js: tool(fn, { name }), new DynamicTool({ name, func }), new DynamicStructuredTool({ name, func }).
import { Node, SyntaxKind } from "ts-morph";
import type { FileCtx } from "../../context.js";
import { calleeBinding, findMember, unwrapExpr } from "../../nodes.js";
import { frameworkOfSpec } from "../../modules.js";
import { isLangChainSpec } from "../../../detectors/modules.js";
import { manual, nameFrom, nameNodeOf, wrapInline, wrapProperty, type Site } from "../../wrap.js";
import { reportFactoryCalls } from "../../factory-calls.js";
import type { Run } from "../types.js";

/** LangChain wraps a thrown tool error in "Please fix your mistakes.", which invites a retry: the
 *  gate hands the refusal back as the tool's output instead. */
export const LANGCHAIN_GATE_OPTS = '{ onDeny: "return" }';

/** `run`: for a tool named by a parameter of a project factory, its call sites are reported (factory-calls.ts). */
export function gateLangChain(ctx: FileCtx, run?: Run): void {
  for (const n of descendantsOfKinds(ctx.sf, [
    SyntaxKind.CallExpression,
    SyntaxKind.NewExpression,
  ])) {
    if (!Node.isCallExpression(n) && !Node.isNewExpression(n)) continue;
    const b = calleeBinding(ctx, n.getExpression());
    if (!b || !isLangChainSpec(b.spec)) continue;
    const framework = frameworkOfSpec(b.spec) === "langgraph" ? "langgraph" : "langchain";
    const args = n.getArguments();
    if (Node.isCallExpression(n) && b.name === "tool") {
      const fields = args[1] && unwrapExpr(args[1]);
      const site: Site = { framework, form: "tool", name: null, nameConfidence: "low", at: n };
      if (!args[0] || !fields || !Node.isObjectLiteralExpression(fields)) {
        manual(
          ctx,
          site,
          'tool() fields are built elsewhere; wrap its function in gate("<name>", fn) by hand',
        );
        continue;
      }
      if (nameFrom(ctx, site, nameNodeOf(fields)) === "manual") {
        manual(
          ctx,
          site,
          'the tool\'s name is not a plain string here; wrap its function in gate("<name>", fn) by hand',
        );
        continue;
      }
      if (site.nameExpr) site.reason = `name computed at runtime from ${site.nameExpr}`;
      wrapInline(ctx, site, args[0], LANGCHAIN_GATE_OPTS);
      if (site.reason) ctx.findings[ctx.findings.length - 1].reason = site.reason;
      if (site.nameExpr) reportFactoryCalls(ctx, run, n, site.nameExpr);
    } else if (
      Node.isNewExpression(n) &&
      (b.name === "DynamicTool" || b.name === "DynamicStructuredTool")
    ) {
      const obj = args[0] && unwrapExpr(args[0]);
      const site: Site = { framework, form: b.name, name: null, nameConfidence: "low", at: n };
      if (!obj || !Node.isObjectLiteralExpression(obj)) {
        manual(
          ctx,
          site,
          `${b.name} options are built elsewhere; wrap their func in gate("<name>", fn) by hand`,
        );
        continue;
      }
      const func = findMember(obj, "func");
      if (!func) {
        manual(
          ctx,
          site,
          `no func found on this ${b.name}; wrap its function in gate("<name>", fn) by hand`,
        );
        continue;
      }
      if (nameFrom(ctx, site, nameNodeOf(obj)) === "manual") {
        manual(
          ctx,
          site,
          'the tool\'s name is not a plain string here; wrap its func in gate("<name>", fn) by hand',
        );
        continue;
      }
      wrapProperty(ctx, site, func, true, LANGCHAIN_GATE_OPTS);
      if (site.nameExpr) {
        const f = ctx.findings[ctx.findings.length - 1];
        if (f && f.status !== "manual") f.reason = `name computed at runtime from ${site.nameExpr}`;
        reportFactoryCalls(ctx, run, n, site.nameExpr);
      }
    }
  }
}
