import { descendantsOfKind } from "../../walk.js";
// MCP registration site: the server's construction. A task-based tool
// (server.experimental.tasks.registerToolTask) has no one function to wrap, so the server it is
// registered on is wrapped where it is made: `governMcpServer(new McpServer(...))` from
// governor/runtime gates every tools/call it answers, task-augmented ones included.
import { Node, SyntaxKind, type CallExpression } from "ts-morph";
import type { FileCtx } from "../../context.js";
import { frameworkOfSpec } from "../../modules.js";
import { declaresEdgeRuntime } from "../../../detectors/modules.js";
import { calleeBinding, dropMarker, lineOf, unwrapExpr } from "../../nodes.js";
import { isRuntimeCall, wrapInRuntime } from "../../imports.js";
import { manual, report, type Site } from "../../wrap.js";

// Constructions already wrapped by this run, per file (several task tools on one server).
const wrappedHere = new WeakMap<object, Set<number>>();

/** `registerToolTask` on `<server>.experimental.tasks`: gated by wrapping that server's construction. */
export function gateTaskTool(ctx: FileCtx, call: CallExpression, site: Site): void {
  let root: Node = call.getExpression();
  while (Node.isPropertyAccessExpression(root)) root = root.getExpression();
  // A parameter of that name is a server handed in, whatever this file makes under the same name.
  const param =
    Node.isIdentifier(root) &&
    call
      .getAncestors()
      .some(
        (a) =>
          Node.isFunctionLikeDeclaration(a) &&
          a.getParameters().some((p) => p.getName() === root.getText()),
      );
  const made = Node.isIdentifier(root) && !param ? construction(ctx, root.getText()) : null;
  if (!made) {
    manual(
      ctx,
      site,
      "a task-based tool (createTask/getTask/getTaskResult) has no single function to wrap, and the server it is registered on is not made in this file; wrap that server with governMcpServer(new McpServer(...)) from governor/runtime, or start node with --import governor/register",
    );
    return;
  }
  const at = `${ctx.path}:${lineOf(made.node)}`;
  if (made.wrapped)
    return report(ctx, site, "already-gated", `gated at run time by governMcpServer at ${at}`);
  const done = wrappedHere.get(ctx.sf) ?? new Set<number>();
  wrappedHere.set(ctx.sf, done);
  if (
    !done.has(made.node.getStart()) &&
    ![...(ctx.earlierEdits ?? [])].some(
      (e) => e.start === made.node.getStart() && e.text.endsWith("("),
    )
  ) {
    done.add(made.node.getStart());
    wrapInRuntime(ctx, "governMcpServer", made.node);
  }
  report(ctx, site, "gated", `gated at run time by governMcpServer at ${at}`);
}

/** `const <name> = new McpServer(...)` (or `governMcpServer(new McpServer(...))`) in this file. */
function construction(ctx: FileCtx, name: string): { node: Node; wrapped: boolean } | null {
  for (const d of descendantsOfKind(ctx.sf, SyntaxKind.VariableDeclaration)) {
    if (d.getName() !== name) continue;
    const init = d.getInitializer() && unwrapExpr(d.getInitializer()!);
    if (!init) continue;
    if (isRuntimeCall(ctx, init, "governMcpServer")) return { node: init, wrapped: true };
    if (Node.isNewExpression(init)) {
      const b = calleeBinding(ctx, init.getExpression());
      if (b && frameworkOfSpec(b.spec) === "mcp" && (b.name === "McpServer" || b.name === "Server"))
        return { node: init, wrapped: false };
    }
  }
  return null;
}

const HANDED_IN = /^a task-based tool .*not made in this file/;

/**
 * After every file: a task tool registered on a server handed in (`(server) => server.experimental
 * .tasks.registerToolTask(...)`) is gated when every MCP server the project makes is wrapped, so
 * each construction becomes governMcpServer(new McpServer(...)).
 */
export function finishMcp(files: FileCtx[]): void {
  const pending = files.flatMap((ctx) =>
    ctx.findings
      .filter(
        (f) =>
          f.form === "registerToolTask" && f.status === "manual" && HANDED_IN.test(f.reason ?? ""),
      )
      .map((f) => ({ ctx, f })),
  );
  if (!pending.length) return;
  const made: { ctx: FileCtx; node: Node; wrapped: boolean }[] = [];
  for (const ctx of files) {
    if (!ctx.frameworks.has("mcp")) continue;
    for (const n of descendantsOfKind(ctx.sf, SyntaxKind.NewExpression)) {
      const b = calleeBinding(ctx, n.getExpression());
      if (
        !b ||
        frameworkOfSpec(b.spec) !== "mcp" ||
        (b.name !== "McpServer" && b.name !== "Server")
      )
        continue;
      // `new Server(...)` inside an McpServer is the same server; a construction in an Edge file cannot be wrapped.
      if (declaresEdgeRuntime(ctx.text)) return;
      const p = n.getParent();
      made.push({
        ctx,
        node: n,
        wrapped: !!p && Node.isCallExpression(p) && isRuntimeCall(ctx, p, "governMcpServer"),
      });
    }
  }
  if (!made.length) return;
  let fresh = false;
  for (const m of made) {
    if (m.wrapped) continue;
    fresh = true;
    if (wrappedHere.get(m.ctx.sf)?.has(m.node.getStart())) continue; // wrapped by gateTaskTool this run
    wrapInRuntime(m.ctx, "governMcpServer", m.node);
  }
  const where = made.map((m) => `${m.ctx.path}:${lineOf(m.node)}`).join(", ");
  for (const { ctx, f } of pending) {
    dropMarker(ctx, f.line);
    Object.assign(f, {
      status: fresh ? "gated" : "already-gated",
      reason: `gated at run time by governMcpServer at ${where} (every MCP server the project makes is wrapped)`,
    });
  }
}
