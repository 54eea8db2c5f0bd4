// MCP servers: registerTool(name, config, cb), the deprecated tool(name, ..., cb) overloads, and the
// low-level setRequestHandler(CallToolRequestSchema, handler).
import { Node, SyntaxKind, type CallExpression } from "ts-morph";
import type { FileCtx } from "../context.js";
import { isGateCall, isPure, unwrapExpr } from "../nodes.js";
import { manual, nameFrom, report, wrapExpression, type Site } from "../wrap.js";
import { dispatchNames } from "./raw-loops.js";

/** `registerOnly`: the file does not import MCP itself (a server passed in from elsewhere), so only
 *  the distinctive registerTool(name, config, cb) shape is taken. */
export function gateMcp(ctx: FileCtx, registerOnly = false): void {
  for (const call of ctx.sf.getDescendantsOfKind(SyntaxKind.CallExpression)) {
    const callee = call.getExpression();
    if (!Node.isPropertyAccessExpression(callee)) continue;
    const method = callee.getName();
    const args = call.getArguments();
    const isRegister = method === "registerTool" && args.length >= 3 && (!registerOnly || Node.isObjectLiteralExpression(unwrapExpr(args[1])));
    if (isRegister || (!registerOnly && method === "tool" && args.length >= 2 && isMcpToolOverload(ctx, call))) {
      const site: Site = { framework: "mcp", form: method, name: null, nameConfidence: "low", at: call };
      if (nameFrom(ctx, site, args[0]) === "manual") {
        manual(ctx, site, `the tool's name is not a plain string here; wrap the callback in gate("<name>", cb) by hand`);
        continue;
      }
      wrapExpression(ctx, site, args[args.length - 1]);
      if (site.nameExpr) ctx.findings[ctx.findings.length - 1].reason = `name computed at runtime from ${site.nameExpr}`;
    } else if (!registerOnly && method === "setRequestHandler" && args.length === 2 && /CallToolRequestSchema$/.test(args[0].getText())) {
      gateLowLevel(ctx, call, args[1]);
    }
  }
}

// server.tool("name", cb) | ("name", "desc", cb) | ("name", schema, cb) ...: first arg a name, last a function.
function isMcpToolOverload(ctx: FileCtx, call: CallExpression): boolean {
  const args = call.getArguments();
  const first = unwrapExpr(args[0]);
  const last = unwrapExpr(args[args.length - 1]);
  const nameLike = Node.isStringLiteral(first) || Node.isNoSubstitutionTemplateLiteral(first) || Node.isIdentifier(first);
  return nameLike && (Node.isArrowFunction(last) || Node.isFunctionExpression(last) || Node.isIdentifier(last) || isGateCall(ctx, last));
}

/**
 * handler -> async (req, extra) => { const govResult = await gate(req.params.name, (_args) => (handler)(req, extra),
 * { onDeny: "return" })(req.params.arguments); return <refusal as an isError result> or govResult; }
 * The low-level Server turns a throw into a JSON-RPC error, not a tool result, so the refusal is
 * returned as `{ content: [{ type: "text", text }], isError: true }` for the model to read.
 */
function gateLowLevel(ctx: FileCtx, call: CallExpression, handler: Node): void {
  const h = unwrapExpr(handler);
  const names = Node.isArrowFunction(h) || Node.isFunctionExpression(h) ? dispatchNames(h) : [];
  const sites: Site[] = names.length
    ? names.map((n) => ({ framework: "mcp" as const, form: "setRequestHandler", name: n.name, nameConfidence: "high" as const, at: n.at }))
    : [{ framework: "mcp", form: "setRequestHandler", name: null, nameConfidence: "low", at: call }];
  if (isGatedHandler(ctx, h)) {
    for (const s of sites) report(ctx, s, "already-gated");
    return;
  }
  if (!isPure(handler) && !Node.isArrowFunction(h) && !Node.isFunctionExpression(h)) {
    for (const s of sites) manual(ctx, s, "unrecognised CallTool handler; wrap each tool's work in gate(\"<name>\", fn) by hand");
    return;
  }
  const t = ctx.isTs ? ": unknown" : "";
  const asConst = ctx.isTs ? " as const" : "";
  // Pass only the parameters the handler declares (TS rejects extra arguments to an inline function).
  const declared = Node.isArrowFunction(h) || Node.isFunctionExpression(h) ? h.getParameters().length : 2;
  const pass = ["govRequest", "govExtra"].slice(0, Math.max(1, Math.min(2, declared))).join(", ");
  ctx.edits.push({
    start: handler.getStart(),
    end: handler.getStart(),
    text: `async (${pass}) => { const govResult = await ${ctx.gateId}(govRequest.params.name, (_args${t}) => (`,
  });
  ctx.edits.push({
    start: handler.getEnd(),
    end: handler.getEnd(),
    text: `)(${pass}), { onDeny: "return" })(govRequest.params.arguments); return typeof govResult === "string" ? { content: [{ type: "text"${asConst}, text: govResult }], isError: true } : govResult; }`,
  });
  ctx.needsGate = true;
  for (const s of sites) report(ctx, s, "gated", s.name ? undefined : "gated at the CallTool handler with the requested tool's name");
}

function isGatedHandler(ctx: FileCtx, h: Node): boolean {
  if (!Node.isArrowFunction(h)) return false;
  const body = h.getBody();
  const first = Node.isBlock(body) ? body.getStatements()[0] : undefined;
  const init = first && Node.isVariableStatement(first) ? first.getDeclarations()[0]?.getInitializer() : undefined;
  const awaited = init && Node.isAwaitExpression(init) ? init.getExpression() : undefined;
  return !!awaited && Node.isCallExpression(awaited) && isGateCall(ctx, awaited.getExpression());
}
