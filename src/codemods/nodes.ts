import { descendantsOfKind, identifierTexts, wrap } from "./walk.js";
import { calleeBindingRaw, isPureRaw, requireSpecRaw, unwrapRaw } from "./raw.js";
// Questions about nodes that every transform asks (which framework binding a callee is, whether a
// site is already gated, static names and strings, side-effect-free expressions) and the marker comment.
import { Node, SyntaxKind } from "ts-morph";
import { isMarkerEdit, markerEdit } from "./edits.js";
import { posOfLine } from "../runtime/shared.js";
import { RUNTIME_SPECS } from "./modules.js";
import type { Binding, FileCtx } from "./context.js";

/** "x" for require("x") (also behind await import("x")? no: dynamic imports are not bindings we follow). */
export function requireSpec(n: Node): string | null {
  return requireSpecRaw(n.compilerNode);
}

/** A name not used as any identifier in the file. */
export function freshName(ctx: FileCtx, base: string): string {
  // Identifiers only: a word in a comment or string cannot clash.
  const used = identifierTexts(ctx.sf.compilerNode);
  if (!used.has(base)) return base;
  for (let i = 0; ; i++) {
    const n =
      i === 0
        ? `governor${base[0].toUpperCase()}${base.slice(1)}`
        : `governor${base[0].toUpperCase()}${base.slice(1)}${i + 1}`;
    if (!used.has(n)) return n;
  }
}

/** The framework binding a callee expression refers to: `tool`, `aiTool` (alias), `ai.tool` (namespace). */
export function calleeBinding(ctx: FileCtx, callee: Node): Binding | null {
  return calleeBindingRaw(ctx, callee.compilerNode, callee.getSourceFile().compilerNode);
}

/** Is `n` a call of governor's gate (any alias, or ns.gate)? */
export function isGateCall(ctx: FileCtx, n: Node | undefined): boolean {
  if (!n || !Node.isCallExpression(n)) return false;
  const callee = n.getExpression();
  if (Node.isIdentifier(callee)) return ctx.gateLocals.has(callee.getText());
  const b = calleeBinding(ctx, callee);
  return !!b && RUNTIME_SPECS.has(b.spec) && b.name === "gate";
}

/** 1-based line where `n` itself starts: leading comments and JSDoc above it do not count. */
export function lineOf(n: Node): number {
  return n.getSourceFile().getLineAndColumnAtPos(n.getStart(false)).line;
}

/** Puts `// governor: <msg>` (MARKER) on its own line above `n` (once: a second run finds it and adds nothing). */
export function addMarker(ctx: FileCtx, n: Node, msg: string): void {
  const e = markerEdit(ctx.text, n.getStart(), msg, [...ctx.edits, ...(ctx.earlierEdits ?? [])]);
  if (e) ctx.edits.push(e);
}

/** Drops the marker an earlier form put above the site at `line` (a registration wrapper gates it now). */
export function dropMarker(ctx: FileCtx, line: number): void {
  const start = posOfLine(ctx.text, line);
  ctx.edits = ctx.edits.filter((e) => !(e.start === start && e.end === start && isMarkerEdit(e)));
}

/** Strips parentheses and type-only wrappers (`as`, `satisfies`, `!`) around an expression. */
export function unwrapExpr(n: Node): Node {
  const inner = unwrapRaw(n.compilerNode);
  return inner === n.compilerNode ? n : wrap(n, inner);
}

/** The node an expression's value flows to, skipping the same wrappers upward. */
export function valueParent(n: Node): { node: Node; child: Node } {
  let child = n;
  let p = n.getParentOrThrow();
  while (
    Node.isParenthesizedExpression(p) ||
    Node.isAsExpression(p) ||
    Node.isSatisfiesExpression(p) ||
    Node.isNonNullExpression(p) ||
    Node.isTypeAssertion(p) ||
    Node.isAwaitExpression(p)
  ) {
    child = p;
    p = p.getParentOrThrow();
  }
  return { node: p, child };
}

/** The `execute`/`func` member of an object literal, if any (last one wins, like at runtime). */
export function findMember(obj: Node, name: string): Node | undefined {
  if (!Node.isObjectLiteralExpression(obj)) return undefined;
  let found: Node | undefined;
  for (const p of obj.getProperties()) {
    if (
      (Node.isPropertyAssignment(p) ||
        Node.isMethodDeclaration(p) ||
        Node.isShorthandPropertyAssignment(p)) &&
      memberName(p) === name
    )
      found = p;
  }
  return found;
}

function memberName(p: Node): string | null {
  const n = (p as unknown as { getNameNode(): Node }).getNameNode();
  if (Node.isIdentifier(n)) return n.getText();
  if (Node.isStringLiteral(n)) return n.getLiteralValue();
  return null;
}

/** A string known statically: literal, or an identifier bound to a const string literal in this file. */
export function constString(ctx: FileCtx, n: Node | undefined): string | null {
  if (!n) return null;
  const e = unwrapExpr(n);
  if (Node.isStringLiteral(e) || Node.isNoSubstitutionTemplateLiteral(e))
    return e.getLiteralValue();
  if (Node.isIdentifier(e)) return constOf(ctx, e);
  // `${PREFIX}_lookup` where every part is a string const.
  if (Node.isTemplateExpression(e)) {
    let out = e.getHead().getLiteralText();
    for (const span of e.getTemplateSpans()) {
      const part = unwrapExpr(span.getExpression());
      const v = Node.isIdentifier(part)
        ? constOf(ctx, part)
        : Node.isStringLiteral(part)
          ? part.getLiteralValue()
          : null;
      if (v === null) return null;
      out += v + span.getLiteral().getLiteralText();
    }
    return out;
  }
  return null;
}

/**
 * The string an identifier always holds: only when the file binds that name exactly once, as a
 * `const` set to a string literal in a block around the use. Any other binding of the same name
 * (a loop variable, a parameter, a destructured field) may be the one in scope, so the name is
 * not taken as known.
 */
function constOf(ctx: FileCtx, id: Node): string | null {
  const text = id.getText();
  const bindings: Node[] = [];
  for (const i of descendantsOfKind(ctx.sf, SyntaxKind.Identifier)) {
    if (i.getText() !== text) continue;
    const p = i.getParent();
    if (!p) continue;
    const named = (p as unknown as { getNameNode?: () => Node | undefined }).getNameNode?.();
    const binds =
      (named === i &&
        (Node.isVariableDeclaration(p) ||
          Node.isParameterDeclaration(p) ||
          Node.isBindingElement(p) ||
          Node.isFunctionDeclaration(p) ||
          Node.isClassDeclaration(p) ||
          Node.isImportSpecifier(p) ||
          Node.isNamespaceImport(p) ||
          Node.isFunctionExpression(p) ||
          Node.isEnumDeclaration(p))) ||
      (Node.isImportSpecifier(p) && p.getAliasNode() === i) ||
      (Node.isImportClause(p) && p.getDefaultImport() === i);
    // A binding whose scope does not hold the use (a callback's own `{ name }`) is not the one seen.
    if (binds && inScope(p, id)) bindings.push(p);
  }
  if (bindings.length !== 1) return null;
  const d = bindings[0];
  if (!Node.isVariableDeclaration(d)) return null;
  const list = d.getParent();
  if (!Node.isVariableDeclarationList(list) || list.getDeclarationKind() !== "const") return null;
  const scope = list.getParent()?.getParent();
  if (
    !scope ||
    !(Node.isSourceFile(scope) || Node.isBlock(scope) || Node.isModuleBlock(scope)) ||
    !scope.containsRange(id.getPos(), id.getEnd())
  )
    return null;
  const init = d.getInitializer() && unwrapExpr(d.getInitializer()!);
  return init && (Node.isStringLiteral(init) || Node.isNoSubstitutionTemplateLiteral(init))
    ? init.getLiteralValue()
    : null;
}

/** Could binding `b` be the one `use` refers to? Its scope: the function for parameters, `var` and
 *  function declarations (hoisted); the nearest block for `let`/`const`/classes; the file for imports.
 *  Unsure shapes count as in scope (the caller then treats the name as unknown). */
function inScope(b: Node, use: Node): boolean {
  const fnLike = (n: Node) =>
    Node.isFunctionDeclaration(n) ||
    Node.isFunctionExpression(n) ||
    Node.isArrowFunction(n) ||
    Node.isMethodDeclaration(n) ||
    Node.isConstructorDeclaration(n) ||
    Node.isGetAccessorDeclaration(n) ||
    Node.isSetAccessorDeclaration(n);
  // A destructured element belongs to the nearest parameter or variable declaration around it.
  const owner = Node.isBindingElement(b)
    ? b.getFirstAncestor((a) => Node.isParameterDeclaration(a) || Node.isVariableDeclaration(a))
    : b;
  let scope: Node | undefined;
  if (owner && Node.isParameterDeclaration(owner)) scope = owner.getParent();
  else if (owner && Node.isVariableDeclaration(owner)) {
    const list = owner.getParent();
    if (!Node.isVariableDeclarationList(list)) return true;
    const stmt = list.getParent();
    if (list.getDeclarationKind() === "var")
      scope = owner.getFirstAncestor((a) => fnLike(a) || Node.isSourceFile(a));
    // for (const x of ...) / catch: the loop or clause; a const/let statement: its block.
    else scope = stmt && !Node.isVariableStatement(stmt) ? stmt : stmt?.getParent();
  } else return true;
  if (!scope) return true;
  return scope.getPos() <= use.getPos() && use.getEnd() <= scope.getEnd();
}

/** Side-effect-free expression text that can be evaluated twice (names, property reads, JSON.parse of those). */
export function isPure(n: Node): boolean {
  return isPureRaw(n.compilerNode);
}

/** A property key known without running code: identifier, string or number literal, or ["literal"]. */
export function staticKey(n: Node): string | null {
  if (Node.isIdentifier(n) || Node.isPrivateIdentifier(n)) return n.getText();
  if (Node.isStringLiteral(n) || Node.isNoSubstitutionTemplateLiteral(n))
    return n.getLiteralValue();
  if (Node.isNumericLiteral(n)) return n.getText();
  if (Node.isComputedPropertyName(n)) {
    const e = n.getExpression();
    if (Node.isStringLiteral(e) || Node.isNoSubstitutionTemplateLiteral(e))
      return e.getLiteralValue();
  }
  return null;
}
