// nodes.ts's helpers on compiler nodes: prefilters ask them before any ts-morph wrapper is made (a
// wrapper costs more than the test), and unwrapExpr, isPure, calleeBinding and requireSpec are these,
// wrapped.
import { ts } from "ts-morph";
import type { Binding, FileCtx } from "./context.js";

/** unwrapExpr: past parentheses, `as`, `satisfies`, `!` and `<T>x`. */
export function unwrapRaw(n: ts.Node): ts.Node {
  let cur = n;
  while (
    ts.isParenthesizedExpression(cur) ||
    ts.isAsExpression(cur) ||
    ts.isSatisfiesExpression(cur) ||
    ts.isNonNullExpression(cur) ||
    ts.isTypeAssertionExpression(cur)
  )
    cur = cur.expression;
  return cur;
}

/** isPure: reading it runs no code of the program's (names, member reads, literals, JSON.parse). */
export function isPureRaw(n: ts.Node): boolean {
  const e = unwrapRaw(n);
  if (
    ts.isIdentifier(e) ||
    e.kind === ts.SyntaxKind.ThisKeyword ||
    ts.isStringLiteral(e) ||
    ts.isNumericLiteral(e) ||
    ts.isNoSubstitutionTemplateLiteral(e)
  )
    return true;
  if (ts.isPropertyAccessExpression(e)) return isPureRaw(e.expression);
  if (ts.isElementAccessExpression(e))
    return isPureRaw(e.expression) && isPureRaw(e.argumentExpression);
  if (ts.isCallExpression(e))
    return (
      e.expression.getText().replace(/\s/g, "") === "JSON.parse" &&
      e.arguments.length === 1 &&
      isPureRaw(e.arguments[0])
    );
  if (ts.isBinaryExpression(e))
    return (
      (e.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken ||
        e.operatorToken.kind === ts.SyntaxKind.BarBarToken) &&
      isPureRaw(e.left) &&
      isPureRaw(e.right)
    );
  if (ts.isObjectLiteralExpression(e)) return e.properties.length === 0;
  return false;
}

/** The text of an expression without whitespace (what the name heuristics test). */
export const squeezed = (n: ts.Node): string => unwrapRaw(n).getText().replace(/\s/g, "");

/** calleeBinding: the import a callee names (`tool`, `ns.tool` on a namespace or default import). */
export function calleeBindingRaw(
  ctx: FileCtx,
  callee: ts.Node,
  // the file given: getText() alone climbs to the source file from every callee
  sf: ts.SourceFile = ctx.sf.compilerNode,
): Binding | null {
  if (ts.isIdentifier(callee)) return ctx.imports.get(callee.getText(sf)) ?? null;
  if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression)) {
    const b = ctx.imports.get(callee.expression.getText(sf));
    if (b && (b.name === "*" || b.name === "default"))
      return { spec: b.spec, name: callee.name.text };
  }
  return null;
}

/** requireSpec: `require("x")` is "x". */
export function requireSpecRaw(n: ts.Node): string | null {
  if (!ts.isCallExpression(n) || !ts.isIdentifier(n.expression) || n.expression.text !== "require")
    return null;
  const a = n.arguments[0];
  return a && ts.isStringLiteral(a) ? a.text : null;
}
