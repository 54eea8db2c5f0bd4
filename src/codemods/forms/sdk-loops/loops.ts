import { descendantsOfKind, descendantsOfKinds } from "../../walk.js";
import { mayDispatch, mayNameIf, mayNameSwitch } from "./raw-dispatch.js";
// Custom loops over openai / @anthropic-ai/sdk / groq-sdk: the tool runs where the loop dispatches on
// the tool-call name (handler map, registry, switch, if-chain, a dispatcher function in another
// module). The gate goes around that dispatch with onDeny "return", so a refusal becomes the tool
// result and the loop still appends the tool message with the same tool_call_id / tool_use_id.
import { Node, SyntaxKind, ts, type CallExpression, type Statement } from "ts-morph";
import type { FileCtx } from "../../context.js";
import type { Program } from "../../program.js";
import { addMarker, isGateCall, isPure, lineOf, unwrapExpr } from "../../nodes.js";
import { declaresEdgeRuntime } from "../../../detectors/modules.js";
import { manual, report, type Site } from "../../wrap.js";
import { gateBranch } from "./branch.js";
import { crossModuleDispatcher, mapKeysOf, NAMEY, TOOL_CALL_TALK } from "./dispatcher.js";
import { blockedBy, enclosingFn, isAsyncFn, unrollForEach } from "./foreach.js";

export { loopApplies } from "./dispatcher.js";

function framework(ctx: FileCtx): "openai" | "anthropic" {
  if (ctx.frameworks.has("openai")) return "openai";
  if (ctx.frameworks.has("anthropic")) return "anthropic";
  // A loop over a client made in another module (`import { openai } from "./utils/openai"`).
  return /\btool_use(?:_id)?\b/.test(ctx.text) ? "anthropic" : "openai";
}

// A client component runs in the browser, where governor's runtime (Node.js) cannot load.
const USE_CLIENT = /^(?:\s|\/\/[^\n]*\n|\/\*[\s\S]*?\*\/)*["']use client["']/;
const CLIENT_REASON =
  'this file runs in the browser (a client component or React hook), where governor\'s runtime cannot load; run the tool in a server route or action and gate it there with gate("<name>", fn, { onDeny: "return" })';

/** Dispatchers in other modules already reported once in this run: a further call is reported by itself. */
const reportedDispatchers = new WeakMap<Program, Set<string>>();

export function gateRawLoops(ctx: FileCtx, prog?: Program): void {
  if (!TOOL_CALL_TALK.test(ctx.text)) return;
  let found = 0;
  const fw = framework(ctx);
  // React code (a "use client" file, or one importing react) runs in the browser.
  const client = USE_CLIENT.test(ctx.text) || /from\s*["']react["']/.test(ctx.text);
  // forEach callbacks that dispatch become for-of loops first, so the branches in them can await.
  unrollForEach(ctx, (cb) => holdsDispatch(ctx, cb));
  // Dispatch calls handled below: a switch or if branch holding one is left to that dispatch.
  const dispatches: CallExpression[] = [];
  const calls = descendantsOfKind(ctx.sf, SyntaxKind.CallExpression, mayDispatch);
  for (const call of calls) {
    const d = dynamicDispatch(call);
    if (!d) continue;
    found++;
    dispatches.push(call);
    // toolMap.get(call.name).invoke(call.args) over framework tools: gated where they are defined
    // (and registered), so this is not a tool of its own.
    if (frameworkToolCall(ctx, call)) continue;
    const keys = d.mapName ? mapKeysOf(prog, ctx, d.mapName) : [];
    // The map's tools are reported at its keys once; a further dispatch over it is reported by itself.
    const fresh = keys.length > 0 && !keys.some((k) => k.owner.claimed.has(k.at.getStart()));
    const sites: Site[] = fresh
      ? keys.map((k) => ({
          framework: fw,
          form: d.form,
          name: k.name,
          nameConfidence: "high" as const,
          at: k.owner === ctx ? k.at : call,
        }))
      : [
          {
            framework: fw,
            form: d.form,
            name: null,
            nameConfidence: "low",
            at: call,
            reason: keys.length ? `another dispatch over ${d.mapName}` : undefined,
          },
        ];
    if (fresh) for (const k of keys) if (k.owner !== ctx) k.owner.claimed.add(k.at.getStart());
    const from = ctx.findings.length;
    if (client) manualAll(ctx, sites, call, CLIENT_REASON);
    else gateDispatch(ctx, sites, call, d.nameExpr);
    if (fresh)
      relocate(
        ctx,
        from,
        keys.map((k) => (k.owner === ctx ? null : { file: k.owner.path, line: lineOf(k.at) })),
      );
  }
  // executeTool(call.function.name, call.function.arguments) into a dispatcher exported by another module.
  if (prog)
    for (const call of calls) {
      if (dispatches.includes(call) || isGateCall(ctx, call)) continue;
      const d = crossModuleDispatcher(prog, ctx, call);
      if (!d) continue;
      found++;
      dispatches.push(call);
      if (d.defer) continue;
      const seen = reportedDispatchers.get(prog) ?? new Set<string>();
      reportedDispatchers.set(prog, seen);
      const again = seen.has(d.key);
      seen.add(d.key);
      const named = !again && d.names.length > 0;
      const sites: Site[] = named
        ? d.names.map((n) => ({
            framework: fw,
            form: "dispatcher",
            name: n.name,
            nameConfidence: "high" as const,
            at: call,
          }))
        : [
            {
              framework: fw,
              form: "dispatcher",
              name: null,
              nameConfidence: "low",
              at: call,
              reason: again ? `another call of ${d.callee}` : undefined,
            },
          ];
      const from = ctx.findings.length;
      if (client) manualAll(ctx, sites, call, CLIENT_REASON);
      else gateDispatch(ctx, sites, call, d.nameArg.getText(), d.input);
      if (named) relocate(ctx, from, d.names);
    }
  for (const sw of descendantsOfKind(ctx.sf, SyntaxKind.SwitchStatement, mayNameSwitch)) {
    const expr = sw.getExpression();
    if (!NAMEY.test(expr.getText().replace(/\s/g, "")) || !isPure(expr)) continue;
    let labels: string[] = [];
    for (const clause of sw.getClauses()) {
      if (Node.isDefaultClause(clause)) {
        labels = [];
        continue;
      }
      const label = clause.getExpression();
      if (Node.isStringLiteral(label)) labels.push(label.getLiteralValue());
      if (clause.getStatements().length === 0) continue; // falls through to the next case
      found++;
      branch(ctx, dispatches, labels, clause.getStatements(), expr, clause, "switch", client);
      labels = [];
    }
  }
  for (const ifs of descendantsOfKind(ctx.sf, SyntaxKind.IfStatement, mayNameIf)) {
    const m = nameTest(ifs.getExpression());
    if (!m) continue;
    found++;
    const then = ifs.getThenStatement();
    branch(
      ctx,
      dispatches,
      [m.name],
      Node.isBlock(then) ? then.getStatements() : [then],
      m.node,
      ifs,
      "if-chain",
      client,
    );
  }
  // Only where the SDK is imported: a file that merely types or maps messages is not a loop.
  if (
    found === 0 &&
    ctx.findings.length === 0 &&
    (ctx.frameworks.has("openai") || ctx.frameworks.has("anthropic"))
  ) {
    // the first mention, asked of compiler nodes: a long file has tens of thousands of names
    const [id] = descendantsOfKind(ctx.sf, SyntaxKind.Identifier, (n) =>
      LOOP_NAMES.has((n as ts.Identifier).getText()),
    );
    const [str] = descendantsOfKind(ctx.sf, SyntaxKind.StringLiteral, (n) =>
      LOOP_STRINGS.has((n as ts.StringLiteral).text),
    );
    const ref = id && str ? (id.getPos() <= str.getPos() ? id : str) : (id ?? str);
    if (ref) {
      const site: Site = {
        framework: fw,
        form: "raw-loop",
        name: null,
        nameConfidence: "low",
        at: ref,
      };
      manual(
        ctx,
        site,
        'tool calls are handled here but no dispatch on the tool name was recognised; wrap each tool function in gate("<name>", fn, { onDeny: "return" }) by hand',
      );
    }
  }
}

const LOOP_NAMES = new Set(["tool_calls", "function_call"]);
const LOOP_STRINGS = new Set(["tool_use", "function_call"]);

/** A callback that dispatches on a tool name: a switch or if on it, or a handler-map call. */
function holdsDispatch(ctx: FileCtx, cb: Node): boolean {
  if (
    descendantsOfKind(cb, SyntaxKind.SwitchStatement, mayNameSwitch).some(
      (sw) =>
        NAMEY.test(sw.getExpression().getText().replace(/\s/g, "")) && isPure(sw.getExpression()),
    )
  )
    return true;
  if (
    descendantsOfKind(cb, SyntaxKind.IfStatement, mayNameIf).some((i) =>
      nameTest(i.getExpression()),
    )
  )
    return true;
  return descendantsOfKind(cb, SyntaxKind.CallExpression, mayDispatch).some(
    (c) => !!dynamicDispatch(c) && !frameworkToolCall(ctx, c),
  );
}

// Frameworks whose tool objects run through a method of their own, gated at the definition.
const TOOL_FRAMEWORKS = ["langchain", "langgraph", "openai-agents", "ai-sdk", "mastra"] as const;
const TOOL_METHODS = new Set(["invoke", "call", "execute"]);

/**
 * `tool.invoke(args)` / `tools[name].execute(args)` on a looked-up value, in a file that imports
 * LangChain, OpenAI Agents, the AI SDK or Mastra: a dispatch over that framework's tools, each gated
 * at its definition and by the framework's run-time layer. `fn.call(this, ...)` is Function's own call.
 */
function frameworkToolCall(ctx: FileCtx, call: CallExpression): boolean {
  const callee = unwrapExpr(call.getExpression());
  if (!Node.isPropertyAccessExpression(callee) || !TOOL_METHODS.has(callee.getName())) return false;
  if (!TOOL_FRAMEWORKS.some((f) => ctx.frameworks.has(f))) return false;
  const first = call.getArguments()[0];
  if (
    callee.getName() === "call" &&
    first &&
    /^(?:this|null|undefined|void 0)$/.test(first.getText())
  )
    return false;
  return true;
}

/**
 * Findings for tools named in another file are reported where that file names them (the case
 * label, the map key), the place a reader looks for the tool; the edit stays at the call.
 */
function relocate(
  ctx: FileCtx,
  from: number,
  places: ({ file: string; line: number } | null)[],
): void {
  const added = ctx.findings.slice(from);
  // An Edge file's findings are turned into markers at their lines in this file: they stay here.
  if (added.length !== places.length || declaresEdgeRuntime(ctx.text)) return;
  added.forEach((f, i) => {
    const p = places[i];
    if (p)
      Object.assign(f, {
        file: p.file,
        line: p.line,
        reason: f.reason ?? `dispatched at ${ctx.path}:${f.line}`,
      });
  });
}

function manualAll(ctx: FileCtx, sites: Site[], at: Node, reason: string): void {
  if (sites.some((s) => ctx.claimed.has(s.at.getStart()))) return;
  addMarker(ctx, at, reason);
  for (const s of sites) report(ctx, s, "manual", reason);
}

interface Dispatch {
  form: string;
  nameExpr: string;
  mapName?: string;
}

/** handlers[name](args), tools[name].run(args), registry.get(name).run(args), tools.find(t => t.name === name).fn(args) */
function dynamicDispatch(call: CallExpression): Dispatch | null {
  const callee = unwrapExpr(call.getExpression());
  const access = (n: Node) => {
    const e = unwrapExpr(n);
    if (!Node.isElementAccessExpression(e)) return null;
    const arg = e.getArgumentExpression();
    if (!arg || !NAMEY.test(unwrapExpr(arg).getText().replace(/\s/g, "")) || !isPure(arg))
      return null;
    const obj = unwrapExpr(e.getExpression());
    return {
      nameExpr: unwrapExpr(arg).getText(),
      mapName: Node.isIdentifier(obj) ? obj.getText() : undefined,
    };
  };
  const direct = access(callee);
  if (direct) return { form: "handler-map", ...direct };
  // const handler = handlers[block.name]; ... await handler(block.input)
  const held = Node.isIdentifier(callee) ? constInit(callee) : undefined;
  const viaConst = held && access(held);
  if (viaConst) return { form: "handler-map", ...viaConst };
  if (!Node.isPropertyAccessExpression(callee)) return null;
  const own = unwrapExpr(callee.getExpression());
  // const tool = registry.get(name) / tools.find((t) => t.name === name); ... tool.run(args)
  const recv = (Node.isIdentifier(own) && constInit(own)) || own;
  const viaMap = access(recv);
  if (viaMap) return { form: "registry", ...viaMap };
  if (Node.isCallExpression(recv) && Node.isPropertyAccessExpression(recv.getExpression())) {
    const m = (recv.getExpression() as import("ts-morph").PropertyAccessExpression).getName();
    const a = recv.getArguments()[0];
    if (m === "get" && a && NAMEY.test(a.getText().replace(/\s/g, "")) && isPure(a))
      return { form: "registry", nameExpr: a.getText() };
    if (m === "find" && a && (Node.isArrowFunction(a) || Node.isFunctionExpression(a))) {
      const body = Node.isArrowFunction(a)
        ? a.getBody()
        : a.getBody()?.getFirstDescendantByKind(SyntaxKind.ReturnStatement)?.getExpression();
      if (
        body &&
        Node.isBinaryExpression(body) &&
        /^={2,3}$/.test(body.getOperatorToken().getText())
      ) {
        const [l, r] = [body.getLeft(), body.getRight()];
        const param = a.getParameters()[0]?.getName();
        const side = l.getText().startsWith(`${param}.`)
          ? r
          : r.getText().startsWith(`${param}.`)
            ? l
            : null;
        if (side && isPure(side) && !side.getText().startsWith(`${param}.`))
          return { form: "registry", nameExpr: side.getText() };
      }
    }
  }
  return null;
}

/**
 * The initializer of the `const` an identifier names, declared before it in an enclosing block (the
 * usual "look the handler up, check it exists, then call it" shape; closures included, which is how
 * a gated call is recognised on a second run). The name expression in that initializer is still in
 * scope at the call, so the gate can read it there.
 */
function constInit(id: Node): Node | undefined {
  const name = id.getText();
  for (let scope: Node | undefined = id.getParent(); scope; scope = scope.getParent()) {
    if (!Node.isBlock(scope) && !Node.isSourceFile(scope)) continue;
    for (const st of scope.getStatements()) {
      if (st.getStart() >= id.getStart()) break;
      if (!Node.isVariableStatement(st) || st.getDeclarationKind() !== "const") continue;
      const d = st.getDeclarations().find((v) => v.getName() === name);
      const init = d?.getInitializer();
      if (init) return unwrapExpr(init);
    }
  }
  return undefined;
}

/** `call.function.arguments` (or a const holding it): OpenAI's arguments as a JSON string. */
function isJsonText(n: Node): boolean {
  let e = unwrapExpr(n);
  if (Node.isIdentifier(e)) e = constInit(e) ?? e;
  return Node.isPropertyAccessExpression(e) && e.getName() === "arguments" && isPure(e);
}

/** `name === "x"` or `"x" === name` where name reads a tool-call name. */
function nameTest(e: Node): { name: string; node: Node } | null {
  e = unwrapExpr(e);
  // block.type === "tool_use" && block.name === "x": the branch runs that tool.
  if (
    Node.isBinaryExpression(e) &&
    e.getOperatorToken().getKind() === SyntaxKind.AmpersandAmpersandToken
  ) {
    const found = [nameTest(e.getLeft()), nameTest(e.getRight())].filter((m) => m !== null);
    return found.length === 1 ? found[0] : null;
  }
  if (!Node.isBinaryExpression(e) || !/^={2,3}$/.test(e.getOperatorToken().getText())) return null;
  const [l, r] = [e.getLeft(), e.getRight()];
  if (Node.isStringLiteral(r) && NAMEY.test(l.getText().replace(/\s/g, "")) && isPure(l))
    return { name: r.getLiteralValue(), node: l };
  if (Node.isStringLiteral(l) && NAMEY.test(r.getText().replace(/\s/g, "")) && isPure(r))
    return { name: l.getLiteralValue(), node: r };
  return null;
}

/** A case / if branch on the tool name (see branch.ts); one holding a handler-map dispatch is left to it. */
function branch(
  ctx: FileCtx,
  dispatches: CallExpression[],
  labels: string[],
  stmts: Statement[],
  nameNode: Node,
  at: Node,
  form: string,
  client: boolean,
): void {
  if (stmts.some((s) => dispatches.some((c) => s.containsRange(c.getPos(), c.getEnd())))) return;
  const fw = framework(ctx);
  const sites: Site[] = (labels.length ? labels : [null]).map((name) => ({
    framework: fw,
    form,
    name,
    nameConfidence: name ? "high" : "low",
    at,
  }));
  if (client) return manualAll(ctx, sites, stmts[0] ?? at, CLIENT_REASON);
  const name = labels.length === 1 ? JSON.stringify(labels[0]) : nameNode.getText();
  gateBranch(ctx, sites, stmts, name, nameNode);
}

/** The first site gets the marker and the reason; the others share it. */
function manualFirst(ctx: FileCtx, sites: Site[], reason: string, at?: Node): void {
  if (at) addMarker(ctx, at, reason);
  sites.forEach((s, i) =>
    i === 0 && !at
      ? manual(ctx, s, reason)
      : report(ctx, s, "manual", i === 0 ? reason : "shares a dispatch with the tool above"),
  );
}

/**
 * CALL -> gate(name, (_args) => CALL, { onDeny: "return" })(<the tool's arguments>), awaited where the
 * code did not. `input`: the call's arguments that carry the tool's input (default: all of them).
 * The policy sees the parsed object: a JSON string (`call.function.arguments`) is parsed for it,
 * and an argument parsed inline (`JSON.parse(...)`) is parsed once, passed to the gate and read
 * back inside as `_args`.
 */
function gateDispatch(
  ctx: FileCtx,
  sites: Site[],
  call: CallExpression,
  nameText: string,
  input?: Node[],
): void {
  const arrow = call.getFirstAncestorByKind(SyntaxKind.ArrowFunction);
  if ((arrow && isGateCall(ctx, arrow.getParent())) || isGateCall(ctx, call.getExpression())) {
    for (const s of sites) report(ctx, s, "already-gated");
    return;
  }
  if (sites.some((s) => ctx.claimed.has(s.at.getStart()))) return;
  const how = `gate(${nameText}, fn, { onDeny: "return" })`;
  const blocked = blockedBy(call);
  if (blocked) return manualFirst(ctx, sites, blocked.reason, blocked.at);
  const args = input ?? call.getArguments();
  if (descendantsOfKinds(call, [SyntaxKind.AwaitExpression, SyntaxKind.YieldExpression]).length)
    return manualFirst(
      ctx,
      sites,
      `this dispatch awaits inside the call; store the handler and arguments in variables, then wrap the call in ${how} by hand`,
    );
  if (args[0] && !isPure(args[0]))
    return manualFirst(
      ctx,
      sites,
      `the tool's arguments are computed inline; store them in a variable, then wrap the call in ${how} by hand`,
    );
  const awaited = isAwaitedOrReturned(call);
  const fn = enclosingFn(call);
  const canAwait = !!fn && Node.isFunctionLikeDeclaration(fn) && isAsyncFn(fn);
  if (!awaited && !canAwait)
    return manualFirst(
      ctx,
      sites,
      "this dispatch uses the tool's result synchronously, but a gated call is async; await it and wrap it in gate(...) by hand",
    );
  // fn(args.location, args.unit): policy must see the whole arguments object, not its first field.
  let argText = args[0] ? args[0].getText() : "";
  const edits: { start: number; end: number; text: string }[] = [];
  let passed = false;
  if (args.length > 1) {
    const bases = new Set(
      args.map((a) => {
        const e = unwrapExpr(a);
        return Node.isPropertyAccessExpression(e) && isPure(e.getExpression())
          ? e.getExpression().getText()
          : null;
      }),
    );
    const base = bases.size === 1 ? [...bases][0] : null;
    if (!base)
      return manualFirst(
        ctx,
        sites,
        `this tool gets several arguments; wrap the call in gate(${nameText}, fn, { onDeny: "return" })(<the tool-call arguments object>) by hand`,
      );
    argText = base;
  } else if (args[0] && isJsonText(args[0])) {
    argText = `JSON.parse(${args[0].getText()})`;
  } else if (args[0] && Node.isCallExpression(unwrapExpr(args[0]))) {
    // JSON.parse(call.function.arguments): parsed once, handed through the gate.
    edits.push({ start: args[0].getStart(), end: args[0].getEnd(), text: "_args" });
    passed = true;
  }
  const t = ctx.isTs ? (passed ? ": any" : ": unknown") : "";
  ctx.edits.push({
    start: call.getStart(),
    end: call.getStart(),
    text: `${awaited ? "" : "await "}${ctx.gateId}(${nameText}, (_args${t}) => `,
  });
  ctx.edits.push(...edits);
  ctx.edits.push({
    start: call.getEnd(),
    end: call.getEnd(),
    text: `, { onDeny: "return" })(${argText})`,
  });
  ctx.needsGate = true;
  for (const s of sites)
    report(
      ctx,
      s,
      "gated",
      s.name ? undefined : (s.reason ?? `name read at run time from ${nameText}`),
    );
}

function isAwaitedOrReturned(call: Node): boolean {
  let p = call.getParentOrThrow();
  while (Node.isParenthesizedExpression(p) || Node.isAsExpression(p) || Node.isNonNullExpression(p))
    p = p.getParentOrThrow();
  if (Node.isAwaitExpression(p)) return true;
  if (Node.isReturnStatement(p) || (Node.isArrowFunction(p) && p.getBody() === call)) {
    const fn = call.getFirstAncestor((a) => Node.isFunctionLikeDeclaration(a));
    if (!fn) return false;
    // A getter or constructor has no isAsync: it cannot await.
    if (isAsyncFn(fn)) return true;
    // calls.map((c) => handlers[c.name](c.args)) inside Promise.all: the results are awaited there.
    const outer = fn.getParent()?.getParent();
    return (
      !!outer &&
      Node.isCallExpression(outer) &&
      /^Promise\.(?:all|allSettled)$/.test(outer.getExpression().getText().replace(/\s/g, ""))
    );
  }
  return false;
}

/** Tool names a CallTool handler switches or branches on (for the report). */
export function dispatchNames(fn: Node): { name: string; at: Node }[] {
  const out: { name: string; at: Node }[] = [];
  for (const sw of descendantsOfKind(fn, SyntaxKind.SwitchStatement)) {
    if (!NAMEY.test(sw.getExpression().getText().replace(/\s/g, ""))) continue;
    for (const c of sw.getClauses()) {
      const l = Node.isCaseClause(c) ? c.getExpression() : undefined;
      if (l && Node.isStringLiteral(l)) out.push({ name: l.getLiteralValue(), at: c });
    }
  }
  for (const ifs of descendantsOfKind(fn, SyntaxKind.IfStatement)) {
    const m = nameTest(ifs.getExpression());
    if (m) out.push({ name: m.name, at: ifs });
  }
  return out;
}
