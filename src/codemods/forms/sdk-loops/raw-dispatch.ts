// The loop form's questions asked of compiler nodes first: in a long file most calls, switches and
// ifs dispatch nothing, and these turn them down before a ts-morph wrapper is made. Each answers yes
// wherever its wrapper twin in loops.ts can (it may answer yes more often; the twin decides).
import { ts } from "ts-morph";
import { isPureRaw, squeezed, unwrapRaw } from "../../raw.js";
import { NAMEY } from "./dispatcher.js";

// purity first: it turns down a long object or function argument without reading its text
const nameyPure = (n: ts.Node | undefined): boolean =>
  !!n && isPureRaw(n) && NAMEY.test(squeezed(n));

/** handlers[name] with a pure name read. */
function access(n: ts.Node): boolean {
  const e = unwrapRaw(n);
  return ts.isElementAccessExpression(e) && nameyPure(e.argumentExpression);
}

/** constInit in loops.ts: the initializer of the `const` a name refers to, declared before it. */
function constInitRaw(id: ts.Identifier): ts.Node | undefined {
  const name = id.getText();
  const at = id.getStart();
  for (let scope: ts.Node | undefined = id.parent; scope; scope = scope.parent) {
    if (!ts.isBlock(scope) && !ts.isSourceFile(scope)) continue;
    for (const st of scope.statements) {
      // pos >= at says "starts after" without scanning the trivia getStart() skips
      if (st.end > at && (st.pos >= at || st.getStart() >= at)) break;
      if (!ts.isVariableStatement(st)) continue;
      if ((st.declarationList.flags & ts.NodeFlags.BlockScoped) !== ts.NodeFlags.Const) continue;
      // a binding pattern's text is never an identifier's; the decoded name narrows before getText
      const d = st.declarationList.declarations.find(
        (v) => ts.isIdentifier(v.name) && v.name.text === id.text && v.name.getText() === name,
      );
      if (d?.initializer) return unwrapRaw(d.initializer);
    }
  }
  return undefined;
}

/** May this call be a dispatch on a tool name (dynamicDispatch) or hand one to a dispatcher in
 *  another module (crossModuleDispatcher: a pure name-ish argument)? */
export function mayDispatch(n: ts.Node): boolean {
  const call = n as ts.CallExpression;
  if (call.arguments.some((a) => nameyPure(a))) return true;
  const callee = unwrapRaw(call.expression);
  if (access(callee)) return true;
  if (ts.isIdentifier(callee)) {
    const held = constInitRaw(callee);
    return !!held && access(held);
  }
  if (!ts.isPropertyAccessExpression(callee)) return false;
  const own = unwrapRaw(callee.expression);
  const recv = (ts.isIdentifier(own) && constInitRaw(own)) || own;
  if (access(recv)) return true;
  if (!ts.isCallExpression(recv) || !ts.isPropertyAccessExpression(recv.expression)) return false;
  const m = recv.expression.name.text;
  return m === "get" || m === "find";
}

/** A switch on something name-ish (the form then checks it is pure). */
export const mayNameSwitch = (n: ts.Node): boolean =>
  NAMEY.test((n as ts.SwitchStatement).expression.getText().replace(/\s/g, ""));

/** nameTest in loops.ts: `name === "x"` (either side), alone or as one side of `&&`. */
function mayNameTest(n: ts.Node): boolean {
  const e = unwrapRaw(n);
  if (!ts.isBinaryExpression(e)) return false;
  const op = e.operatorToken.kind;
  if (op === ts.SyntaxKind.AmpersandAmpersandToken)
    return mayNameTest(e.left) || mayNameTest(e.right);
  if (op !== ts.SyntaxKind.EqualsEqualsToken && op !== ts.SyntaxKind.EqualsEqualsEqualsToken)
    return false;
  const namey = (s: ts.Node) => NAMEY.test(s.getText().replace(/\s/g, ""));
  return (
    (ts.isStringLiteral(e.right) && namey(e.left)) || (ts.isStringLiteral(e.left) && namey(e.right))
  );
}

export const mayNameIf = (n: ts.Node): boolean => mayNameTest((n as ts.IfStatement).expression);

/** `xs.forEach(fn)` with a function literal: the calls unrollForEach looks at. */
export function isForEachOfLiteral(n: ts.Node): boolean {
  const call = n as ts.CallExpression;
  const cb = call.arguments[0];
  return (
    ts.isPropertyAccessExpression(call.expression) &&
    call.expression.name.text === "forEach" &&
    !!cb &&
    (ts.isArrowFunction(cb) || ts.isFunctionExpression(cb))
  );
}
