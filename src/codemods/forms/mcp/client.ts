import { descendantsOfKind } from "../../walk.js";
// MCP client registration site: `new Client(...)` from the MCP SDK. Its tools live on servers init
// cannot see, and the app may call them from anywhere (`client.callTool(...)`), so the client is
// wrapped where it is made: `governMcpClient(new Client(...))` gates every tools/call it sends.
import { Node, SyntaxKind } from "ts-morph";
import type { FileCtx } from "../../context.js";
import { frameworkOfSpec } from "../../modules.js";
import { calleeBinding } from "../../nodes.js";
import { isRuntimeCall, wrapInRuntime } from "../../imports.js";
import { report, type Site } from "../../wrap.js";

const REASON = "every tools/call this client sends is gated by governMcpClient";

export function gateMcpClients(ctx: FileCtx): void {
  for (const n of descendantsOfKind(ctx.sf, SyntaxKind.NewExpression)) {
    const b = calleeBinding(ctx, n.getExpression());
    if (
      !b ||
      b.name !== "Client" ||
      frameworkOfSpec(b.spec) !== "mcp" ||
      !/\/client(?:\/|$)/.test(b.spec)
    )
      continue;
    if (ctx.claimed.has(n.getStart())) continue;
    const site: Site = {
      framework: "mcp",
      form: "registration",
      name: null,
      nameConfidence: "low",
      at: n,
    };
    const p = n.getParent();
    if (p && Node.isCallExpression(p) && isRuntimeCall(ctx, p, "governMcpClient")) {
      report(ctx, site, "already-gated", REASON);
      continue;
    }
    wrapInRuntime(ctx, "governMcpClient", n);
    report(ctx, site, "gated", REASON);
  }
}
