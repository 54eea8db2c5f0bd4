import { afterEach, describe, expect, it, vi } from "vitest";
import { GovernorUnavailableError, signDecision, type Intent } from "../../src/runtime/index.js";
import { allow, deny, startEnforce, type EnforceServer } from "../support/enforce-server.js";
import { closeAll, makeGovernor, rejection } from "./helpers.js";

let server: EnforceServer | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await closeAll();
  await server?.close();
  server = undefined;
});

const intent = (id = "a"): Intent => ({
  action: "read",
  actor: { id, type: "user" },
  resource: { type: "db", name: "users" },
});
// The breaker and the cache read Date.now(); a frozen clock moved by hand keeps these tests free of
// wall-clock margins (timers stay real, so HTTP and the deadline work as usual).
function clock(): (ms: number) => void {
  vi.useFakeTimers({ toFake: ["Date"] });
  return (ms) => vi.setSystemTime(Date.now() + ms);
}

describe("circuit breaker", () => {
  it("one failure never opens it", async () => {
    server = await startEnforce((_r, n) => (n === 1 ? { status: 500 } : allow()));
    const t = makeGovernor({
      enforceUrl: server.url,
      breaker: { minimumRequests: 4, coolDownMs: 10_000 },
    });
    await rejection(t.governor.check(intent()));
    await expect(t.governor.check(intent())).resolves.toMatchObject({ decision: "ALLOW" });
    expect(t.governor.stats().breaker).toBe("closed");
  });

  it("opens after repeated failures, half-opens after the cool-down, closes on a good trial", async () => {
    let healthy = false;
    server = await startEnforce(() => (healthy ? allow() : { status: 500 }));
    const advance = clock();
    const t = makeGovernor({
      enforceUrl: server.url,
      breaker: { minimumRequests: 4, failureRatio: 0.5, coolDownMs: 150 },
    });
    for (let i = 0; i < 4; i++)
      expect((await rejection(t.governor.check(intent()))).code).toBe("enforce_unavailable");
    expect(t.governor.stats().breaker).toBe("open");

    // Open: fails at once, without a request.
    const before = server.requests.length;
    const err = await rejection(t.governor.gate("get_users", async () => 1)());
    expect(err).toBeInstanceOf(GovernorUnavailableError);
    expect(err.code).toBe("circuit_open");
    expect(err.message).toMatch(/circuit open/);
    expect(server.requests.length).toBe(before);

    // Half-open trial fails: open again.
    advance(170);
    expect((await rejection(t.governor.check(intent()))).code).toBe("enforce_unavailable");
    expect(t.governor.stats().breaker).toBe("open");
    expect((await rejection(t.governor.check(intent()))).code).toBe("circuit_open");

    // Half-open: one trial goes out while concurrent checks still fail fast; success closes it.
    advance(170);
    healthy = true;
    const [trial, other] = await Promise.allSettled([
      t.governor.check(intent("t1")),
      t.governor.check(intent("t2")),
    ]);
    expect(trial).toMatchObject({ status: "fulfilled", value: { decision: "ALLOW" } });
    expect(other).toMatchObject({ status: "rejected", reason: { code: "circuit_open" } });
    expect(t.governor.stats().breaker).toBe("closed");
    await expect(t.governor.check(intent())).resolves.toMatchObject({ decision: "ALLOW" });
  });

  it("DENY and 401 are answers, not failures", async () => {
    server = await startEnforce((_r, n) => (n % 2 ? deny() : { status: 401 }));
    const t = makeGovernor({ enforceUrl: server.url, breaker: { minimumRequests: 2 } });
    for (let i = 0; i < 3; i++) await t.governor.check(intent()).catch(() => undefined);
    expect(t.governor.stats().breaker).toBe("closed");
  });
});

describe("cache", () => {
  it("reuses ALLOW for the TTL, keyed on the whole intent", async () => {
    server = await startEnforce(() => allow());
    const advance = clock();
    const t = makeGovernor({ enforceUrl: server.url, cacheTtlMs: 100 });
    const first = await t.governor.check(intent());
    const second = await t.governor.check(intent());
    expect([first.cached, second.cached]).toEqual([false, true]);
    expect(second).toMatchObject({ decision: "ALLOW", allowed: true, requestId: "req-allow" });
    expect(server.requests.length).toBe(1);
    // Another actor is another key.
    await t.governor.check(intent("b"));
    expect(server.requests.length).toBe(2);
    advance(120);
    expect((await t.governor.check(intent())).cached).toBe(false);
    expect(server.requests.length).toBe(3);
  });

  it("never caches DENY or errors, and honours metadata.ttl_ms", async () => {
    let reply = deny();
    server = await startEnforce(() => reply);
    const advance = clock();
    const t = makeGovernor({ enforceUrl: server.url, cacheTtlMs: 10_000 });
    await t.governor.check(intent());
    await t.governor.check(intent());
    expect(server.requests.length).toBe(2);
    reply = { status: 500 };
    await rejection(t.governor.check(intent()));
    await rejection(t.governor.check(intent()));
    expect(server.requests.length).toBe(4);
    reply = allow("ttl0", { ttl_ms: 0 });
    await t.governor.check(intent());
    await t.governor.check(intent());
    expect(server.requests.length).toBe(6);
    reply = allow("ttl50", { ttl_ms: 50 });
    await t.governor.check(intent());
    expect((await t.governor.check(intent())).cached).toBe(true);
    advance(70);
    expect((await t.governor.check(intent())).cached).toBe(false);
  });

  it("identical concurrent checks share one request", async () => {
    server = await startEnforce(() => ({ ...allow(), delayMs: 50 }));
    const t = makeGovernor({ enforceUrl: server.url, cacheTtlMs: 1000 });
    const results = await Promise.all(Array.from({ length: 50 }, () => t.governor.check(intent())));
    expect(results.every((r) => r.allowed)).toBe(true);
    expect(server.requests.length).toBe(1);
  });

  it("identical concurrent checks share a DENY too, but it is not kept", async () => {
    server = await startEnforce(() => ({ ...deny(), delayMs: 30 }));
    const t = makeGovernor({ enforceUrl: server.url, cacheTtlMs: 1000 });
    const results = await Promise.all(Array.from({ length: 20 }, () => t.governor.check(intent())));
    expect(results.every((r) => r.decision === "DENY")).toBe(true);
    expect(server.requests.length).toBe(1);
    await t.governor.check(intent());
    expect(server.requests.length).toBe(2);
  });

  it("is bounded", async () => {
    server = await startEnforce(() => allow());
    const t = makeGovernor({ enforceUrl: server.url, cacheTtlMs: 10_000, cacheMaxEntries: 5 });
    for (let i = 0; i < 12; i++) await t.governor.check(intent(`u${i}`));
    expect(t.governor.stats().cacheEntries).toBe(5);
    // The newest stay, the oldest went.
    expect((await t.governor.check(intent("u11"))).cached).toBe(true);
    expect((await t.governor.check(intent("u0"))).cached).toBe(false);
  });
});

describe("signed decisions", () => {
  const key = "test-decision-key-0123456789";
  const signedAllow =
    (
      opts: { tamper?: "token" | "intent" | "request"; expired?: boolean; missing?: boolean } = {},
    ) =>
    async (req: { raw: string; body: any }) => {
      if (opts.missing) return allow("s-1");
      const body = opts.tamper === "intent" ? { ...req.body, action: "other" } : req.body;
      const fields = signDecision(key, {
        intent: body,
        decision: "ALLOW",
        requestId: opts.tamper === "request" ? "s-other" : "s-1",
        expiresAt: opts.expired ? new Date(Date.now() - 1000) : undefined,
      });
      if (opts.tamper === "token")
        fields.decision_token =
          fields.decision_token.slice(0, -2) + (fields.decision_token.endsWith("AA") ? "BB" : "AA");
      return allow("s-1", { ...fields });
    };

  it("a valid token allows", async () => {
    server = await startEnforce(signedAllow());
    const t = makeGovernor({ enforceUrl: server.url, decisionKey: key });
    let ran = 0;
    await t.governor.gate("get_users", async () => ++ran)();
    expect(ran).toBe(1);
  });

  it.each([
    ["tampered token", { tamper: "token" }],
    ["other intent", { tamper: "intent" }],
    ["other request id", { tamper: "request" }],
    ["expired", { expired: true }],
    ["missing", { missing: true }],
  ] as const)("%s is a DENY with decision_unverified", async (_n, opts) => {
    server = await startEnforce(signedAllow(opts));
    const t = makeGovernor({ enforceUrl: server.url, decisionKey: key, cacheTtlMs: 1000 });
    let ran = 0;
    const err = await rejection(t.governor.gate("get_users", async () => ++ran)());
    expect(err.code).toBe("decision_unverified");
    expect(err.message).toMatch(/could not be verified/);
    expect(ran).toBe(0);
    const d = await t.governor.check(intent());
    expect(d).toMatchObject({ decision: "DENY", allowed: false, denyCode: "decision_unverified" });
  });
});
