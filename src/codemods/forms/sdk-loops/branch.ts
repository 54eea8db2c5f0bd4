import { descendantsOfKind } from "../../walk.js";
// One branch of a custom loop's dispatch on the tool-call name (a switch case or an if on the name).
// The gate goes around the unit whose value the model receives, so on DENY the refusal text takes
// the place of the tool's result and the loop still answers the same tool_call_id:
//   - a branch that ends in `return <expr>`: the whole branch becomes the gated function;
//   - a branch that ends in `result = <expr>` (then break): the assignment's work is gated, but only
//     where `result` is handed to the model as it is (tool message content, returned) and nothing
//     reads its fields, which would turn a refusal into "undefined";
//   - a branch that ends in `results.push({ tool_use_id, content: <expr> })`: the work before the
//     push and the content become the gated function, and the push sends its result (or the refusal).
// The gate is called with the tool's parsed arguments object, so the runtime sees what the model
// asked for (PII, volume); the gated function still reads the branch's own variables.
import { Node, SyntaxKind, type Statement } from "ts-morph";
import type { FileCtx } from "../../context.js";
import { gateBlockEdits, type Edit } from "../../edits.js";
import { addMarker, freshName, isGateCall, isPure, unwrapExpr } from "../../nodes.js";
import { literalRanges, report, type Site } from "../../wrap.js";
import { blockedBy, enclosingFn, isAsyncFn } from "./foreach.js";

const OPTS = `{ onDeny: "return" }`;
/** Keys of a tool message that carry the result, and the keys that tie it to the call. */
const RESULT_KEYS = new Set(["content", "output", "result"]);
const CALL_ID_KEYS = new Set(["tool_call_id", "call_id", "tool_use_id", "toolCallId", "toolUseId"]);
const ARGS_PARAM = /^(?:args|arguments|input|params|parameters|toolArgs|toolInput|parsedArgs)$/i;

type FnNode = Node & { getParameters(): import("ts-morph").ParameterDeclaration[] };

/**
 * Gates one branch, or marks it for the user. `sites` are the tool names it handles, `nameText` the
 * gate's name argument, `nameNode` the expression the dispatch tests.
 */
export function gateBranch(
  ctx: FileCtx,
  sites: Site[],
  stmts: Statement[],
  nameText: string,
  nameNode: Node,
): void {
  if (sites.some((s) => ctx.claimed.has(s.at.getStart()))) return;
  // The marker goes above the branch's first statement; the finding keeps the case / if line.
  const fail = (reason: string, at: Node) => {
    addMarker(ctx, at, reason);
    report(ctx, sites[0], "manual", reason);
    for (const s of sites.slice(1)) report(ctx, s, "manual", "shares a branch with the tool above");
  };
  const how = `gate(${nameText}, fn, ${OPTS})`;
  const blocked = blockedBy(sites[0].at);
  if (blocked) {
    addMarker(ctx, blocked.at, blocked.reason);
    for (const s of sites) report(ctx, s, "manual", blocked.reason);
    return;
  }
  // A trailing `break` / `continue` stays where it is, after the gated work.
  let body = withoutJump(stmts);
  if (body.length === 1 && Node.isBlock(body[0])) body = withoutJump(body[0].getStatements());
  const last = body[body.length - 1];
  const first = body[0] ?? stmts[0] ?? sites[0].at;
  if (!last) return fail(`this branch does no work; if it is a tool, wrap it in ${how}`, first);

  const push = toolMessagePush(last);
  if (
    (body.length === 1 && alreadyGated(ctx, last)) ||
    (push && body.length === 2 && alreadyGated(ctx, body[0]))
  ) {
    for (const s of sites) report(ctx, s, "already-gated");
    return;
  }

  const returns = Node.isReturnStatement(last) && !!last.getExpression();
  let target = !returns && assignedName(last);
  const pushes = !returns && !target && push;
  if (pushes && body.length === 1 && isGatedValue(ctx, push.value)) {
    for (const s of sites) report(ctx, s, "already-gated");
    return;
  }
  // A branch that only sets the reply's variables, after a single model call that is never sent
  // the tool's result: gated whole, a refusal thrown (see gateWhole).
  const whole =
    !returns &&
    !pushes &&
    singleShot(body) &&
    (!target || setsSeveral(body, target) || !!fieldReads(last, target));
  if (whole) target = false;
  if (!returns && !target && !pushes && !whole)
    return fail(
      `this branch does not hand the tool's result back (no return or result assignment at its end), so a refusal could not reach the model; wrap the tool's work in ${how} and send its result as the tool message`,
      first,
    );

  const escape = escapes(pushes ? body.slice(0, -1) : body, returns);
  if (escape)
    return fail(
      `this branch leaves early (${escape}); wrap the tool's work in ${how} by hand so its result or the refusal is what the model receives`,
      first,
    );
  const leak = declaredAndUsedElsewhere(body);
  if (leak)
    return fail(
      `${leak} is declared in this branch and used outside it; wrap the tool's work in ${how} by hand`,
      first,
    );

  if (target) {
    if (body.slice(0, -1).some((s) => assigns(s, target)))
      return fail(
        `this branch sets ${target} more than once; wrap the tool's work in ${how} by hand`,
        first,
      );
    const bad = fieldReads(last, target);
    if (bad)
      return fail(
        `the loop reads ${target} as ${bad}, not as the tool message whole; on a refusal ${target} would hold text and the model would be told a wrong result. Gate by hand: ${how} around this branch and the code that builds the tool message`,
        first,
      );
  }

  if (pushes) {
    const read = readsBranchName(body, push);
    if (read)
      return fail(
        `the tool message reads ${read}, which this branch declares; wrap the tool's work in ${how} by hand`,
        first,
      );
  }

  const fn = enclosingFn(last);
  if (fn && "isGenerator" in fn && (fn as unknown as { isGenerator(): boolean }).isGenerator())
    return fail(
      `this branch is in a generator, where a gated function cannot yield; wrap the tool's work in ${how} by hand`,
      first,
    );
  if (!fn || !isAsyncFn(fn))
    return fail(
      `the function around this branch is not async, but a gated call is; make it async and wrap the tool's work in ${how} by hand`,
      first,
    );

  const args = toolArgs(ctx, nameNode, body);
  if (!args)
    return fail(
      `could not tell which variable holds the tool's parsed arguments; wrap the tool's work in ${how} and call it with the arguments object`,
      first,
    );

  if (whole) {
    const hidden = ctx.isTs ? narrowedOutside(body) : null;
    if (hidden)
      return fail(
        `this branch sets ${hidden}, whose type TypeScript narrows outside it; wrap the tool's work in gate(${nameText}, fn) by hand`,
        first,
      );
    ctx.edits.push(...wholeEdits(ctx, body, nameText, args));
    ctx.needsGate = true;
    for (const s of sites) report(ctx, s, "gated", WHOLE_REASON);
    return;
  }
  ctx.edits.push(
    ...(pushes
      ? pushEdits(ctx, body, push, nameText, args)
      : wrapEdits(ctx, body, target || null, nameText, args)),
  );
  ctx.needsGate = true;
  for (const s of sites) report(ctx, s, "gated");
}

const WHOLE_REASON =
  "gated whole, a refusal thrown: this branch hands no single result back to the model (it sets the reply's variables), so on DENY a GovernorDeniedError is thrown here and the tool's work never runs; the code around it handles that like any other error";

/**
 * No tool message is built in the function around the branch (the model never reads the tool's
 * result), and the branch runs once per request, not in a loop over tool calls.
 */
function singleShot(body: Statement[]): boolean {
  const fn = enclosingFn(body[0]);
  if (!fn) return false;
  for (let p = body[0].getParent(); p && p !== fn; p = p.getParent()) {
    if (Node.isIterationStatement(p)) return false;
    // calls.forEach / map callbacks (also those unrolled into for-of) run once per tool call.
    if (
      (Node.isArrowFunction(p) || Node.isFunctionExpression(p)) &&
      Node.isCallExpression(p.getParent()) &&
      /\.(?:forEach|map|flatMap|reduce|filter|some|every)$/.test(
        (p.getParent() as import("ts-morph").CallExpression).getExpression().getText(),
      )
    )
      return false;
  }
  const own = fn.getParent();
  if (
    own &&
    Node.isCallExpression(own) &&
    /\.(?:forEach|map|flatMap|reduce)$/.test(own.getExpression().getText())
  )
    return false;
  for (const o of descendantsOfKind(fn, SyntaxKind.ObjectLiteralExpression)) {
    if (isToolMessage(o)) return false;
    for (const p of o.getProperties()) {
      if (!Node.isPropertyAssignment(p)) continue;
      const v = unwrapExpr(p.getInitializerOrThrow());
      const key = p.getName();
      // A tool message: { role: "tool" } (legacy "function"), { type: "tool_result" | "function_call_output" }.
      if (
        Node.isStringLiteral(v) &&
        ((key === "role" && /^(?:tool|function)$/.test(v.getLiteralValue())) ||
          (key === "type" && /^(?:tool_result|function_call_output)$/.test(v.getLiteralValue())))
      )
        return false;
    }
  }
  return true;
}

/** The branch assigns `target` before its last statement, or assigns other outer variables too. */
function setsSeveral(body: Statement[], target: string): boolean {
  return (
    body.slice(0, -1).some((s) => Node.isExpressionStatement(s) && !!assignedName(s)) ||
    body.slice(0, -1).some((s) => assigns(s, target))
  );
}

/**
 * A variable declared outside the branch and assigned in it whose type TypeScript narrows by
 * assignment (a union, boolean, no initializer): once the assignment sits in a closure, the code
 * after it would see the narrowed type (TS2367 on `action === "created"`).
 */
function narrowedOutside(body: Statement[]): string | null {
  const fn = enclosingFn(body[0]);
  if (!fn) return null;
  const [from, to] = [body[0].getStart(), body[body.length - 1].getEnd()];
  for (const s of body)
    for (const b of descendantsOfKind(s, SyntaxKind.BinaryExpression)) {
      if (
        !b.getOperatorToken().getText().endsWith("=") ||
        /^[=!<>]=/.test(b.getOperatorToken().getText())
      )
        continue;
      const left = unwrapExpr(b.getLeft());
      if (!Node.isIdentifier(left)) continue;
      const d = descendantsOfKind(fn, SyntaxKind.VariableDeclaration).find(
        (v) => v.getName() === left.getText() && (v.getStart() < from || v.getStart() >= to),
      );
      if (!d) continue;
      const type = d.getTypeNode();
      const init = d.getInitializer() && unwrapExpr(d.getInitializer()!);
      if (type ? /\||\bboolean\b|\?/.test(type.getText()) || !init : !init || !plainInit(init))
        return left.getText();
    }
  return null;
}

// Initialisers whose inferred type no assignment narrows: a string, number, template or object literal.
const plainInit = (n: Node) =>
  Node.isStringLiteral(n) ||
  Node.isNoSubstitutionTemplateLiteral(n) ||
  Node.isTemplateExpression(n) ||
  Node.isNumericLiteral(n) ||
  Node.isObjectLiteralExpression(n);

/**
 * The branch's statements move into the gated function; a refusal is thrown (gate's default):
 *   await gate("x", async (_args) => {
 *     ...statements...
 *   })(args);
 */
function wholeEdits(ctx: FileCtx, body: Statement[], nameText: string, args: string): Edit[] {
  const text = ctx.text;
  const first = body[0];
  const last = body[body.length - 1];
  const param = ctx.isTs ? "(_args: unknown)" : "(_args)";
  const block = { from: first.getStart(), to: last.getEnd(), keep: literalsIn(body) };
  return gateBlockEdits(text, block, ({ nl, indent, unit }) => [
    `await ${ctx.gateId}(${nameText}, async ${param} => {${nl}${indent}${unit}`,
    `${nl}${indent}})(${args});`,
  ]);
}

function withoutJump(stmts: Statement[]): Statement[] {
  const out = [...stmts];
  while (out.length) {
    const s = out[out.length - 1];
    if (!(Node.isBreakStatement(s) || Node.isContinueStatement(s)) || s.getLabel()) break;
    out.pop();
  }
  return out;
}

/** `return gate(...)(...)` or `x = await gate(...)(...)`: a branch this codemod already gated. */
function alreadyGated(ctx: FileCtx, s: Statement): boolean {
  let e: Node | undefined;
  if (Node.isReturnStatement(s)) e = s.getExpression();
  else if (Node.isVariableStatement(s) && s.getDeclarations().length === 1)
    e = s.getDeclarations()[0].getInitializer();
  else if (Node.isExpressionStatement(s)) {
    e = s.getExpression();
    if (Node.isBinaryExpression(e) && e.getOperatorToken().getKind() === SyntaxKind.EqualsToken)
      e = e.getRight();
  }
  return !!e && isGatedValue(ctx, e);
}

/** `x = <expr>;` -> "x". */
function assignedName(s: Statement): string | null {
  if (!Node.isExpressionStatement(s)) return null;
  const e = s.getExpression();
  if (!Node.isBinaryExpression(e) || e.getOperatorToken().getKind() !== SyntaxKind.EqualsToken)
    return null;
  return Node.isIdentifier(e.getLeft()) ? e.getLeft().getText() : null;
}

function assigns(s: Node, name: string): boolean {
  return descendantsOfKind(s, SyntaxKind.BinaryExpression).some(
    (b) =>
      /=$/.test(b.getOperatorToken().getText()) &&
      !/^[=!<>]=/.test(b.getOperatorToken().getText()) &&
      b.getLeft().getText() === name,
  );
}

/** Control flow that would leave the branch once it sits inside a function: a reason, or null. */
function escapes(body: Statement[], allowReturn: boolean): string | null {
  for (const s of body) {
    let found: string | null = null;
    const visit = (n: Node, loops: number, switches: number) => {
      if (found) return;
      if (
        Node.isFunctionLikeDeclaration(n) ||
        Node.isArrowFunction(n) ||
        Node.isFunctionExpression(n) ||
        Node.isClassDeclaration(n) ||
        Node.isClassExpression(n)
      )
        return;
      if (Node.isYieldExpression(n)) found = "yield";
      else if (Node.isReturnStatement(n) && !allowReturn) found = "return";
      else if (Node.isBreakStatement(n) && (n.getLabel() || loops + switches === 0))
        found = n.getText();
      else if (Node.isContinueStatement(n) && (n.getLabel() || loops === 0)) found = n.getText();
      const loop = Node.isIterationStatement(n) ? 1 : 0;
      const sw = Node.isSwitchStatement(n) ? 1 : 0;
      n.forEachChild((c) => visit(c, loops + loop, switches + sw));
    };
    visit(s, 0, 0);
    if (found) return found;
  }
  return null;
}

/** The names a declaration's name binds: itself, or every identifier in its destructuring pattern. */
function boundNames(n: Node): string[] {
  return Node.isIdentifier(n)
    ? [n.getText()]
    : descendantsOfKind(n, SyntaxKind.Identifier).map((i) => i.getText());
}

/** A name the branch declares at its top level that code outside the branch also mentions. */
function declaredAndUsedElsewhere(body: Statement[]): string | null {
  const names: string[] = [];
  for (const s of body) {
    if (Node.isVariableStatement(s))
      for (const d of s.getDeclarations()) names.push(...boundNames(d.getNameNode()));
    if ((Node.isFunctionDeclaration(s) || Node.isClassDeclaration(s)) && s.getName())
      names.push(s.getName()!);
  }
  if (!names.length) return null;
  // let/const/class in a braced branch cannot be seen outside it; in a bare case clause they belong
  // to the whole switch; var and functions to the whole function.
  const hoisted = body.some(
    (s) =>
      Node.isFunctionDeclaration(s) ||
      (Node.isVariableStatement(s) && s.getDeclarationKind() === "var"),
  );
  const parent = body[0].getParentOrThrow();
  if (!hoisted && Node.isBlock(parent)) return null;
  const scope = (hoisted ? enclosingFn(body[0]) : parent.getParent()) ?? body[0].getSourceFile();
  const [from, to] = [body[0].getStart(), body[body.length - 1].getEnd()];
  for (const id of descendantsOfKind(scope, SyntaxKind.Identifier)) {
    if (
      (id.getStart() < from || id.getStart() >= to) &&
      names.includes(id.getText()) &&
      isReference(id)
    )
      return id.getText();
  }
  return null;
}

/**
 * How `target` is read outside the assignment, when it is anything but the tool message's result
 * as a whole (`content: x`, `content: JSON.stringify(x)`, `{ ..., content }`, `return x`).
 */
function fieldReads(assignment: Statement, target: string): string | null {
  const scope = declarationScope(assignment, target);
  for (const id of descendantsOfKind(scope, SyntaxKind.Identifier)) {
    if (id.getText() !== target) continue;
    const p = id.getParentOrThrow();
    if (!isReference(id)) continue;
    if (
      Node.isBinaryExpression(p) &&
      p.getLeft() === id &&
      p.getOperatorToken().getKind() === SyntaxKind.EqualsToken
    )
      continue;
    if (Node.isTypeOfExpression(p)) continue;
    if (Node.isShorthandPropertyAssignment(p)) {
      if (RESULT_KEYS.has(target) && isToolMessage(p.getParent())) continue;
      return `{ ${target} }`;
    }
    let n: Node = id;
    for (;;) {
      const up = n.getParentOrThrow();
      if (
        Node.isParenthesizedExpression(up) ||
        Node.isAsExpression(up) ||
        Node.isNonNullExpression(up) ||
        Node.isAwaitExpression(up)
      )
        n = up;
      else if (
        Node.isCallExpression(up) &&
        /^(?:JSON\.stringify|String)$/.test(up.getExpression().getText().replace(/\s/g, "")) &&
        up.getArguments()[0] === n
      )
        n = up;
      else if (Node.isConditionalExpression(up) && up.getCondition() !== n) n = up;
      else if (
        Node.isBinaryExpression(up) &&
        ["??", "||"].includes(up.getOperatorToken().getText())
      )
        n = up;
      else break;
    }
    const sink = n.getParentOrThrow();
    if (Node.isReturnStatement(sink)) continue;
    if (
      Node.isPropertyAssignment(sink) &&
      RESULT_KEYS.has(sink.getName()) &&
      isToolMessage(sink.getParent())
    )
      continue;
    const shown = (n === id ? p : n).getText().replace(/\s+/g, " ");
    return `\`${shown.length > 60 ? `${shown.slice(0, 57)}...` : shown}\` (line ${id.getStartLineNumber()})`;
  }
  return null;
}

/** An identifier that reads a variable: not a property or declaration name, not inside a type. */
function isReference(id: Node): boolean {
  const p = id.getParentOrThrow();
  if (Node.isShorthandPropertyAssignment(p)) return true;
  if ("getNameNode" in p && (p as unknown as { getNameNode(): Node }).getNameNode() === id)
    return false;
  if (Node.isPropertyAccessExpression(p) && p.getNameNode() === id) return false;
  return !id.getFirstAncestor((a) => Node.isTypeNode(a));
}

function isToolMessage(obj: Node | undefined): boolean {
  return (
    !!obj &&
    Node.isObjectLiteralExpression(obj) &&
    obj
      .getProperties()
      .some(
        (p) =>
          (Node.isPropertyAssignment(p) || Node.isShorthandPropertyAssignment(p)) &&
          CALL_ID_KEYS.has(p.getName()),
      )
  );
}

/** The function (or file) that declares `name`, as seen from `from`. */
function declarationScope(from: Node, name: string): Node {
  for (let fn = enclosingFn(from); fn; fn = enclosingFn(fn)) {
    const declared = descendantsOfKind(fn, SyntaxKind.VariableDeclaration).some(
      (d) => d.getName() === name && enclosingFn(d) === fn,
    );
    if (declared || fn.getParameters().some((p) => p.getName() === name)) return fn;
  }
  return from.getSourceFile();
}

/**
 * The tool's parsed arguments as source text, visible at the branch: a variable holding
 * JSON.parse(<call>.arguments) or <block>.input, the dispatch's own `<call>.input` /
 * JSON.parse(<call>.function.arguments), the handler's arguments parameter, or the one object every
 * call in the branch is given.
 */
function toolArgs(ctx: FileCtx, nameNode: Node, body: Statement[]): string | null {
  const at = body[0];
  const fn = enclosingFn(at);
  // 1. const args = JSON.parse(call.function.arguments) | block.input, declared before the dispatch.
  if (fn) {
    let best: string | null = null;
    for (const d of descendantsOfKind(fn, SyntaxKind.VariableDeclaration)) {
      if (d.getStart() >= nameNode.getStart() || !Node.isIdentifier(d.getNameNode())) continue;
      const scope = d.getFirstAncestor(
        (a) => Node.isBlock(a) || Node.isSourceFile(a) || Node.isCaseClause(a),
      );
      if (scope && !(at.getStart() >= scope.getStart() && at.getEnd() <= scope.getEnd())) continue;
      let init = d.getInitializer() && unwrapExpr(d.getInitializer()!);
      if (init && Node.isAwaitExpression(init)) init = unwrapExpr(init.getExpression());
      if (!init) continue;
      // OpenAI sends a JSON string (parsed here); Anthropic's block.input is already an object.
      const parsed =
        Node.isCallExpression(init) &&
        init.getExpression().getText() === "JSON.parse" &&
        /(?:arguments|input|args)\b/.test(init.getArguments()[0]?.getText() ?? "");
      const input =
        Node.isPropertyAccessExpression(init) &&
        /^(?:input|args)$/.test(init.getName()) &&
        isPure(init);
      if (parsed || input) best = d.getName();
    }
    if (best) return best;
  }
  // 2. From the name expression itself: block.name -> block.input; call.function.name -> JSON.parse(call.function.arguments).
  const named = resolveName(fn, unwrapExpr(nameNode));
  if (named && Node.isPropertyAccessExpression(named)) {
    const owner = unwrapExpr(named.getExpression());
    const o = owner.getText();
    if (Node.isPropertyAccessExpression(owner) && owner.getName() === "function" && isPure(owner))
      return `JSON.parse(${o}.arguments)`;
    if (isPure(owner) && ctx.text.includes(`${o}.input`)) return `${o}.input`;
    if (isPure(owner) && ctx.text.includes(`${o}.arguments`)) return `JSON.parse(${o}.arguments)`;
  }
  // 3. runTool(name, args): the handler's other parameter.
  if (fn && named && Node.isIdentifier(named)) {
    const params = fn
      .getParameters()
      .map((p) => p.getNameNode())
      .filter((p) => Node.isIdentifier(p))
      .map((p) => p.getText());
    if (params.includes(named.getText())) {
      const others = params.filter((p) => p !== named.getText());
      const pick = others.length === 1 ? others[0] : others.find((p) => ARGS_PARAM.test(p));
      if (pick) return pick;
    }
  }
  // 4. Every call in the branch is given the same single object.
  const passed = new Set<string>();
  for (const s of body)
    for (const c of descendantsOfKind(s, SyntaxKind.CallExpression)) {
      if (
        /^(?:JSON|console|Object|Array|Promise|Math|Date|String|Number|Boolean)\b/.test(
          c.getExpression().getText(),
        )
      )
        continue;
      const a = c.getArguments();
      passed.add(a.length === 1 && Node.isIdentifier(a[0]) ? a[0].getText() : "\0");
    }
  return passed.size === 1 && !passed.has("\0") ? [...passed][0] : null;
}

/** `name` declared as `const name = call.function.name` (or `block.name`): that property read. */
function resolveName(fn: FnNode | undefined, n: Node): Node {
  if (!fn || !Node.isIdentifier(n)) return n;
  const d = descendantsOfKind(fn, SyntaxKind.VariableDeclaration).find(
    (v) => v.getName() === n.getText(),
  );
  const init = d?.getInitializer() && unwrapExpr(d.getInitializer()!);
  return init && Node.isPropertyAccessExpression(init) ? init : n;
}

/**
 * The edits: the branch's statements move into the gated function, one level deeper, with the
 * file's indentation and line breaks:
 *   return gate("x", async (_args) => {
 *     ...statements...
 *   }, { onDeny: "return" })(args);
 * or, for a branch that only assigns the result, `x = await gate("x", (_args) => <expr>, ...)(args);`.
 */
function wrapEdits(
  ctx: FileCtx,
  body: Statement[],
  target: string | null,
  nameText: string,
  args: string,
): Edit[] {
  const text = ctx.text;
  const first = body[0];
  const last = body[body.length - 1];
  const param = ctx.isTs ? "(_args: unknown)" : "(_args)";
  const awaits = body.some((s) => hasOwnAwait(s));
  const head = `${ctx.gateId}(${nameText}, ${awaits ? "async " : ""}${param} =>`;
  const semi = last.getText().trimEnd().endsWith(";") ? ";" : "";
  if (target && body.length === 1 && Node.isExpressionStatement(last)) {
    // Only the assignment: gate its expression in place, on the line it already has.
    const rhs = (last.getExpression() as import("ts-morph").BinaryExpression).getRight();
    let work: Node = unwrapExpr(rhs);
    const stripAwait = Node.isAwaitExpression(work) && !work.getText().includes("\n");
    if (stripAwait) work = unwrapExpr((work as import("ts-morph").AwaitExpression).getExpression());
    const inner = `${ctx.gateId}(${nameText}, ${hasOwnAwait(work) ? "async " : ""}${param} => `;
    return [
      { start: rhs.getStart(), end: work.getStart(), text: `await ${inner}` },
      { start: work.getEnd(), end: rhs.getEnd(), text: `, ${OPTS})(${args})` },
    ];
  }
  const open = target ? `${target} = await ${head} {` : `return ${head} {`;
  const block = { from: first.getStart(), to: last.getEnd(), keep: literalsIn(body) };
  const edits = gateBlockEdits(text, block, ({ nl, indent, unit }) => [
    `${open}${nl}${indent}${unit}`,
    `${nl}${indent}}, ${OPTS})(${args})${semi}`,
  ]);
  if (target) {
    // The final `x = expr` becomes the function's `return expr`.
    const rhs = (
      last as import("ts-morph").ExpressionStatement
    ).getExpression() as import("ts-morph").BinaryExpression;
    edits.push({ start: last.getStart(), end: rhs.getRight().getStart(), text: "return " });
  }
  return edits;
}

/** An await of this code itself, not of a function nested in it. */
function hasOwnAwait(n: Node): boolean {
  let found = Node.isAwaitExpression(n) || (Node.isForOfStatement(n) && n.isAwaited());
  n.forEachDescendant((d, t) => {
    if (
      Node.isFunctionLikeDeclaration(d) ||
      Node.isArrowFunction(d) ||
      Node.isFunctionExpression(d)
    )
      return t.skip();
    if (Node.isAwaitExpression(d) || (Node.isForOfStatement(d) && d.isAwaited())) {
      found = true;
      t.stop();
    }
  });
  return found;
}

/** Multi-line strings and templates in the statements: their lines are values, never re-indented. */
const literalsIn = (stmts: Statement[]) => stmts.flatMap((s) => literalRanges(s));

interface Push {
  /** The tool message's result value (`content: <expr>`), or the name of a shorthand `content`. */
  value: Node;
  shorthand: boolean;
}

/** `results.push({ tool_use_id: block.id, content: <expr> })`: a tool message with one result key. */
function toolMessagePush(s: Statement | undefined): Push | null {
  if (!s || !Node.isExpressionStatement(s)) return null;
  const e = unwrapExpr(s.getExpression());
  if (!Node.isCallExpression(e) || e.getArguments().length !== 1) return null;
  const callee = e.getExpression();
  if (
    !Node.isPropertyAccessExpression(callee) ||
    callee.getName() !== "push" ||
    !isPure(callee.getExpression())
  )
    return null;
  const obj = unwrapExpr(e.getArguments()[0]);
  if (!Node.isObjectLiteralExpression(obj) || !isToolMessage(obj)) return null;
  const results = obj
    .getProperties()
    .filter(
      (p) =>
        (Node.isPropertyAssignment(p) || Node.isShorthandPropertyAssignment(p)) &&
        RESULT_KEYS.has(p.getName()),
    );
  if (results.length !== 1) return null;
  const p = results[0];
  return Node.isPropertyAssignment(p)
    ? { value: p.getInitializerOrThrow(), shorthand: false }
    : {
        value: (p as import("ts-morph").ShorthandPropertyAssignment).getNameNode(),
        shorthand: true,
      };
}

function isGatedValue(ctx: FileCtx, n: Node): boolean {
  let e = unwrapExpr(n);
  if (Node.isAwaitExpression(e)) e = unwrapExpr(e.getExpression());
  return Node.isCallExpression(e) && isGateCall(ctx, unwrapExpr(e.getExpression()));
}

/** A name the branch declares that the pushed message reads outside its result value. */
function readsBranchName(body: Statement[], push: Push): string | null {
  const declared = new Set<string>();
  for (const s of body.slice(0, -1))
    if (Node.isVariableStatement(s))
      for (const d of s.getDeclarations())
        for (const n of boundNames(d.getNameNode())) declared.add(n);
  const last = body[body.length - 1];
  for (const id of descendantsOfKind(last, SyntaxKind.Identifier)) {
    if (id.getStart() >= push.value.getStart() && id.getEnd() <= push.value.getEnd()) continue;
    if (declared.has(id.getText()) && isReference(id)) return id.getText();
  }
  return null;
}

/** Per file: result names this run declared, so two bare case clauses never declare the same one. */
const resultNames = new WeakMap<object, Set<string>>();

/**
 * The work before the push and the result value become the gated function; the push sends what it
 * returns (or the refusal):
 *   const toolResult = await gate("x", async (_args) => {
 *     ...statements...
 *     return <value>;
 *   }, { onDeny: "return" })(args);
 *   results.push({ ..., content: toolResult });
 * A branch that is only the push gates its value in place.
 */
function pushEdits(
  ctx: FileCtx,
  body: Statement[],
  push: Push,
  nameText: string,
  args: string,
): Edit[] {
  const text = ctx.text;
  const param = ctx.isTs ? "(_args: unknown)" : "(_args)";
  const stmts = body.slice(0, -1);
  const value = push.value;
  const valueText = value.getText();
  if (stmts.length === 0) {
    let work: Node = unwrapExpr(value);
    const stripAwait = Node.isAwaitExpression(work) && !work.getText().includes("\n");
    if (stripAwait) work = unwrapExpr((work as import("ts-morph").AwaitExpression).getExpression());
    const inner = `await ${ctx.gateId}(${nameText}, ${hasOwnAwait(work) ? "async " : ""}${param} => `;
    const tail = `, ${OPTS})(${args})`;
    if (push.shorthand)
      return [
        { start: value.getEnd(), end: value.getEnd(), text: `: ${inner}${valueText}${tail}` },
      ];
    return [
      { start: value.getStart(), end: work.getStart(), text: inner },
      { start: work.getEnd(), end: value.getEnd(), text: tail },
    ];
  }
  const used = resultNames.get(ctx.sf) ?? new Set<string>();
  resultNames.set(ctx.sf, used);
  let name = freshName(ctx, "toolResult");
  for (let i = 2; used.has(name); i++) name = `${freshName(ctx, "toolResult")}${i}`;
  used.add(name);
  const first = stmts[0];
  const end = stmts[stmts.length - 1];
  const awaits = stmts.some((s) => hasOwnAwait(s)) || hasOwnAwait(value);
  const head = `const ${name} = await ${ctx.gateId}(${nameText}, ${awaits ? "async " : ""}${param} => {`;
  const block = { from: first.getStart(), to: end.getEnd(), keep: literalsIn(stmts) };
  return [
    ...gateBlockEdits(text, block, ({ nl, indent, unit }) => [
      `${head}${nl}${indent}${unit}`,
      `${nl}${indent}${unit}return ${valueText};${nl}${indent}}, ${OPTS})(${args});`,
    ]),
    push.shorthand
      ? { start: value.getEnd(), end: value.getEnd(), text: `: ${name}` }
      : { start: value.getStart(), end: value.getEnd(), text: name },
  ];
}
