import { descendantsOfKind } from "../../walk.js";
// MCP servers: registerTool(name, config, cb), the deprecated tool(name, ..., cb) overloads, and the
// low-level setRequestHandler(CallToolRequestSchema, handler).
import {
  Node,
  SyntaxKind,
  type ArrowFunction,
  type CallExpression,
  type FunctionExpression,
} from "ts-morph";
import { gateBlockEdits, indentUnit } from "../../edits.js";
import { eolOf, lineStartOf } from "../../../runtime/shared.js";
import type { FileCtx } from "../../context.js";
import { isGateCall, isPure, unwrapExpr } from "../../nodes.js";
import { literalRanges, manual, nameFrom, report, wrapExpression, type Site } from "../../wrap.js";
import { dispatchNames } from "../sdk-loops/loops.js";
import { gateTaskTool } from "./registration.js";

/** `registerOnly`: the file does not import MCP itself (a server passed in from elsewhere), so only
 *  the distinctive shapes are taken: registerTool(name, config, cb), and tool("literal name", ..., cb). */
export function gateMcp(ctx: FileCtx, registerOnly = false): void {
  for (const call of descendantsOfKind(ctx.sf, SyntaxKind.CallExpression)) {
    const callee = call.getExpression();
    if (!Node.isPropertyAccessExpression(callee)) continue;
    const method = callee.getName();
    const args = call.getArguments();
    const isRegister =
      method === "registerTool" &&
      args.length >= 3 &&
      (!registerOnly || Node.isObjectLiteralExpression(unwrapExpr(args[1])));
    const literalName =
      Node.isStringLiteral(unwrapExpr(args[0] ?? call)) ||
      Node.isNoSubstitutionTemplateLiteral(unwrapExpr(args[0] ?? call));
    if (
      isRegister ||
      (method === "tool" &&
        args.length >= 2 &&
        (!registerOnly || literalName) &&
        isMcpToolOverload(ctx, call))
    ) {
      const site: Site = {
        framework: "mcp",
        form: method,
        name: null,
        nameConfidence: "low",
        at: call,
      };
      if (nameFrom(ctx, site, args[0]) === "manual") {
        const shown = args[0].getText().replace(/\s+/g, " ");
        manual(
          ctx,
          site,
          `the tool's name (${shown.length > 60 ? `${shown.slice(0, 57)}...` : shown}) is built at run time; wrap the callback in gate(<that same name>, cb) by hand`,
        );
        continue;
      }
      wrapExpression(ctx, site, args[args.length - 1]);
      if (site.nameExpr)
        ctx.findings[ctx.findings.length - 1].reason =
          `name computed at runtime from ${site.nameExpr}`;
    } else if (
      method === "registerToolTask" &&
      args.length >= 3 &&
      Node.isPropertyAccessExpression(callee.getExpression()) &&
      /\.tasks$/.test(callee.getExpression().getText())
    ) {
      // server.experimental.tasks.registerToolTask(name, config, { createTask, getTask, getTaskResult }):
      // no one function runs the tool, so the server's construction is wrapped (registration.ts).
      const site: Site = {
        framework: "mcp",
        form: "registerToolTask",
        name: null,
        nameConfidence: "low",
        at: call,
      };
      nameFrom(ctx, site, args[0]);
      gateTaskTool(ctx, call, site);
    } else if (
      !registerOnly &&
      method === "setRequestHandler" &&
      args.length === 2 &&
      /CallToolRequestSchema$/.test(args[0].getText())
    ) {
      gateLowLevel(ctx, call, args[1]);
    }
  }
}

// server.tool("name", cb) | ("name", "desc", cb) | ("name", schema, cb) ...: first arg a name, last a function.
function isMcpToolOverload(ctx: FileCtx, call: CallExpression): boolean {
  const args = call.getArguments();
  const first = unwrapExpr(args[0]);
  const last = unwrapExpr(args[args.length - 1]);
  // Any name expression counts (`cmd.name` in a loop, a template): nameFrom then gates it or marks it
  // manual, so a registration is never skipped without a word.
  const nameLike =
    !Node.isArrowFunction(first) &&
    !Node.isFunctionExpression(first) &&
    !Node.isObjectLiteralExpression(first);
  return (
    nameLike &&
    (Node.isArrowFunction(last) ||
      Node.isFunctionExpression(last) ||
      Node.isIdentifier(last) ||
      isGateCall(ctx, last))
  );
}

/**
 * The handler's work runs inside gate(request.params.name, ..., { onDeny: "return" })(request.params.arguments).
 * The low-level Server turns a throw into a JSON-RPC error, not a tool result, so the refusal is
 * returned as `{ content: [{ type: "text", text }], isError: true }` for the model to read.
 */
function gateLowLevel(ctx: FileCtx, call: CallExpression, handler: Node): void {
  const h = unwrapExpr(handler);
  const names = Node.isArrowFunction(h) || Node.isFunctionExpression(h) ? dispatchNames(h) : [];
  const sites: Site[] = names.length
    ? names.map((n) => ({
        framework: "mcp" as const,
        form: "setRequestHandler",
        name: n.name,
        nameConfidence: "high" as const,
        at: n.at,
      }))
    : [
        {
          framework: "mcp",
          form: "setRequestHandler",
          name: null,
          nameConfidence: "low",
          at: call,
        },
      ];
  if (isGatedHandler(ctx, h)) {
    for (const s of sites) report(ctx, s, "already-gated");
    return;
  }
  if (!isPure(handler) && !Node.isArrowFunction(h) && !Node.isFunctionExpression(h)) {
    for (const s of sites)
      manual(
        ctx,
        s,
        'unrecognised CallTool handler; wrap each tool\'s work in gate("<name>", fn) by hand',
      );
    return;
  }
  const asConst = ctx.isTs ? " as const" : "";
  const refusal = `typeof govResult === "string" ? { content: [{ type: "text"${asConst}, text: govResult }], isError: true } : govResult`;
  const text = ctx.text;
  const body = Node.isArrowFunction(h) || Node.isFunctionExpression(h) ? h.getBody() : undefined;
  const req =
    Node.isArrowFunction(h) || Node.isFunctionExpression(h)
      ? h.getParameters()[0]?.getNameNode()
      : undefined;
  const open = body?.getStart() ?? 0;
  const close = (body?.getEnd() ?? 0) - 1;
  const firstBreak = text.indexOf("\n", open);
  const lastBreak = text.lastIndexOf("\n", close);
  if (
    body &&
    Node.isBlock(body) &&
    h === handler &&
    req &&
    Node.isIdentifier(req) &&
    firstBreak !== -1 &&
    firstBreak < close &&
    /^[ \t]*$/.test(text.slice(open + 1, firstBreak)) &&
    /^[ \t]*$/.test(text.slice(lastBreak + 1, close))
  ) {
    // The handler keeps its parameters; its body becomes the gated function:
    //   async (request) => {
    //     const govResult = await gate(request.params.name, async (..._args) => {
    //       ...body...
    //     }, { onDeny: "return" })(request.params.arguments);
    //     return <refusal as an isError result> or govResult;
    //   }
    const r = req.getText();
    const rest = ctx.isTs ? "..._args: unknown[]" : "..._args";
    const fn = h as ArrowFunction | FunctionExpression;
    // A declared result type moves to the gated body, so its literals are still checked against it.
    const declared = fn.getReturnTypeNode()?.getText();
    const ret = declared ? `: ${fn.isAsync() ? declared : `Promise<${declared}>`}` : "";
    if (!fn.isAsync()) ctx.edits.push({ start: h.getStart(), end: h.getStart(), text: "async " });
    const block = { from: open + 1, to: close + 1, keep: literalRanges(body) };
    ctx.edits.push(
      ...gateBlockEdits(text, block, ({ nl, indent, unit }) => [
        `${nl}${indent}${unit}const govResult = await ${ctx.gateId}(${r}.params.name, async (${rest})${ret} => {`,
        `, { onDeny: "return" })(${r}.params.arguments);${nl}${indent}${unit}return ${refusal};${nl}${indent}}`,
      ]),
    );
  } else {
    // A handler defined elsewhere (or one we cannot take apart): call it inside the gate.
    const t = ctx.isTs ? ": unknown" : "";
    // Pass only the parameters the handler declares (TS rejects extra arguments to an inline function).
    const declared = declaredParams(ctx, h);
    const pass = ["govRequest", "govExtra"].slice(0, Math.max(1, Math.min(2, declared))).join(", ");
    const nl = eolOf(text);
    const unit = indentUnit(text);
    const { indent } = lineStartOf(text, handler.getStart());
    const bare = Node.isIdentifier(handler) || Node.isPropertyAccessExpression(handler);
    ctx.edits.push({
      start: handler.getStart(),
      end: handler.getStart(),
      text: `async (${pass}) => {${nl}${indent}${unit}const govResult = await ${ctx.gateId}(govRequest.params.name, (_args${t}) => ${bare ? "" : "("}`,
    });
    ctx.edits.push({
      start: handler.getEnd(),
      end: handler.getEnd(),
      text: `${bare ? "" : ")"}(${pass}), { onDeny: "return" })(govRequest.params.arguments);${nl}${indent}${unit}return ${refusal};${nl}${indent}}`,
    });
  }
  ctx.needsGate = true;
  for (const s of sites)
    report(
      ctx,
      s,
      "gated",
      s.name ? undefined : "gated at the CallTool handler with the requested tool's name",
    );
}

function isGatedHandler(ctx: FileCtx, h: Node): boolean {
  if (!Node.isArrowFunction(h)) return false;
  const body = h.getBody();
  const first = Node.isBlock(body) ? body.getStatements()[0] : undefined;
  const init =
    first && Node.isVariableStatement(first)
      ? first.getDeclarations()[0]?.getInitializer()
      : undefined;
  const awaited = init && Node.isAwaitExpression(init) ? init.getExpression() : undefined;
  return !!awaited && Node.isCallExpression(awaited) && isGateCall(ctx, awaited.getExpression());
}

/** How many parameters the handler declares, where this file shows it; 2 (request, extra) otherwise. */
function declaredParams(ctx: FileCtx, h: Node): number {
  if (Node.isArrowFunction(h) || Node.isFunctionExpression(h)) return h.getParameters().length;
  if (!Node.isIdentifier(h)) return 2;
  const fn = ctx.sf.getFunction(h.getText());
  if (fn) return fn.getParameters().length;
  const init = ctx.sf.getVariableDeclaration(h.getText())?.getInitializer();
  const f = init && unwrapExpr(init);
  return f && (Node.isArrowFunction(f) || Node.isFunctionExpression(f))
    ? f.getParameters().length
    : 2;
}
