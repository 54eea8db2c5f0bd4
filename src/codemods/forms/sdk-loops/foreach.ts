import { descendantsOfKind } from "../../walk.js";
import { isForEachOfLiteral } from "./raw-dispatch.js";
// Synchronous loops over tool calls: `msg.tool_calls.forEach((call) => { switch (call.function.name) ... })`.
// A gated call is async, so a sync callback cannot hold it. Where the function around the forEach is
// async and the callback is a plain per-item body, the forEach becomes `for (const call of ...)`: the
// tools then run one after another in the same order, each awaited, and the branches inside are
// gated like any loop's. Otherwise the callback is named with the reason it was left alone.
import { Node, SyntaxKind, type CallExpression } from "ts-morph";
import type { FileCtx } from "../../context.js";
import type { Edit } from "../../edits.js";

type FnNode = Node & { getParameters(): import("ts-morph").ParameterDeclaration[] };

/** Callbacks this run turns into loop bodies: the function around their code is the outer one. */
const UNROLLED = new WeakSet<Node>();
/** Callbacks left as they are, with why: their tools are reported manual with that reason. */
const BLOCKED = new WeakMap<Node, { reason: string; at: Node }>();

const isFn = (a: Node) =>
  Node.isFunctionLikeDeclaration(a) || Node.isArrowFunction(a) || Node.isFunctionExpression(a);

/** The function a statement runs in once the forEach callbacks of this run are loops. */
export function enclosingFn(n: Node): FnNode | undefined {
  let fn = n.getFirstAncestor(isFn);
  while (fn && UNROLLED.has(fn)) fn = fn.getFirstAncestor(isFn);
  return fn as FnNode | undefined;
}

/** An async function; false for constructors and accessors, which cannot be async. */
export function isAsyncFn(fn: Node): boolean {
  return "isAsync" in fn && (fn as unknown as { isAsync(): boolean }).isAsync();
}

/** Why the code at `n` sits in a forEach callback that was left alone, if it does. */
export function blockedBy(n: Node): { reason: string; at: Node } | undefined {
  const fn = n.getFirstAncestor(isFn);
  return fn ? BLOCKED.get(fn) : undefined;
}

/**
 * Looks at every `<list>.forEach(cb)` whose sync callback holds a dispatch on the tool name
 * (`holdsDispatch`), and either rewrites it into a for-of loop (edits pushed on ctx) or records
 * why not.
 */
export function unrollForEach(ctx: FileCtx, holdsDispatch: (cb: Node) => boolean): void {
  for (const call of descendantsOfKind(ctx.sf, SyntaxKind.CallExpression, isForEachOfLiteral)) {
    const callee = call.getExpression();
    if (!Node.isPropertyAccessExpression(callee) || callee.getName() !== "forEach") continue;
    const cb = call.getArguments()[0];
    if (
      !cb ||
      !(Node.isArrowFunction(cb) || Node.isFunctionExpression(cb)) ||
      cb.isAsync() ||
      !holdsDispatch(cb)
    )
      continue;
    const why = cannotUnroll(call, cb);
    if (why)
      BLOCKED.set(cb, {
        reason: `${why}, so the tools it runs cannot be awaited through a gate; rewrite it as \`for (const ${paramName(cb)} of ...)\` in an async function and run governor init again`,
        at: call,
      });
    else {
      ctx.edits.push(...loopEdits(ctx, call, cb));
      UNROLLED.add(cb);
    }
  }
}

function paramName(cb: FnNode): string {
  return cb.getParameters()[0]?.getNameNode().getText() ?? "item";
}

function cannotUnroll(call: CallExpression, cb: Node & FnNode): string | null {
  const stmt = call.getParent();
  if (!stmt || !Node.isExpressionStatement(stmt))
    return "this forEach is part of a larger expression";
  if (call.getArguments().length > 1) return "this forEach is given a `this` argument";
  const outer = enclosingFn(call);
  if (!outer || !isAsyncFn(outer))
    return "this forEach's callback is synchronous and the function around it is not async";
  if ((outer as unknown as { isGenerator?(): boolean }).isGenerator?.())
    return "this forEach is in a generator";
  const params = cb.getParameters();
  if (params.length === 0) return "this forEach's callback takes no item";
  const [first, ...rest] = params;
  if (first.getInitializer() || first.isRestParameter())
    return "this forEach's callback gives its item a default value";
  const names = descendantsOfKind(first.getNameNode(), SyntaxKind.Identifier).map((i) =>
    i.getText(),
  );
  if (Node.isIdentifier(first.getNameNode())) names.push(first.getName());
  for (const p of rest) {
    const n = p.getName();
    if (
      descendantsOfKind(cb, SyntaxKind.Identifier).some(
        (i) => i.getText() === n && i.getParent() !== p,
      )
    )
      return `this forEach's callback uses its ${p.getName()} parameter`;
  }
  // An own return leaves the callback, not the loop: in a for-of it would leave the whole function.
  if (ownNodes(cb).some((d) => Node.isReturnStatement(d)))
    return "this forEach's callback returns early (a `return` there means `continue` in a loop)";
  if (
    Node.isFunctionExpression(cb) &&
    ownNodes(cb).some(
      (d) => Node.isThisExpression(d) || (Node.isIdentifier(d) && d.getText() === "arguments"),
    )
  )
    return "this forEach's callback reads `this` or `arguments`";
  // `for (const call of call.items)` would read the loop variable before it exists.
  const list = (
    call.getExpression() as import("ts-morph").PropertyAccessExpression
  ).getExpression();
  if (
    descendantsOfKind(list, SyntaxKind.Identifier).some((i) => names.includes(i.getText())) ||
    (Node.isIdentifier(list) && names.includes(list.getText()))
  )
    return "this forEach's list is named like its item";
  return null;
}

/** Nodes of `fn`'s own body, not of functions nested in it. */
function ownNodes(fn: Node): Node[] {
  const out: Node[] = [];
  fn.forEachDescendant((d, t) => {
    if (isFn(d) || Node.isClassDeclaration(d) || Node.isClassExpression(d)) return t.skip();
    out.push(d);
  });
  return out;
}

/** `list.forEach((call) => {` -> `for (const call of list) {`, and `});` -> `}`; the body stays as written. */
function loopEdits(ctx: FileCtx, call: CallExpression, cb: Node & FnNode): Edit[] {
  const stmt = call.getParentOrThrow();
  const access = call.getExpression() as import("ts-morph").PropertyAccessExpression;
  const list = access.getExpression().getText();
  const iterable = access.hasQuestionDotToken() ? `${list} ?? []` : list;
  const item = cb.getParameters()[0].getNameNode().getText();
  const body = (cb as unknown as { getBody(): Node }).getBody();
  const head = `for (const ${item} of ${iterable})`;
  if (Node.isBlock(body))
    return [
      { start: stmt.getStart(), end: body.getStart() + 1, text: `${head} {` },
      { start: body.getEnd() - 1, end: stmt.getEnd(), text: "}" },
    ];
  return [
    { start: stmt.getStart(), end: body.getStart(), text: `${head} ` },
    { start: body.getEnd(), end: stmt.getEnd(), text: ";" },
  ];
}
