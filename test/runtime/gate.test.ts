import { afterEach, describe, expect, it } from "vitest";
import {
  GovernorDeniedError,
  GovernorUnavailableError,
  GovernorAuthError,
  GovernorProtocolError,
  GovernorError,
} from "../../src/runtime/index.js";
import {
  allow,
  closedUrl,
  deny,
  noAnswer,
  startEnforce,
  type EnforceServer,
} from "../support/enforce-server.js";
import { closeAll, makeGovernor, rejection } from "./helpers.js";

let server: EnforceServer | undefined;
afterEach(async () => {
  await closeAll();
  await server?.close();
  server = undefined;
});

describe("gate: ALLOW and DENY", () => {
  it("runs the tool on ALLOW, with the intent sent and no argument values", async () => {
    server = await startEnforce(() => allow("r-1"));
    const t = makeGovernor({
      enforceUrl: server.url,
      apiKey: "key-abc-123",
      headers: { "x-tenant-id": "acme" },
    });
    let ran = 0;
    const sendEmail = t.governor.gate("send_email", async (input: { to: string; body: string }) => {
      ran++;
      return `sent to ${input.to}`;
    });
    await expect(sendEmail({ to: "jane@example.com", body: "the secret plan" })).resolves.toBe(
      "sent to jane@example.com",
    );
    expect(ran).toBe(1);
    const req = server.requests[0];
    expect(req.path).toBe("/api/v2/enforce");
    expect(req.headers.authorization).toBe("Bearer key-abc-123");
    expect(req.headers["x-tenant-id"]).toBe("acme");
    expect(req.body).toEqual({
      action: "send",
      actor: { id: "anonymous", type: "agent" },
      resource: { type: "email", name: "send_email" },
      data: { pii: true, volume: "single" },
    });
    expect(req.raw).not.toContain("jane@example.com");
    expect(req.raw).not.toContain("secret plan");
    const [line] = await t.auditLines();
    expect(line).toMatchObject({
      tool: "send_email",
      decision: "ALLOW",
      outcome: "executed",
      requestId: "r-1",
      mode: "enforce",
      cached: false,
      errorCode: null,
    });
  });

  it("blocks the tool on DENY with a refusal for the model", async () => {
    server = await startEnforce(() =>
      deny("r-9", {
        reason: "external email with PII is not allowed",
        deny_code: "dlp_pii_external",
      }),
    );
    const t = makeGovernor({ enforceUrl: server.url });
    let ran = 0;
    const tool = t.governor.gate("send_email", async (_: { to: string }) => ran++);
    const err = await rejection(tool({ to: "x@example.com" }));
    expect(err).toBeInstanceOf(GovernorDeniedError);
    expect(err).toMatchObject({
      code: "dlp_pii_external",
      requestId: "r-9",
      reason: "external email with PII is not allowed",
      tool: "send_email",
    });
    expect(err.message).toContain("blocked by policy");
    expect(err.message).toContain("external email with PII is not allowed");
    expect(err.message).toContain("r-9");
    expect(err.message).toMatch(/Do not retry/);
    expect(err.message).toMatch(/explain to the user/);

    const returning = t.governor.gate("send_email", async (_: { to: string }) => ran++, {
      onDeny: "return",
    });
    const text = await returning({ to: "x@example.com" });
    expect(text).toBe(err.message);
    expect(ran).toBe(0);
    const lines = await t.auditLines();
    expect(lines.map((l) => [l.outcome, l.decision, l.denyCode])).toEqual([
      ["blocked", "DENY", "dlp_pii_external"],
      ["blocked", "DENY", "dlp_pii_external"],
    ]);
  });

  it("check() resolves DENY without throwing and reports the decision", async () => {
    server = await startEnforce(() =>
      deny("r-2", { canonicalization_trace: [{ field: "action" }] }),
    );
    const t = makeGovernor({ enforceUrl: server.url });
    const d = await t.governor.check({
      action: "read",
      actor: { id: "u", type: "user" },
      resource: { type: "db", name: "users" },
    });
    expect(d).toMatchObject({
      decision: "DENY",
      allowed: false,
      requestId: "r-2",
      reason: null,
      denyCode: "policy_denied",
      cached: false,
      mode: "enforce",
    });
    expect(d.trace).toEqual([{ field: "action" }]);
    expect(d.latencyMs).toBeGreaterThan(0);
  });
});

describe("gate: faults fail closed with the right code", () => {
  const cases: [string, () => any, string, any][] = [
    [
      "401",
      () => ({ status: 401, body: { detail: "Not authenticated" } }),
      "auth_failed",
      GovernorAuthError,
    ],
    [
      "403",
      () => ({ status: 403, body: { detail: "Forbidden for tenant" } }),
      "auth_failed",
      GovernorAuthError,
    ],
    [
      "422",
      () => ({
        status: 422,
        body: { detail: [{ loc: ["body", "action"], msg: "field required" }] },
      }),
      "bad_response",
      GovernorProtocolError,
    ],
    [
      "404",
      () => ({ status: 404, body: { detail: "Not Found" } }),
      "bad_response",
      GovernorProtocolError,
    ],
    [
      "500",
      () => ({ status: 500, body: { detail: "Canonicalization failed" } }),
      "enforce_unavailable",
      GovernorUnavailableError,
    ],
    [
      "502",
      () => ({ status: 502, body: { detail: "Data Plane error: x" } }),
      "enforce_unavailable",
      GovernorUnavailableError,
    ],
    ["unreadable body", () => ({ raw: "<html>oops" }), "bad_response", GovernorProtocolError],
    ["empty object", () => ({ body: {} }), "bad_response", GovernorProtocolError],
    [
      "unknown decision",
      () => ({ body: { decision: "MAYBE" } }),
      "bad_response",
      GovernorProtocolError,
    ],
    [
      "lower-case allow",
      () => ({ body: { decision: "allow" } }),
      "bad_response",
      GovernorProtocolError,
    ],
    [
      "ALLOW with a trailing space",
      () => ({ body: { decision: "ALLOW " } }),
      "bad_response",
      GovernorProtocolError,
    ],
    [
      "ALLOW inside metadata only",
      () => ({ body: { metadata: { decision: "ALLOW" } } }),
      "bad_response",
      GovernorProtocolError,
    ],
    [
      "201 with an ALLOW body",
      () => ({ status: 201, ...allow() }),
      "bad_response",
      GovernorProtocolError,
    ],
    [
      "a JSON array",
      () => ({ raw: '[{"decision":"ALLOW"}]' }),
      "bad_response",
      GovernorProtocolError,
    ],
    [
      "decision not a string",
      () => ({ body: { decision: true } }),
      "bad_response",
      GovernorProtocolError,
    ],
    [
      "oversized body, chunked",
      () => ({ raw: JSON.stringify({ decision: "ALLOW", pad: "x".repeat(1_100_000) }) }),
      "bad_response",
      GovernorProtocolError,
    ],
    [
      "oversized body, declared",
      () => {
        const raw = JSON.stringify({ decision: "ALLOW", pad: "x".repeat(1_100_000) });
        return { raw, headers: { "content-length": String(Buffer.byteLength(raw)) } };
      },
      "bad_response",
      GovernorProtocolError,
    ],
    [
      "redirect",
      () => ({ status: 307, headers: { location: "http://127.0.0.1:1/" } }),
      "bad_response",
      GovernorProtocolError,
    ],
    ["connection reset", () => ({ reset: true }), "enforce_unavailable", GovernorUnavailableError],
    ["timeout", noAnswer, "timeout", GovernorUnavailableError],
  ];
  it.each(cases)("%s", async (_name, reply, code, cls) => {
    server = await startEnforce(reply);
    const t = makeGovernor({ enforceUrl: server.url, timeoutMs: 150, retry: { baseDelayMs: 1 } });
    let ran = 0;
    const tool = t.governor.gate("delete_file", async () => ran++);
    const err = await rejection(tool());
    expect(err).toBeInstanceOf(cls);
    expect(err).toBeInstanceOf(GovernorError);
    expect(err.code).toBe(code);
    expect(err.message).toContain("delete_file");
    expect(ran).toBe(0);
    // Only 503 and resets are retried; nothing else is. A deadline may pass before the one request
    // has reached the server (a loaded machine), so a timeout is at most one request, never a retry.
    if (code === "timeout") expect(server.requests.length).toBeLessThanOrEqual(1);
    else expect(server.requests.length).toBe(_name === "connection reset" ? 3 : 1);
    const [line] = await t.auditLines();
    expect(line).toMatchObject({ outcome: "error", decision: null, errorCode: code });
  });

  it("refused connection and DNS failure", async () => {
    for (const url of [await closedUrl(), "http://governor-test.invalid"]) {
      const t = makeGovernor({ enforceUrl: url, timeoutMs: 2000, retry: { baseDelayMs: 1 } });
      let ran = 0;
      const err = await rejection(t.governor.gate("get_x", async () => ran++)());
      expect(err).toBeInstanceOf(GovernorUnavailableError);
      expect(err.code).toBe("enforce_unavailable");
      expect(err.message).toMatch(/ECONNREFUSED|ENOTFOUND|EAI_AGAIN/);
      expect(ran).toBe(0);
    }
  });

  it("onDeny return hands back a refusal instead of throwing when there is no decision", async () => {
    server = await startEnforce(() => ({ status: 500 }));
    const t = makeGovernor({ enforceUrl: server.url });
    let ran = 0;
    const text = await t.governor.gate("get_x", async () => ran++, { onDeny: "return" })();
    expect(text).toMatch(
      /"get_x" was not run.*no decision \(enforce_unavailable\).*Do not retry it now; tell the user/,
    );
    expect(text).not.toContain(server.url); // the model gets no internal host names
    expect(ran).toBe(0);
  });
});

describe("retries", () => {
  it("503 then 200 succeeds after a retry", async () => {
    server = await startEnforce((_r, n) => (n === 1 ? { status: 503 } : allow("after-retry")));
    const t = makeGovernor({ enforceUrl: server.url, retry: { baseDelayMs: 5 } });
    const d = await t.governor.check({
      action: "read",
      actor: { id: "a", type: "agent" },
      resource: { type: "x" },
    });
    expect(d).toMatchObject({ decision: "ALLOW", requestId: "after-retry" });
    expect(server.requests.length).toBe(2);
  });

  it("a reset then 200 succeeds after a retry", async () => {
    server = await startEnforce((_r, n) => (n === 1 ? { reset: true } : allow()));
    const t = makeGovernor({ enforceUrl: server.url, retry: { baseDelayMs: 5 } });
    await expect(t.governor.gate("get_x", async () => "ok")()).resolves.toBe("ok");
    expect(server.requests.length).toBe(2);
  });

  it("persistent 503 gives up inside the deadline", async () => {
    server = await startEnforce(() => ({ status: 503 }));
    const t = makeGovernor({
      enforceUrl: server.url,
      timeoutMs: 300,
      retry: { maxAttempts: 100, baseDelayMs: 10 },
    });
    const err = await rejection(
      t.governor.check({
        action: "read",
        actor: { id: "a", type: "agent" },
        resource: { type: "x" },
      }),
    );
    expect(err).toBeInstanceOf(GovernorUnavailableError);
    expect(["enforce_unavailable", "timeout"]).toContain(err.code);
    // It retried, and stopped at the deadline rather than using up its 100 attempts.
    const asked = server.requests.length;
    expect(asked).toBeGreaterThan(1);
    expect(asked).toBeLessThan(100);
    await new Promise((r) => setTimeout(r, 50));
    expect(server.requests.length).toBe(asked);
  });

  it("honours Retry-After, and gives up at once when it is past the deadline", async () => {
    server = await startEnforce((_r, n) =>
      n === 1 ? { status: 503, headers: { "retry-after": "1" } } : allow(),
    );
    const short = makeGovernor({ enforceUrl: server.url, timeoutMs: 500 });
    const err = await rejection(
      short.governor.check({
        action: "read",
        actor: { id: "a", type: "agent" },
        resource: { type: "x" },
      }),
    );
    // Not "timeout": it gave up at once instead of waiting out a deadline the retry could not meet.
    expect(err.code).toBe("enforce_unavailable");
    expect(server.requests.length).toBe(1);

    server.requests.length = 0;
    // a deadline far past the 1 s wait: only the lower bound below is about time, and load only adds to it
    const long = makeGovernor({ enforceUrl: server.url, timeoutMs: 60_000 });
    const t0 = Date.now();
    await expect(
      long.governor.check({
        action: "read",
        actor: { id: "b", type: "agent" },
        resource: { type: "x" },
      }),
    ).resolves.toMatchObject({ decision: "ALLOW" });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(server.requests.length).toBe(2);
  });

  it("never retries a DENY or a 4xx", async () => {
    server = await startEnforce((_r, n) => (n % 2 ? deny() : { status: 429 }));
    const t = makeGovernor({ enforceUrl: server.url, retry: { baseDelayMs: 1 } });
    const i = { action: "read", actor: { id: "a", type: "agent" }, resource: { type: "x" } };
    await expect(t.governor.check(i)).resolves.toMatchObject({ decision: "DENY" });
    await rejection(t.governor.check(i));
    expect(server.requests.length).toBe(2);
  });
});

describe("fail mode open", () => {
  it("runs the tool without a decision and labels it in the log and the audit", async () => {
    server = await startEnforce(() => ({ status: 500 }));
    const t = makeGovernor({ enforceUrl: server.url, failMode: "open" });
    let ran = 0;
    await expect(t.governor.gate("get_x", async () => ++ran)()).resolves.toBe(1);
    const d = await t.governor.check({
      action: "read",
      actor: { id: "a", type: "agent" },
      resource: { type: "x" },
    });
    expect(d).toMatchObject({ decision: "ALLOW", allowed: true, failOpen: true, requestId: null });
    expect(d.error?.code).toBe("enforce_unavailable");
    expect(t.warnings.join("\n")).toMatch(
      /no decision \(enforce_unavailable\) for "get_x"; running it anyway/,
    );
    const [line] = await t.auditLines();
    expect(line).toMatchObject({
      outcome: "executed",
      decision: null,
      failOpen: true,
      errorCode: "enforce_unavailable",
    });
  });

  it("still denies on DENY", async () => {
    server = await startEnforce(() => deny());
    const t = makeGovernor({ enforceUrl: server.url, failMode: "open" });
    await expect(t.governor.gate("get_x", async () => 1)()).rejects.toBeInstanceOf(
      GovernorDeniedError,
    );
  });
});

describe("observe mode", () => {
  it("asks enforce, runs the tool whatever the answer, and records what would have happened", async () => {
    let answer: "allow" | "deny" | "fail" = "deny";
    server = await startEnforce(() =>
      answer === "allow" ? allow("o-1") : answer === "deny" ? deny("o-2") : { status: 500 },
    );
    const t = makeGovernor({ enforceUrl: server.url, mode: "observe" });
    let ran = 0;
    const tool = t.governor.gate("delete_file", async () => ++ran);
    await tool();
    answer = "allow";
    await tool();
    answer = "fail";
    await tool();
    expect(ran).toBe(3);
    expect(server.requests.length).toBe(3);
    expect(t.warnings.join("\n")).toMatch(/observe.*"delete_file" would have been blocked/);
    const lines = await t.auditLines();
    expect(
      lines.map((l) => [l.mode, l.outcome, l.decision, l.wouldBlock ?? false, l.errorCode]),
    ).toEqual([
      ["observe", "executed", "DENY", true, null],
      ["observe", "executed", "ALLOW", false, null],
      ["observe", "executed", null, false, "enforce_unavailable"],
    ]);
  });
});

describe("mode off / kill switch", () => {
  it("runs tools without asking and warns once per process", async () => {
    server = await startEnforce(() => deny());
    const g = globalThis as any;
    delete g[Symbol.for("governor.offWarned")];
    const t = makeGovernor({ enforceUrl: server.url, env: { GOVERNOR_DISABLED: "true" } });
    expect(t.governor.mode).toBe("off");
    const tool = t.governor.gate("delete_file", async () => "ran");
    expect(await tool()).toBe("ran");
    expect(await tool()).toBe("ran");
    const u = makeGovernor({ enforceUrl: server.url, mode: "off" });
    expect(await u.governor.gate("x", async () => 1)()).toBe(1);
    expect(server.requests.length).toBe(0);
    expect([...t.warnings, ...u.warnings].filter((w) => /enforcement is OFF/.test(w)).length).toBe(
      1,
    );
  });
});
