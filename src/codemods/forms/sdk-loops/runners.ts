import { descendantsOfKind } from "../../walk.js";
// Tool runners shipped by the model SDKs: openai zodFunction({ name, function }) and
// { type: "function", function: { name, function } } for runTools(); anthropic
// betaZodTool / betaTool({ name, run }) for toolRunner(). A refusal is returned as the tool's
// result (onDeny "return"), as for raw loops.
import { Node, SyntaxKind, ts } from "ts-morph";
import type { FileCtx } from "../../context.js";
import { calleeBinding, findMember, unwrapExpr } from "../../nodes.js";
import { frameworkOfSpec } from "../../modules.js";
import { calleeBindingRaw } from "../../raw.js";
import { manual, nameFrom, wrapProperty, type Site } from "../../wrap.js";

const RETURN = '{ onDeny: "return" }';

const RUNNER_BUILDERS = new Set(["zodFunction", "zodResponsesFunction", "betaZodTool", "betaTool"]);
const propText = (n: ts.PropertyName) =>
  ts.isIdentifier(n) || ts.isStringLiteral(n) ? n.text : n.getText();

export function gateSdkRunners(ctx: FileCtx): void {
  for (const n of descendantsOfKind(ctx.sf, SyntaxKind.CallExpression, (c) =>
    RUNNER_BUILDERS.has(calleeBindingRaw(ctx, (c as ts.CallExpression).expression)?.name ?? ""),
  )) {
    const b = calleeBinding(ctx, n.getExpression());
    const fw = b ? frameworkOfSpec(b.spec) : null;
    let member: string | null = null;
    if (fw === "openai" && (b!.name === "zodFunction" || b!.name === "zodResponsesFunction"))
      member = "function";
    if (fw === "anthropic" && (b!.name === "betaZodTool" || b!.name === "betaTool")) member = "run";
    if (!member || !fw) continue;
    const obj = n.getArguments()[0] && unwrapExpr(n.getArguments()[0]);
    if (!obj || !Node.isObjectLiteralExpression(obj)) continue;
    gateMember(
      ctx,
      { framework: fw, form: b!.name, name: null, nameConfidence: "low", at: n },
      obj,
      member,
    );
  }
  if (!ctx.frameworks.has("openai")) return;
  // runTools: { type: "function", function: { name, parameters, function: fn } }
  for (const obj of descendantsOfKind(ctx.sf, SyntaxKind.ObjectLiteralExpression, (o) =>
    (o as ts.ObjectLiteralExpression).properties.some(
      (p) => p.name && propText(p.name) === "function",
    ),
  )) {
    const inner = obj.getProperty("function");
    const type = obj.getProperty("type");
    if (!inner || !type || !Node.isPropertyAssignment(inner) || !Node.isPropertyAssignment(type))
      continue;
    if (type.getInitializer()?.getText().replace(/['"]/g, "") !== "function") continue;
    const fnObj = unwrapExpr(inner.getInitializerOrThrow());
    if (!Node.isObjectLiteralExpression(fnObj) || !findMember(fnObj, "function")) continue;
    gateMember(
      ctx,
      { framework: "openai", form: "runTools", name: null, nameConfidence: "low", at: obj },
      fnObj,
      "function",
    );
  }
}

function gateMember(ctx: FileCtx, site: Site, obj: Node, member: string): void {
  if (!Node.isObjectLiteralExpression(obj)) return;
  const fn = findMember(obj, member);
  if (!fn) return;
  const nameProp = obj.getProperty("name");
  const init =
    nameProp && Node.isPropertyAssignment(nameProp) ? nameProp.getInitializer() : undefined;
  if (nameFrom(ctx, site, init) === "manual") {
    manual(
      ctx,
      site,
      `the tool's name is not a plain string here; wrap its ${member} in gate("<name>", fn, ${RETURN}) by hand`,
    );
    return;
  }
  wrapProperty(ctx, site, fn, true, RETURN);
}
