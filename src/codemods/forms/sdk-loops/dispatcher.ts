import { descendantsOfKind } from "../../walk.js";
// Dispatch that lives in another module: `await executeTool(call.function.name, call.function.arguments)`
// where tools.ts exports `async function executeTool(name, raw) { switch (name) { case "send_email": ... } }`,
// and handler maps exported from another file (`functionsMap[name](args)`).
// The gate goes at the call site, around the call, with the run-time name: it is the one place
// that sees every tool the dispatcher can run (whatever its inside looks like: switch, if-chain,
// map), and the loop's file is the one init rewrites. The dispatcher's case labels are the names
// reported. A dispatcher whose own file the loop form gates (see loopFormRuns) is left to that
// file, so a call is never asked twice.
import { Node, SyntaxKind, type CallExpression } from "ts-morph";
import type { FileCtx } from "../../context.js";
import type { Program } from "../../program.js";
import { mayHaveTools } from "../../../detectors/modules.js";
import { isPure, lineOf, staticKey, unwrapExpr } from "../../nodes.js";

export const NAMEY = /(?:^|\.|\b)(?:name|toolName|tool_name|fnName|functionName|function_name)$/;

// A loop that dispatches tool calls talks about them: guards the name-based heuristics
// against, say, a switch on user.name in a file that merely imports the SDK.
export const TOOL_CALL_TALK =
  /\b(?:tool_calls?|tool_use|tool_use_id|tool_call_id|function_call|call_id|toolCalls?|toolName|function\.name)\b/;

const SDK_IMPORT =
  /(?:from\s*|require\(\s*|import\(\s*)["'](?:openai|@anthropic-ai\/sdk|groq-sdk)(?:\/[^"']*)?["']/;
const projectSdk = new WeakMap<Program, boolean>();

/**
 * The loop form runs on files importing an SDK, and on files that handle tool calls in a project
 * that imports one elsewhere: the client is often made in a module of its own.
 */
export function loopApplies(ctx: FileCtx, prog: Program): boolean {
  if (ctx.frameworks.has("openai") || ctx.frameworks.has("anthropic")) return true;
  if (!TOOL_CALL_TALK.test(ctx.text)) return false;
  if (!projectSdk.has(prog))
    projectSdk.set(
      prog,
      [...prog.texts.values()].some((t) => SDK_IMPORT.test(t)),
    );
  return projectSdk.get(prog)!;
}

/** The loop form looks at this file's own dispatch: init reads the file and the form applies to it. */
function loopFormRuns(prog: Program, ctx: FileCtx): boolean {
  return mayHaveTools(ctx.text) && TOOL_CALL_TALK.test(ctx.text) && loopApplies(ctx, prog);
}

export interface Dispatcher {
  /** The argument holding the tool name, and those holding its input. */
  nameArg: Node;
  input: Node[];
  /** Tool names the dispatcher handles (its case labels, if names, map keys), and where. */
  names: Named[];
  /** "executeTool" as the call spells it, for reasons. */
  callee: string;
  /** Identifies the dispatcher across call sites: its file and position. */
  key: string;
  /** Left to the dispatcher's own file. */
  defer: boolean;
}

type FnNode = Node & { getParameters(): import("ts-morph").ParameterDeclaration[] };

/** `f(<tool name>, ...)` where f is a project function in another file that dispatches on that parameter. */
export function crossModuleDispatcher(
  prog: Program,
  ctx: FileCtx,
  call: CallExpression,
): Dispatcher | null {
  const args = call.getArguments();
  const i = args.findIndex(
    (a) => NAMEY.test(unwrapExpr(a).getText().replace(/\s/g, "")) && isPure(a),
  );
  if (i === -1) return null;
  const callee = unwrapExpr(call.getExpression());
  let sym: string | null = null;
  if (Node.isIdentifier(callee)) sym = prog.symbolOf(ctx, callee.getText());
  else if (Node.isPropertyAccessExpression(callee) && Node.isIdentifier(callee.getExpression()))
    sym = prog.memberSymbol(ctx, callee.getExpression().getText(), callee.getName());
  if (!sym) return null;
  const [path, local] = splitSymbol(sym);
  if (path === ctx.path) return null; // this file's own branches are gated where they are
  const owner = prog.get(path);
  const fn = owner && functionNamed(owner, local);
  if (!owner || !fn) return null;
  const p = fn.getParameters()[i]?.getNameNode();
  if (!p || !Node.isIdentifier(p)) return null;
  const names = dispatchedNames(prog, owner, fn, p.getText());
  if (!names) return null;
  return {
    nameArg: args[i],
    input: args.filter((_, j) => j !== i),
    names,
    callee: callee.getText(),
    key: `${path}#${fn.getStart()}`,
    defer: loopFormRuns(prog, owner) && NAMEY.test(p.getText()),
  };
}

function splitSymbol(sym: string): [string, string] {
  const at = sym.lastIndexOf("#");
  return [sym.slice(0, at), sym.slice(at + 1)];
}

/** The function a file binds to `local` at its top: declaration, const arrow / function, or the anonymous default export. */
function functionNamed(ctx: FileCtx, local: string): FnNode | null {
  for (const st of ctx.sf.getStatements()) {
    if (
      Node.isFunctionDeclaration(st) &&
      (st.getName() === local || (local === "default" && !st.getName() && st.isDefaultExport()))
    )
      return st;
    if (Node.isVariableStatement(st))
      for (const d of st.getDeclarations()) {
        const init = d.getInitializer() && unwrapExpr(d.getInitializer()!);
        if (
          d.getName() === local &&
          init &&
          (Node.isArrowFunction(init) || Node.isFunctionExpression(init))
        )
          return init;
      }
    if (Node.isExportAssignment(st) && local === "default") {
      const e = unwrapExpr(st.getExpression());
      if (Node.isArrowFunction(e) || Node.isFunctionExpression(e)) return e;
    }
  }
  return null;
}

/**
 * The names `fn` dispatches `param` on: switch case labels, `param === "x"` tests, keys of a
 * `map[param]` lookup. Null when `fn` does not dispatch on it at all (a logger, say).
 */
/** A tool name and the place in its own file that names it (a case label, an if, a map key). */
export interface Named {
  name: string;
  file: string;
  line: number;
}

function dispatchedNames(prog: Program, owner: FileCtx, fn: Node, param: string): Named[] | null {
  const out: Named[] = [];
  const at = (name: string, n: Node, ctx = owner) => ({ name, file: ctx.path, line: lineOf(n) });
  let dispatches = false;
  const on = (n: Node | undefined) => !!n && unwrapExpr(n).getText() === param;
  for (const sw of descendantsOfKind(fn, SyntaxKind.SwitchStatement)) {
    if (!on(sw.getExpression())) continue;
    dispatches = true;
    for (const c of sw.getClauses()) {
      const l = Node.isCaseClause(c) ? c.getExpression() : undefined;
      if (l && (Node.isStringLiteral(l) || Node.isNoSubstitutionTemplateLiteral(l)))
        out.push(at(l.getLiteralValue(), c));
    }
  }
  for (const b of descendantsOfKind(fn, SyntaxKind.BinaryExpression)) {
    if (!/^={2,3}$/.test(b.getOperatorToken().getText())) continue;
    const [l, r] = [unwrapExpr(b.getLeft()), unwrapExpr(b.getRight())];
    const lit = on(l) ? r : on(r) ? l : null;
    if (lit && Node.isStringLiteral(lit)) {
      dispatches = true;
      out.push(at(lit.getLiteralValue(), b));
    }
  }
  for (const e of descendantsOfKind(fn, SyntaxKind.ElementAccessExpression)) {
    if (!on(e.getArgumentExpression()) || !runsLookup(e, fn)) continue;
    const obj = unwrapExpr(e.getExpression());
    if (!Node.isIdentifier(obj)) continue;
    dispatches = true;
    out.push(...mapKeysOf(prog, owner, obj.getText()).map((k) => at(k.name, k.at, k.owner)));
  }
  return dispatches ? out.filter((n, i) => out.findIndex((o) => o.name === n.name) === i) : null;
}

/**
 * Is the value looked up by name run (or handed back to be run)? `map[name](...)`,
 * `map[name].run.call(...)`, `return map[name]`, `(map[name] ?? fallback)(...)`, or the value held
 * (`const h = map[name]`, `h = map[name]`, `const { run } = map[name]`) then called.
 * Reading data by a name (`cache[name]`, `delete map[name]`) dispatches nothing: gating it would
 * put a policy check in front of code that is not a tool.
 */
function runsLookup(e: Node, fn: Node): boolean {
  let cur: Node = e;
  let p = cur.getParent();
  const passes = (n: Node): boolean =>
    Node.isParenthesizedExpression(n) ||
    Node.isNonNullExpression(n) ||
    Node.isAsExpression(n) ||
    Node.isSatisfiesExpression(n) ||
    Node.isAwaitExpression(n) ||
    // a fallback: `map[name] ?? other`, `map[name] || other`, `ok ? map[name] : other`
    (Node.isBinaryExpression(n) &&
      [SyntaxKind.QuestionQuestionToken, SyntaxKind.BarBarToken].includes(
        n.getOperatorToken().getKind(),
      )) ||
    (Node.isConditionalExpression(n) && n.getCondition() !== cur) ||
    // a member of it: `map[name].run`, `map[name].run.call`
    (Node.isPropertyAccessExpression(n) && n.getExpression() === cur);
  // handed back, the value runs later; a member of it handed back is data
  let member = false;
  while (p && passes(p)) {
    if (Node.isPropertyAccessExpression(p)) member = true;
    cur = p;
    p = p.getParent();
  }
  if (!p) return false;
  if (Node.isCallExpression(p) && p.getExpression() === cur) return true;
  if (Node.isReturnStatement(p)) return !member;
  if (Node.isArrowFunction(p)) return p.getBody() === cur && !member;
  if (Node.isVariableDeclaration(p) && p.getInitializer() === cur) {
    const name = p.getNameNode();
    const held = Node.isIdentifier(name)
      ? [name.getText()]
      : descendantsOfKind(name, SyntaxKind.BindingElement).map((b) => b.getNameNode().getText());
    return callsHeld(fn, held);
  }
  if (
    Node.isBinaryExpression(p) &&
    p.getOperatorToken().getKind() === SyntaxKind.EqualsToken &&
    p.getRight() === cur &&
    Node.isIdentifier(p.getLeft())
  )
    return callsHeld(fn, [p.getLeft().getText()]);
  return false;
}

/** Is one of `held` (or a member of it) called in `fn`? */
function callsHeld(fn: Node, held: string[]): boolean {
  return descendantsOfKind(fn, SyntaxKind.CallExpression).some((c) => {
    const t = unwrapExpr(c.getExpression()).getText();
    return held.some((h) => t === h || t.startsWith(`${h}.`) || t.startsWith(`${h}?.`));
  });
}

export interface MapKey {
  name: string;
  at: Node;
  owner: FileCtx;
}

/** Keys of a handler map: an object literal declared in this file, or imported from another one. */
export function mapKeysOf(prog: Program | undefined, ctx: FileCtx, name: string): MapKey[] {
  const local = objectKeys(ctx, name);
  if (local.length || !prog) return local;
  const dot = name.indexOf(".");
  const sym =
    dot === -1
      ? prog.symbolOf(ctx, name)
      : prog.memberSymbol(ctx, name.slice(0, dot), name.slice(dot + 1));
  if (!sym) return [];
  const [path, decl] = splitSymbol(sym);
  const owner = path === ctx.path ? null : prog.get(path);
  return owner ? objectKeys(owner, decl) : [];
}

function objectKeys(ctx: FileCtx, name: string): MapKey[] {
  const d = descendantsOfKind(ctx.sf, SyntaxKind.VariableDeclaration).find(
    (v) => v.getName() === name,
  );
  const init = d?.getInitializer() && unwrapExpr(d.getInitializer()!);
  if (!init || !Node.isObjectLiteralExpression(init)) return [];
  const out: MapKey[] = [];
  for (const p of init.getProperties()) {
    if (Node.isShorthandPropertyAssignment(p)) out.push({ name: p.getName(), at: p, owner: ctx });
    else if (Node.isPropertyAssignment(p) || Node.isMethodDeclaration(p)) {
      const k = staticKey(p.getNameNode());
      if (k !== null) out.push({ name: k, at: p, owner: ctx });
    }
  }
  return out;
}
