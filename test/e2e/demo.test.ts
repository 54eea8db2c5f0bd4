// The quick start must keep working: `npm run demo` runs examples/demo.mjs after building.
import { describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { assertBuilt, REPO } from "./support/paths.js";
import { run } from "./support/project.js";

describe("npm run demo", () => {
  it("gates the example agent: the refund is refused, the other tools run, and it cleans up", async () => {
    assertBuilt();
    const res = await run([join(REPO, "examples", "demo.mjs")], { cwd: REPO });
    const out = res.stdout + res.stderr;
    expect(res.code, out).toBe(0);

    const [before, after] = out.split("\n6. ");
    expect(before, "the ungated run refunds").toContain("REFUNDED $249.00");
    expect(after, out).toBeDefined();
    expect(after).not.toContain("REFUNDED");
    expect(before, "step 3 shows the code init changed").toContain(
      '+    execute: gate("refund_payment", async ({ orderId, amount }) => {',
    );
    expect(after).toMatch(/refund_payment: NOT RUN\. .*blocked by policy.*human approver/);
    expect(after).toContain("[back office] read order ORD-1001");
    expect(after).toMatch(/refund_payment: DENY -> blocked/);
    expect(out, "doctor sees every tool gated").toMatch(/pass\s+tools\.governed/);

    const [, closed] = out.split("\n8. ");
    expect(closed, "the demo stops the server and runs the agent again").toBeDefined();
    expect(closed, "with enforce down, no tool body runs").not.toContain("[back office]");
    expect(closed).toMatch(/lookup_order: NOT RUN\. .*could not be reached/);
    expect(closed, "the agent still answers the customer").toMatch(
      /Agent: Sorry, I can't look up your order/,
    );

    const dir = /^ {3}(\/\S*governor-demo-\S+)$/m.exec(out)?.[1];
    expect(dir, "the demo names its temp dir").toBeDefined();
    expect(existsSync(dir!), "temp dir removed").toBe(false);
    const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
    await expect(fetch(`${url}/health`), "the demo's server was stopped").rejects.toThrow();
  });
});
