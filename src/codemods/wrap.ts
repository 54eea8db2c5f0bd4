// The edits that put a gate around a function, shared by every form.
import { Node, SyntaxKind, type MethodDeclaration } from "ts-morph";
import type { FileCtx } from "./context.js";
import { addMarker, constString, isGateCall, isPure, lineOf, unwrapExpr } from "./nodes.js";
import type { Framework, ToolFinding } from "./types.js";

export interface Site {
  framework: Framework;
  form: string;
  name: string | null;
  nameConfidence: ToolFinding["nameConfidence"];
  /** The gate's first argument as source text: a string literal, or an expression for runtime names. */
  nameExpr?: string;
  reason?: string;
  at: Node;
}

export function report(ctx: FileCtx, site: Site, status: ToolFinding["status"], reason?: string): void {
  ctx.claimed.add(site.at.getStart());
  ctx.findings.push({
    file: ctx.path,
    line: lineOf(site.at),
    name: site.name,
    nameConfidence: site.nameConfidence,
    framework: site.framework,
    form: site.form,
    status,
    ...(reason ?? site.reason ? { reason: reason ?? site.reason } : {}),
  });
}

/** Leaves the code alone, puts a marker comment above it, and reports the site as manual. */
export function manual(ctx: FileCtx, site: Site, reason: string): void {
  addMarker(ctx, site.at, reason);
  report(ctx, site, "manual", reason);
}

const lit = (site: Site) => site.nameExpr ?? JSON.stringify(site.name);

/** `fn` -> `gate("name", fn[, opts])`. Already wrapped -> reported as such, no edit. */
export function wrapExpression(ctx: FileCtx, site: Site, fn: Node, opts?: string): void {
  if (isGateCall(ctx, unwrapExpr(fn))) return report(ctx, site, "already-gated");
  ctx.edits.push({ start: fn.getStart(), end: fn.getStart(), text: `${ctx.gateId}(${lit(site)}, ` });
  ctx.edits.push({ start: fn.getEnd(), end: fn.getEnd(), text: `${opts ? `, ${opts}` : ""})` });
  ctx.needsGate = true;
  report(ctx, site, "gated");
}

/** Object method `async execute(a) {...}` -> `execute: gate("name", async function (a) {...})` (keeps `this`). */
export function wrapObjectMethod(ctx: FileCtx, site: Site, m: MethodDeclaration, opts?: string): void {
  // `super` only works in method syntax; a function expression would not parse.
  if (m.getDescendantsOfKind(SyntaxKind.SuperKeyword).length > 0)
    return manual(ctx, site, `${m.getName()} uses super; wrap its work in gate("${site.name ?? "<tool name>"}", fn) by hand`);
  const nameNode = m.getNameNode();
  const isAsync = m.isAsync();
  const star = m.isGenerator() ? "*" : "";
  ctx.edits.push({
    start: m.getStart(),
    end: nameNode.getEnd(),
    text: `${nameNode.getText()}: ${ctx.gateId}(${lit(site)}, ${isAsync ? "async " : ""}function${star} `,
  });
  ctx.edits.push({ start: m.getEnd(), end: m.getEnd(), text: `${opts ? `, ${opts}` : ""})` });
  ctx.needsGate = true;
  report(ctx, site, "gated");
}

/**
 * Class method body `{ ... }` -> `{ return gate("name", async (..._args) => { ... })(...arguments); }`.
 * The arrow keeps `this` and `super`, the gate sees the real arguments. Generators cannot move into
 * an arrow, so they are left to the user.
 */
export function wrapMethodBody(ctx: FileCtx, site: Site, m: MethodDeclaration, opts?: string): void {
  const body = m.getBody();
  if (!body || !Node.isBlock(body)) return manual(ctx, site, `${m.getName()} has no body to gate; wrap the tool by hand`);
  if (isGatedBody(ctx, body)) return report(ctx, site, "already-gated");
  const ret = m.getReturnTypeNode();
  if (!m.isAsync() && ret && !/^Promise(?:Like)?</.test(ret.getText()) && Node.isObjectLiteralExpression(m.getParent()))
    return wrapObjectMethod(ctx, site, m, opts);
  if (m.isGenerator())
    return manual(ctx, site, `${m.getName()} is a generator; wrap its work in gate("${site.name ?? "<tool name>"}", fn) by hand`);
  insertBodyGate(ctx, site, body, m.isAsync(), opts);
}

/** `{ return gate(...)(...arguments); }`: a body this codemod already gated. */
export function isGatedBody(ctx: FileCtx, body: Node): boolean {
  if (!Node.isBlock(body)) return false;
  const first = body.getStatements()[0];
  if (body.getStatements().length !== 1 || !Node.isReturnStatement(first)) return false;
  let e = first.getExpression();
  if (e && Node.isCallExpression(e) && Node.isCallExpression(e.getExpression())) e = e.getExpression();
  return isGateCall(ctx, e);
}

/**
 * Gate inside an inline function, keeping its parameter list where the framework's generic call
 * types it: `async ({ to }) => body` -> `async function ({ to }) { return gate("x", async (..._args) => body)(...arguments); }`.
 * Used where an outer gate(...) would lose TypeScript's inference (LangChain tool(fn, { schema }),
 * OpenAI Agents execute). Falls back to the outer form where that would change meaning.
 */
export function wrapInline(ctx: FileCtx, site: Site, fn: Node, opts?: string): void {
  const f = unwrapExpr(fn);
  // A sync function with a declared non-Promise result cannot hold `return gate(...)()` (a Promise).
  if ((Node.isFunctionExpression(f) || Node.isArrowFunction(f)) && !f.isAsync() && f.getReturnTypeNode() && !/^Promise(?:Like)?</.test(f.getReturnTypeNode()!.getText()))
    return wrapExpression(ctx, site, fn, opts);
  if (Node.isFunctionExpression(f) && !f.isGenerator() && f === fn) {
    const body = f.getBody();
    if (isGatedBody(ctx, body)) return report(ctx, site, "already-gated");
    if (Node.isBlock(body)) return insertBodyGate(ctx, site, body, f.isAsync(), opts);
  }
  if (Node.isArrowFunction(f) && f === fn && !usesOwnThis(f)) {
    const arrowTok = f.getEqualsGreaterThan();
    const asyncKw = f.isAsync() ? "async " : "";
    const asyncMod = f.getModifiers().find((m) => m.getText() === "async");
    const headStart = asyncMod ? asyncMod.getEnd() : f.getStart();
    let header = ctx.text.slice(headStart, arrowTok.getStart()).trim();
    if (!header.startsWith("(") && !header.startsWith("<")) header = `(${header})`;
    const rest = ctx.isTs ? "..._args: unknown[]" : "..._args";
    ctx.edits.push({
      start: f.getStart(),
      end: arrowTok.getEnd(),
      text: `${asyncKw}function ${header} { return ${ctx.gateId}(${lit(site)}, ${asyncKw}(${rest}) =>`,
    });
    ctx.edits.push({ start: f.getEnd(), end: f.getEnd(), text: `${opts ? `, ${opts}` : ""})(...arguments); }` });
    ctx.needsGate = true;
    return report(ctx, site, "gated");
  }
  return wrapExpression(ctx, site, fn, opts);
}

function insertBodyGate(ctx: FileCtx, site: Site, body: Node, isAsync: boolean, opts?: string): void {
  const rest = ctx.isTs ? "..._args: unknown[]" : "..._args";
  ctx.edits.push({ start: body.getStart(), end: body.getStart(), text: `{ return ${ctx.gateId}(${lit(site)}, ${isAsync ? "async " : ""}(${rest}) => ` });
  ctx.edits.push({ start: body.getEnd(), end: body.getEnd(), text: `${opts ? `, ${opts}` : ""})(...arguments); }` });
  ctx.needsGate = true;
  report(ctx, site, "gated");
}

// An arrow that reads `this`, `arguments`, `super` or `new.target` cannot become a function expression.
function usesOwnThis(f: Node): boolean {
  let found = false;
  f.forEachDescendant((d, t) => {
    if (Node.isFunctionDeclaration(d) || Node.isFunctionExpression(d) || Node.isMethodDeclaration(d) || Node.isClassDeclaration(d) || Node.isClassExpression(d)) return t.skip();
    if (Node.isThisExpression(d) || Node.isSuperExpression(d) || Node.isMetaProperty(d) || (Node.isIdentifier(d) && d.getText() === "arguments")) {
      found = true;
      t.stop();
    }
  });
  return found;
}

/** Gates the function held by an object property (`execute`, `func`): property value or method. */
export function wrapProperty(ctx: FileCtx, site: Site, prop: Node, inline = false, opts?: string): void {
  if (Node.isPropertyAssignment(prop))
    return inline ? wrapInline(ctx, site, prop.getInitializerOrThrow(), opts) : wrapExpression(ctx, site, prop.getInitializerOrThrow(), opts);
  if (Node.isMethodDeclaration(prop)) return prop.isGenerator() ? wrapObjectMethod(ctx, site, prop, opts) : wrapMethodBody(ctx, site, prop, opts);
  if (Node.isShorthandPropertyAssignment(prop)) {
    // { execute } -> { execute: gate("name", execute) }
    ctx.edits.push({ start: prop.getEnd(), end: prop.getEnd(), text: `: ${ctx.gateId}(${lit(site)}, ${prop.getName()}${opts ? `, ${opts}` : ""})` });
    ctx.needsGate = true;
    return report(ctx, site, "gated");
  }
  manual(ctx, site, `could not read ${prop.getKindName()}; wrap the tool's function with gate(...) by hand`);
}


/** The name of a definition: a known string, a runtime expression we can pass on, or nothing usable. */
export function nameFrom(ctx: FileCtx, site: Site, n: Node | undefined): "ok" | "manual" {
  const s = constString(ctx, n);
  if (s !== null) {
    site.name = s;
    site.nameConfidence = "high";
    return "ok";
  }
  const init = n && (Node.isPropertyAssignment(n) ? n.getInitializer() : n);
  if (init && isPure(init) && !Node.isObjectLiteralExpression(unwrapExpr(init))) {
    site.nameExpr = unwrapExpr(init).getText();
    return "ok";
  }
  return "manual";
}
