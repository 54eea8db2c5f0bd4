import { descendantsOfKind } from "./walk.js";
// The edits that put a gate around a function, shared by every form.
import {
  Node,
  SyntaxKind,
  type ArrowFunction,
  type FunctionExpression,
  type MethodDeclaration,
} from "ts-morph";
import { gateBlockEdits } from "./edits.js";
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
  /** What the gated call is handed, as source text, when not the function's own parameters
   *  (Mastra: the tool's input, never its runtime context). */
  handOver?: string;
  reason?: string;
  at: Node;
}

export function report(
  ctx: FileCtx,
  site: Site,
  status: ToolFinding["status"],
  reason?: string,
): void {
  ctx.claimed.add(site.at.getStart());
  ctx.findings.push({
    file: ctx.path,
    line: lineOf(site.at),
    name: site.name,
    nameConfidence: site.nameConfidence,
    framework: site.framework,
    form: site.form,
    status,
    ...((reason ?? site.reason) ? { reason: reason ?? site.reason } : {}),
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
  ctx.edits.push({
    start: fn.getStart(),
    end: fn.getStart(),
    text: `${ctx.gateId}(${lit(site)}, `,
  });
  ctx.edits.push({ start: fn.getEnd(), end: fn.getEnd(), text: `${opts ? `, ${opts}` : ""})` });
  ctx.needsGate = true;
  report(ctx, site, "gated");
}

/** Object method `async execute(a) {...}` -> `execute: gate("name", async function (a) {...})` (keeps `this`). */
export function wrapObjectMethod(
  ctx: FileCtx,
  site: Site,
  m: MethodDeclaration,
  opts?: string,
): void {
  // `super` only works in method syntax; a function expression would not parse.
  if (descendantsOfKind(m, SyntaxKind.SuperKeyword).length > 0)
    return manual(
      ctx,
      site,
      `${m.getName()} uses super; wrap its work in gate("${site.name ?? "<tool name>"}", fn) by hand`,
    );
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
 * Class or object method: the body moves into an arrow inside gate(), so `this` and `super` keep
 * working and the gate sees the arguments:
 *   async _call(input) {
 *     return gate("name", async (..._args) => {
 *       ...body...
 *     })(input);
 *   }
 * Generators cannot move into an arrow, so they are left to the user.
 */
export function wrapMethodBody(
  ctx: FileCtx,
  site: Site,
  m: MethodDeclaration,
  opts?: string,
): void {
  const body = m.getBody();
  if (!body || !Node.isBlock(body))
    return manual(ctx, site, `${m.getName()} has no body to gate; wrap the tool by hand`);
  if (isGatedBody(ctx, body)) return report(ctx, site, "already-gated");
  const ret = m.getReturnTypeNode();
  if (
    !m.isAsync() &&
    ret &&
    !/^Promise(?:Like)?</.test(ret.getText()) &&
    Node.isObjectLiteralExpression(m.getParent())
  )
    return wrapObjectMethod(ctx, site, m, opts);
  if (m.isGenerator())
    return manual(
      ctx,
      site,
      `${m.getName()} is a generator; wrap its work in gate("${site.name ?? "<tool name>"}", fn) by hand`,
    );
  insertBodyGate(ctx, site, m, body, m.isAsync(), opts);
}

/** `{ return gate(...)(...); }`: a body this codemod already gated. */
export function isGatedBody(ctx: FileCtx, body: Node): boolean {
  if (!Node.isBlock(body)) return false;
  const first = body.getStatements()[0];
  if (body.getStatements().length !== 1 || !Node.isReturnStatement(first)) return false;
  return isGatedCall(ctx, first.getExpression());
}

/** `gate(...)(...)` (or a bare `gate(...)`). */
function isGatedCall(ctx: FileCtx, e: Node | undefined): boolean {
  if (e && Node.isCallExpression(e) && Node.isCallExpression(e.getExpression()))
    e = e.getExpression();
  return isGateCall(ctx, e);
}

/**
 * Gate inside an inline function, keeping its parameter list where the framework's generic call
 * types it (an outer gate(...) would lose TypeScript's inference there: LangChain tool(fn, { schema }),
 * OpenAI Agents execute). An arrow stays an arrow, so a lexical `this` keeps meaning the same:
 *   async ({ to }, config) =>
 *     gate("name", async (..._args) => {
 *       ...body...
 *     })({ to }, config)
 * A function expression gets its body gated like a method. Falls back to the outer form where
 * that would change meaning.
 */
export function wrapInline(ctx: FileCtx, site: Site, fn: Node, opts?: string): void {
  const f = unwrapExpr(fn);
  // A sync function with a declared non-Promise result cannot hold `return gate(...)()` (a Promise).
  if (
    (Node.isFunctionExpression(f) || Node.isArrowFunction(f)) &&
    !f.isAsync() &&
    f.getReturnTypeNode() &&
    !/^Promise(?:Like)?</.test(f.getReturnTypeNode()!.getText())
  )
    return wrapExpression(ctx, site, fn, opts);
  if (Node.isFunctionExpression(f) && !f.isGenerator() && f === fn) {
    const body = f.getBody();
    if (isGatedBody(ctx, body)) return report(ctx, site, "already-gated");
    if (Node.isBlock(body)) return insertBodyGate(ctx, site, f, body, f.isAsync(), opts);
  }
  if (Node.isArrowFunction(f) && f === fn) return gateArrowBody(ctx, site, f, opts);
  return wrapExpression(ctx, site, fn, opts);
}

type FnLike = MethodDeclaration | FunctionExpression | ArrowFunction;

/** The inner arrow's parameter list and what the outer function passes to the gated call. */
function handOver(
  ctx: FileCtx,
  f: FnLike,
  isAsync: boolean,
  given?: string,
): { head: string; args: string } {
  const args = given ?? argumentsOf(f);
  const rest = args === "" ? "()" : ctx.isTs ? "(..._args: unknown[])" : "(..._args)";
  // The body's returns are checked against a declared result type: it moves with them, or a
  // literal such as `type: "text"` would widen to string inside the gate.
  const declared = f.getReturnTypeNode()?.getText();
  const ret = declared && !PLAIN_RESULT.test(declared.replace(/\s/g, "")) ? `: ${declared}` : "";
  return { head: `${isAsync ? "async " : ""}${rest}${ret} =>`, args };
}

// Result types no literal can widen against: nothing to repeat.
const PLAIN_RESULT =
  /^(?:Promise<)?(?:string|number|boolean|void|unknown|any|undefined|null|bigint)>?$/;

/**
 * The call's arguments as an expression list: parameter names, or a destructuring pattern read back
 * as the object/array it took apart (`{ to }`), so the gate sees the values the tool uses.
 * `...arguments` where the function reads `arguments` itself.
 */
function argumentsOf(f: FnLike): string {
  if (
    !Node.isArrowFunction(f) &&
    readsOwn(f, (d) => Node.isIdentifier(d) && d.getText() === "arguments")
  )
    return "...arguments";
  return f
    .getParameters()
    .filter((p) => p.getName() !== "this")
    .map((p) => `${p.isRestParameter() ? "..." : ""}${patternText(p.getNameNode())}`)
    .join(", ");
}

export function patternText(n: Node): string {
  if (Node.isObjectBindingPattern(n)) {
    const els = n.getElements().map((e) => {
      const value = `${e.getDotDotDotToken() ? "..." : ""}${patternText(e.getNameNode())}`;
      const key = e.getPropertyNameNode();
      return key ? `${key.getText()}: ${value}` : value;
    });
    return els.length ? `{ ${els.join(", ")} }` : "{}";
  }
  if (Node.isArrayBindingPattern(n))
    return `[${n
      .getElements()
      .map((e) =>
        Node.isBindingElement(e)
          ? `${e.getDotDotDotToken() ? "..." : ""}${patternText(e.getNameNode())}`
          : "",
      )
      .join(", ")}]`;
  return n.getText();
}

/** Multi-line strings and templates inside `n`: their lines are values, never re-indented. */
export function literalRanges(n: Node): [number, number][] {
  const out: [number, number][] = [];
  n.forEachDescendant((d) => {
    if (
      (Node.isStringLiteral(d) ||
        Node.isNoSubstitutionTemplateLiteral(d) ||
        Node.isTemplateHead(d) ||
        Node.isTemplateMiddle(d) ||
        Node.isTemplateTail(d) ||
        Node.isJsxText(d)) &&
      d.getText().includes("\n")
    )
      out.push([d.getStart(), d.getEnd()]);
  });
  return out;
}

const blankUpTo = (text: string, from: number, to: number) => /^[ \t]*$/.test(text.slice(from, to));

/** `{ body }` -> `{ return gate("name", async (...) => { body })(args); }`, on lines of its own when the body has them. */
function insertBodyGate(
  ctx: FileCtx,
  site: Site,
  f: FnLike,
  body: Node,
  isAsync: boolean,
  opts?: string,
): void {
  const { head, args } = handOver(ctx, f, isAsync, site.handOver);
  const open = body.getStart();
  const close = body.getEnd() - 1; // the closing brace
  const call = `${ctx.gateId}(${lit(site)}, ${head} {`;
  const tail = `${opts ? `, ${opts}` : ""})(${args});`;
  const text = ctx.text;
  const firstBreak = text.indexOf("\n", open);
  const lastBreak = text.lastIndexOf("\n", close);
  // `{` may be followed by a line comment (`{ // why`): it stays on the function's line.
  const afterOpen = text.slice(open + 1, firstBreak).replace(/\r$/, "");
  const trailing = /^[ \t]*(?:\/\/.*)?$/.test(afterOpen) ? afterOpen.length : -1;
  if (
    firstBreak !== -1 &&
    firstBreak < close &&
    trailing !== -1 &&
    blankUpTo(text, lastBreak + 1, close)
  ) {
    const block = { from: open + 1 + trailing, to: close + 1, keep: literalRanges(body) };
    ctx.edits.push(
      ...gateBlockEdits(text, block, ({ nl, indent, unit }) => [
        `${nl}${indent}${unit}return ${call}`,
        `${tail}${nl}${indent}}`,
      ]),
    );
  } else {
    ctx.edits.push({ start: open, end: open, text: `{ return ${call.slice(0, -2)} ` });
    ctx.edits.push({ start: close + 1, end: close + 1, text: `${tail} }` });
  }
  ctx.needsGate = true;
  report(ctx, site, "gated");
}

/** Keeps the arrow and its parameters; its body becomes the gated function. */
function gateArrowBody(ctx: FileCtx, site: Site, f: ArrowFunction, opts?: string): void {
  const body = f.getBody();
  if (isGatedCall(ctx, unwrapExpr(body)) || isGatedBody(ctx, body))
    return report(ctx, site, "already-gated");
  const { head, args } = handOver(ctx, f, f.isAsync(), site.handOver);
  const call = `${ctx.gateId}(${lit(site)}, ${head} `;
  const tail = `${opts ? `, ${opts}` : ""})(${args})`;
  const text = ctx.text;
  const arrowEnd = f.getEqualsGreaterThan().getEnd();
  const start = body.getStart();
  const end = f.getEnd();
  const keep = literalRanges(body);
  if (
    text.slice(start, end).includes("\n") &&
    !text.slice(arrowEnd, start).includes("\n") &&
    /^\s*$/.test(text.slice(arrowEnd, start))
  ) {
    // `=> {` on the header line: the gate call starts the next line, one level in.
    const block = { from: arrowEnd, openEnd: start, to: end, keep };
    ctx.edits.push(
      ...gateBlockEdits(text, block, ({ nl, indent, unit }) => [
        `${nl}${indent}${unit}${call}`,
        tail,
      ]),
    );
  } else
    ctx.edits.push(...gateBlockEdits(text, { from: start, to: end, keep }, () => [call, tail]));
  ctx.needsGate = true;
  report(ctx, site, "gated");
}

// Does `f` itself (not a nested function) read this / arguments / super / new.target?
function readsOwn(f: Node, test: (d: Node) => boolean): boolean {
  let found = false;
  f.forEachDescendant((d, t) => {
    if (
      Node.isFunctionDeclaration(d) ||
      Node.isFunctionExpression(d) ||
      Node.isMethodDeclaration(d) ||
      Node.isClassDeclaration(d) ||
      Node.isClassExpression(d)
    )
      return t.skip();
    if (test(d)) {
      found = true;
      t.stop();
    }
  });
  return found;
}

/** Gates the function held by an object property (`execute`, `func`): property value or method. */
export function wrapProperty(
  ctx: FileCtx,
  site: Site,
  prop: Node,
  inline = false,
  opts?: string,
): void {
  if (Node.isPropertyAssignment(prop))
    return inline
      ? wrapInline(ctx, site, prop.getInitializerOrThrow(), opts)
      : wrapExpression(ctx, site, prop.getInitializerOrThrow(), opts);
  if (Node.isMethodDeclaration(prop))
    return prop.isGenerator()
      ? wrapObjectMethod(ctx, site, prop, opts)
      : wrapMethodBody(ctx, site, prop, opts);
  if (Node.isShorthandPropertyAssignment(prop)) {
    // { execute } -> { execute: gate("name", execute) }
    ctx.edits.push({
      start: prop.getEnd(),
      end: prop.getEnd(),
      text: `: ${ctx.gateId}(${lit(site)}, ${prop.getName()}${opts ? `, ${opts}` : ""})`,
    });
    ctx.needsGate = true;
    return report(ctx, site, "gated");
  }
  manual(
    ctx,
    site,
    `could not read ${prop.getKindName()}; wrap the tool's function with gate(...) by hand`,
  );
}

/** The node holding an options object's `name`: `name: <expr>`, or the identifier of a shorthand `{ name }`. */
export function nameNodeOf(obj: Node): Node | undefined {
  const p = Node.isObjectLiteralExpression(obj) ? obj.getProperty("name") : undefined;
  if (p && Node.isPropertyAssignment(p)) return p.getInitializer();
  if (p && Node.isShorthandPropertyAssignment(p)) return p.getNameNode();
  return undefined;
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
