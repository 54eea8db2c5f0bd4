import { descendantsOfKind, descendantsOfKinds } from "../../walk.js";
// AI SDK registration sites: `tools:` of generateText / streamText / ToolLoopAgent / Agent, and the
// tools an MCP client lists (`await client.tools()`). Where a site's tools are not all gated at their
// definitions (a spread registry, Object.fromEntries, a prebuilt set, MCP tools), the site goes through
// governTools(...) from governor/runtime (same type out; a tool gated at its definition is not asked
// twice). Runs once after every file, so it knows what the definition forms gated.
import { Node, SyntaxKind, type Identifier } from "ts-morph";
import type { FileCtx } from "../../context.js";
import { frameworkOfSpec } from "../../modules.js";
import { declaresEdgeRuntime } from "../../../detectors/modules.js";
import { calleeBinding, dropMarker, lineOf, staticKey, unwrapExpr } from "../../nodes.js";
import { isRuntimeCall, wrapInRuntime } from "../../imports.js";
import type { Program } from "../../program.js";
import type { ToolFinding } from "../../types.js";
import type { Run } from "../types.js";
import { declOf } from "../tool-lists.js";

const TOOL_USERS = new Set([
  "generateText",
  "streamText",
  "generateObject",
  "streamObject",
  "ToolLoopAgent",
  "Experimental_Agent",
  "Agent",
]);
const MCP_CLIENTS = new Set(["createMCPClient", "experimental_createMCPClient"]);

/** Manual AI SDK definitions a wrapped site gates once every site that could receive them is wrapped. */
const COVERABLE =
  /not registered under a key|registered under several names|no tools object found|is not visible here|gets its options from elsewhere/;
// The project calling a tool's execute itself bypasses every registration wrapper.
const CALLS_EXECUTE = /\.execute\s*(?:!|\?\.)?\s*\(/;

type Verdict = "closed" | "wrapped" | "wrap" | "opaque";
/** `file:line` of every definition the rewrite gated, and `name:<tool name>` of the AI SDK ones. */
type Gated = Set<string>;

interface Wrap {
  ctx: FileCtx;
  at: Node;
  shorthand: boolean;
}

export function finishAiSdk(files: FileCtx[], run: Run): void {
  const ai = files.filter((c) => c.frameworks.has("ai-sdk"));
  if (!ai.length) return;
  const gatedLines: Gated = new Set<string>();
  for (const c of files)
    for (const f of c.findings) {
      if (f.status === "manual") continue;
      gatedLines.add(`${c.path}:${f.line}`);
      if (f.framework === "ai-sdk" && f.name) gatedLines.add(`name:${f.name}`);
    }
  const mcp = mcpClientSites(ai);
  const mcpWrapped = new Set(mcp.flatMap((m) => m.toWrap));
  const wraps: Wrap[] = [];
  let open = false; // a site whose tools no wrapper or definition gate is known to cover
  let siteCount = 0;
  let closed = 0;
  for (const ctx of ai) {
    const edge = declaresEdgeRuntime(ctx.text);
    for (const n of descendantsOfKinds(ctx.sf, [
      SyntaxKind.CallExpression,
      SyntaxKind.NewExpression,
    ])) {
      if (!Node.isCallExpression(n) && !Node.isNewExpression(n)) continue;
      const b = calleeBinding(ctx, n.getExpression());
      if (!b || frameworkOfSpec(b.spec) !== "ai-sdk" || !TOOL_USERS.has(b.name)) continue;
      const arg = n.getArguments()[0] && unwrapExpr(n.getArguments()[0]);
      if (!arg) continue;
      if (
        !Node.isObjectLiteralExpression(arg) ||
        arg.getProperties().some((p) => Node.isSpreadAssignment(p))
      ) {
        open = true; // options built elsewhere: their tools are not visible here
        continue;
      }
      const tools = arg.getProperty("tools");
      if (!tools) continue;
      siteCount++;
      const value = Node.isPropertyAssignment(tools)
        ? tools.getInitializerOrThrow()
        : Node.isShorthandPropertyAssignment(tools)
          ? tools.getNameNode()
          : null;
      const v = value ? verdict(run.prog, ctx, value, gatedLines, 0, mcpWrapped) : "opaque";
      if (v === "closed") closed++;
      else if (edge) open = true;
      else if (v === "wrap")
        wraps.push({ ctx, at: value!, shorthand: Node.isShorthandPropertyAssignment(tools) });
      else if (v === "opaque") open = true;
    }
  }
  // Commit: wrap, then report.
  const where: string[] = [];
  for (const w of wraps) {
    wrapInRuntime(w.ctx, "governTools", w.at, w.shorthand);
    where.push(`${w.ctx.path}:${lineOf(w.at)}`);
  }
  for (const m of mcp) {
    const fresh: string[] = [];
    for (const t of m.toWrap) {
      wrapInRuntime(m.ctx, "governTools", t);
      fresh.push(`${m.ctx.path}:${lineOf(t)}`);
    }
    if (!m.covered) continue;
    const lines = [...fresh, ...m.wrapped.map((t) => `${m.ctx.path}:${lineOf(t)}`)];
    m.ctx.findings.push({
      file: m.ctx.path,
      line: lineOf(m.create),
      name: null,
      nameConfidence: "low",
      framework: "ai-sdk",
      form: "registration",
      status: fresh.length ? "gated" : "already-gated",
      reason: `MCP client tools gated at run time by governTools at ${lines.join(", ")}`,
    });
  }
  // Every site is gated in place or wrapped: a tool the rewrite could not name is gated where it is registered.
  const wrappedSites =
    siteCount > 0 && !open && ![...run.prog.texts.values()].some((t) => CALLS_EXECUTE.test(t));
  // All closed: nothing could receive a tool the rewrite could not name (it is registered nowhere).
  if (!wrappedSites || siteCount === closed) return;
  const status: ToolFinding["status"] = wraps.length ? "gated" : "already-gated";
  const named = where.length ? where : existingWraps(ai);
  const reason = `gated at run time by governTools at ${named.slice(0, 3).join(", ")}${named.length > 3 ? ` and ${named.length - 3} more` : ""} (every AI SDK tools site in the project is wrapped or gated in place)`;
  // Plain `{ execute }` tools may live in files that import no AI SDK: every file's findings.
  for (const ctx of run.prog.parsed()) {
    if (declaresEdgeRuntime(ctx.text)) continue;
    ctx.findings = ctx.findings.map((f) => {
      if (f.framework !== "ai-sdk" || f.status !== "manual" || !COVERABLE.test(f.reason ?? ""))
        return f;
      dropMarker(ctx, f.line);
      return { ...f, status, form: "registration", reason };
    });
  }
}

/** Closed: every entry is a definition the rewrite gated; wrapped: already governTools(...);
 *  wrap: a value governTools can take; opaque: a value that may not be a tools object (a parameter). */
function verdict(
  prog: Program,
  ctx: FileCtx,
  value: Node,
  gated: Gated,
  depth: number,
  mcpWrapped: Set<Node> = new Set(),
): Verdict {
  const e = unwrapExpr(value);
  if (isRuntimeCall(ctx, e, "governTools") || mcpWrapped.has(value)) return "wrapped";
  if (depth > 4) return "wrap";
  if (Node.isObjectLiteralExpression(e))
    return e.getProperties().every((p) => entryGated(prog, ctx, p, gated, depth))
      ? "closed"
      : "wrap";
  if (Node.isIdentifier(e)) {
    const d = declOf(prog, ctx, e);
    if (!d) return "opaque";
    const init = d.init && unwrapExpr(d.init);
    if (!init) return "opaque";
    if (Node.isObjectLiteralExpression(init) && !mutated(d.ctx, d.name))
      return verdict(prog, d.ctx, init, gated, depth + 1) === "closed" ? "closed" : "wrap";
    if (isRuntimeCall(d.ctx, init, "governTools") || (d.init && mcpWrapped.has(d.init)))
      return "wrapped";
    return Node.isObjectLiteralExpression(init) ||
      Node.isCallExpression(init) ||
      Node.isAwaitExpression(init) ||
      Node.isNewExpression(init)
      ? "wrap"
      : "opaque";
  }
  if (Node.isConditionalExpression(e)) {
    const [a, b] = [
      verdict(prog, ctx, e.getWhenTrue(), gated, depth + 1),
      verdict(prog, ctx, e.getWhenFalse(), gated, depth + 1),
    ];
    return a === "closed" && b === "closed"
      ? "closed"
      : a === "opaque" || b === "opaque"
        ? "opaque"
        : "wrap";
  }
  if (
    Node.isCallExpression(e) &&
    e.getExpression().getText().replace(/\s/g, "") === "Object.assign"
  )
    return e.getArguments().every((a) => verdict(prog, ctx, a, gated, depth + 1) === "closed")
      ? "closed"
      : "wrap";
  if (Node.isCallExpression(e)) {
    const ret = returnedOf(prog, ctx, e);
    if (
      ret &&
      ret.exprs.length &&
      ret.exprs.every((r) => verdict(prog, ret.ctx, r, gated, depth + 1) === "closed")
    )
      return "closed";
    return "wrap";
  }
  if (Node.isAwaitExpression(e) || Node.isNewExpression(e)) return "wrap";
  return "opaque";
}

/** `key: <a definition gated in place>`: an inline tool(), a variable holding one, or a factory call. */
function entryGated(prog: Program, ctx: FileCtx, p: Node, gated: Gated, depth: number): boolean {
  if (Node.isSpreadAssignment(p))
    return verdict(prog, ctx, p.getExpression(), gated, depth + 1) === "closed";
  if (Node.isShorthandPropertyAssignment(p))
    return (
      defGated(prog, ctx, p.getNameNode(), gated) ||
      (gated.has(`name:${p.getName()}`) && projectRef(prog, ctx, p.getNameNode()))
    );
  if (!Node.isPropertyAssignment(p)) return false;
  const v = unwrapExpr(p.getInitializerOrThrow());
  // Registered under a key the rewrite gated a project definition by (keysOf found this very entry).
  const key = staticKey(p.getNameNode());
  if (key !== null && gated.has(`name:${key}`) && projectRef(prog, ctx, v)) return true;
  if (
    gated.has(`${ctx.path}:${lineOf(v)}`) &&
    (Node.isCallExpression(v) || Node.isObjectLiteralExpression(v))
  )
    return true;
  if (Node.isIdentifier(v)) return defGated(prog, ctx, v, gated);
  if (Node.isCallExpression(v)) {
    const ret = returnedOf(prog, ctx, v);
    return (
      !!ret &&
      ret.exprs.length > 0 &&
      ret.exprs.every((r) => gated.has(`${ret.ctx.path}:${lineOf(unwrapExpr(r))}`))
    );
  }
  return false;
}

/** A value that is the project's own (a project variable, a member of a project module, a project
 *  function's result), not a library's prebuilt tool. */
function projectRef(prog: Program, ctx: FileCtx, v: Node): boolean {
  if (Node.isCallExpression(v)) return projectRef(prog, ctx, v.getExpression());
  if (Node.isPropertyAccessExpression(v)) {
    const obj = v.getExpression();
    return (
      Node.isIdentifier(obj) &&
      (prog.memberSymbol(ctx, obj.getText(), v.getName()) !== null || projectRef(prog, ctx, obj))
    );
  }
  if (!Node.isIdentifier(v)) return false;
  const b = ctx.imports.get(v.getText());
  if (b) return b.spec.startsWith(".") || prog.symbolOf(ctx, v.getText()) !== null;
  return true; // declared in this file
}

function defGated(prog: Program, ctx: FileCtx, id: Identifier, gated: Gated): boolean {
  const d = declOf(prog, ctx, id);
  const init = d?.init && unwrapExpr(d.init);
  return !!init && gated.has(`${d!.ctx.path}:${lineOf(init)}`);
}

/** Where an identifier is declared: a variable in an enclosing scope, or a top-level one here or imported. */
/** `x.k = ...`, `x[k] = ...` or Object.assign(x, ...) anywhere in the file: the object is not what its literal shows. */
function mutated(ctx: FileCtx, name: string): boolean {
  const esc = name.replace(/\$/g, "\\$");
  return new RegExp(
    `\\b${esc}\\s*(?:\\.[\\w$]+|\\[[^\\]]*\\])\\s*=[^=]|Object\\.assign\\(\\s*${esc}\\b`,
  ).test(ctx.text);
}

/** What a project function called here returns (`function f() { return {...} }`, `const f = () => ({...})`). */
function returnedOf(
  prog: Program,
  ctx: FileCtx,
  call: Node,
): { ctx: FileCtx; exprs: Node[] } | null {
  if (!Node.isCallExpression(call) || !Node.isIdentifier(call.getExpression())) return null;
  const name = call.getExpression().getText();
  const sym = prog.symbolOf(ctx, name);
  if (!sym) return null;
  const target = prog.get(sym.slice(0, sym.lastIndexOf("#")));
  const local = sym.slice(sym.lastIndexOf("#") + 1);
  if (!target) return null;
  const fn =
    target.sf.getFunction(local) ?? target.sf.getVariableDeclaration(local)?.getInitializer();
  const f = fn && unwrapExpr(fn);
  if (!f) return null;
  if (Node.isArrowFunction(f) && !Node.isBlock(f.getBody()))
    return { ctx: target, exprs: [f.getBody()] };
  if (!Node.isFunctionDeclaration(f) && !Node.isArrowFunction(f) && !Node.isFunctionExpression(f))
    return null;
  const exprs = descendantsOfKind(f, SyntaxKind.ReturnStatement)
    .filter((r) => r.getFirstAncestor((a) => Node.isFunctionLikeDeclaration(a)) === f)
    .map((r) => r.getExpression());
  return exprs.every((x) => x) ? { ctx: target, exprs: exprs as Node[] } : null;
}

function existingWraps(ai: FileCtx[]): string[] {
  const out: string[] = [];
  for (const ctx of ai)
    for (const c of descendantsOfKind(ctx.sf, SyntaxKind.CallExpression))
      if (isRuntimeCall(ctx, c, "governTools")) out.push(`${ctx.path}:${lineOf(c)}`);
  return out;
}

interface McpSite {
  ctx: FileCtx;
  create: Node;
  toWrap: Node[];
  wrapped: Node[];
  /** Every use of the client is known (tools() wrapped, close(), ...): its tools cannot run ungated. */
  covered: boolean;
}

const CLIENT_METHODS = new Set([
  "close",
  "listResources",
  "readResource",
  "listPrompts",
  "getPrompt",
  "listResourceTemplates",
  "onElicitationRequest",
]);

/** `const c = await createMCPClient(...)` (ai or @ai-sdk/mcp) and every `c.tools()` in its scope. */
function mcpClientSites(files: FileCtx[]): McpSite[] {
  const out: McpSite[] = [];
  for (const ctx of files) {
    if (declaresEdgeRuntime(ctx.text)) continue;
    for (const call of descendantsOfKind(ctx.sf, SyntaxKind.CallExpression)) {
      const b = calleeBinding(ctx, call.getExpression());
      if (!b || !MCP_CLIENTS.has(b.name) || (b.spec !== "ai" && b.spec !== "@ai-sdk/mcp")) continue;
      let holder: Node = call;
      while (
        holder.getParent() &&
        (Node.isAwaitExpression(holder.getParent()!) ||
          Node.isParenthesizedExpression(holder.getParent()!))
      )
        holder = holder.getParent()!;
      const p = holder.getParent();
      let name: string | null = null;
      if (p && Node.isVariableDeclaration(p) && Node.isIdentifier(p.getNameNode()))
        name = p.getName();
      else if (
        p &&
        Node.isBinaryExpression(p) &&
        p.getRight() === holder &&
        Node.isIdentifier(p.getLeft())
      )
        name = p.getLeft().getText();
      const site: McpSite = { ctx, create: call, toWrap: [], wrapped: [], covered: name !== null };
      if (name) {
        const scope = call.getFirstAncestor((a) => Node.isFunctionLikeDeclaration(a)) ?? ctx.sf;
        for (const id of descendantsOfKind(scope, SyntaxKind.Identifier)) {
          if (id.getText() !== name) continue;
          const parent = id.getParent();
          if (parent && Node.isVariableDeclaration(parent) && parent.getNameNode() === id) continue;
          if (parent && Node.isBinaryExpression(parent) && parent.getLeft() === id) continue;
          if (parent && (Node.isPrefixUnaryExpression(parent) || Node.isIfStatement(parent)))
            continue;
          const access =
            parent && Node.isPropertyAccessExpression(parent) && parent.getExpression() === id
              ? parent
              : null;
          const method = access?.getName();
          const invoked = access?.getParent();
          if (method === "tools" && invoked && Node.isCallExpression(invoked)) {
            let top: Node = invoked;
            if (top.getParent() && Node.isAwaitExpression(top.getParent()!)) top = top.getParent()!;
            const outer = top.getParent();
            if (outer && Node.isCallExpression(outer) && isRuntimeCall(ctx, outer, "governTools"))
              site.wrapped.push(outer);
            else site.toWrap.push(top);
          } else if (!method || !CLIENT_METHODS.has(method)) site.covered = false; // handed on: its tools may be listed elsewhere
        }
      }
      if (!site.toWrap.length && !site.wrapped.length) site.covered = false;
      out.push(site);
    }
  }
  return out;
}
