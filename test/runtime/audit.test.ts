import { afterEach, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import path from "node:path";
import { allow, startEnforce, type EnforceServer } from "../support/enforce-server.js";
import { closeAll, makeGovernor, tmp } from "./helpers.js";

let server: EnforceServer | undefined;
afterEach(async () => {
  await closeAll();
  await server?.close();
  server = undefined;
});

describe("audit log", () => {
  it("is bounded: overflow is dropped, counted and reported", async () => {
    server = await startEnforce(() => allow());
    const t = makeGovernor({ enforceUrl: server.url, auditBufferMax: 5, cacheTtlMs: 1000 });
    const tool = t.governor.gate("get_x", async () => 1);
    await tool(); // warm the cache so the next calls finish before the first flush
    await Promise.all(Array.from({ length: 20 }, () => tool()));
    const lines = await t.auditLines();
    const dropped = lines.find((l) => l.type === "audit_dropped");
    expect(dropped?.dropped).toBeGreaterThan(0);
    expect(lines.filter((l) => l.tool).length + dropped.droppedTotal).toBe(21);
    expect(t.governor.stats().auditDropped).toBe(dropped.droppedTotal);
    expect(t.warnings.join("\n")).toMatch(/audit line\(s\) were dropped/);
  });

  it("an unwritable log is reported, never blocks the tool, and the lines are counted as dropped", async () => {
    server = await startEnforce(() => allow());
    const t = makeGovernor({
      enforceUrl: server.url,
      auditLog: path.join(tmp(), "missing-dir", "audit.jsonl"),
    });
    let ran = 0;
    await t.governor.gate("get_x", async () => ++ran)();
    await t.governor.close();
    expect(ran).toBe(1);
    expect(t.warnings.join("\n")).toMatch(/could not write the audit log .*ENOENT/);
    expect(t.governor.stats().auditDropped).toBe(1);
  });

  it("records the intent without argument values, with latency and cache flag", async () => {
    server = await startEnforce(() => allow("a-1"));
    const t = makeGovernor({ enforceUrl: server.url, cacheTtlMs: 1000 });
    const tool = t.governor.gate("send_email", async (_: { to: string; body: string }) => 1);
    await tool({ to: "ann@example.com", body: "hello there" });
    await tool({ to: "ann@example.com", body: "hello there" });
    const lines = await t.auditLines();
    const text = readFileSync(t.auditPath, "utf8");
    expect(text).not.toContain("ann@example.com");
    expect(text).not.toContain("hello there");
    expect(lines.map((l) => l.cached)).toEqual([false, true]);
    expect(lines[0]).toMatchObject({
      tool: "send_email",
      intent: { action: "send", data: { pii: true } },
      requestId: "a-1",
      outcome: "executed",
    });
    expect(typeof lines[0].latencyMs).toBe("number");
    expect(Date.parse(lines[0].time)).not.toBeNaN();
  });
});

describe("audit line intent", () => {
  it("is the intent exactly as sent to enforce, not read again from the caller's objects", async () => {
    server = await startEnforce(() => allow("a-2"));
    const t = makeGovernor({ enforceUrl: server.url });
    let reads = 0;
    const data = {
      get ticket() {
        return `T-${++reads}`;
      },
    };
    let ran = 0;
    await t.governor.gate("get_x", async () => ++ran, { intent: { data } })();
    const [line] = await t.auditLines();
    expect(ran).toBe(1);
    expect(server.requests[0].body.data.ticket).toBe("T-1");
    expect(line.intent).toEqual(server.requests[0].body);
    expect(Object.keys(line)).toEqual([
      "time",
      "tool",
      "intent",
      "decision",
      "outcome",
      "requestId",
      "latencyMs",
      "mode",
      "cached",
      "errorCode",
      "gatedBy",
    ]);
    expect(line.gatedBy).toBe("definition");
  });
});
