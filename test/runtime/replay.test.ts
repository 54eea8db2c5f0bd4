// Finding 9: with GOVERNOR_DECISION_KEY set, each request carries a fresh nonce the signature binds,
// so a captured ALLOW cannot answer another request; expires_at must be ISO-8601 and not too far out.
import { afterEach, describe, expect, it } from "vitest";
import path from "node:path";
import { signDecision, type Intent } from "../../src/runtime/index.js";
import {
  allow,
  startEnforce,
  type EnforceServer,
  type Received,
  type Reply,
} from "../support/enforce-server.js";
import { closeAll, makeGovernor, rejection } from "./helpers.js";
import { policies, serve, until } from "../cli/helpers.js";

let server: EnforceServer | undefined;
afterEach(async () => {
  await closeAll();
  await server?.close();
  server = undefined;
});

const key = "replay-decision-key-0123456789";
const intent: Intent = {
  action: "read",
  actor: { id: "a", type: "user" },
  resource: { type: "db", name: "users" },
};
/** An ALLOW signed over the body this request sent (nonce included), as a real server signs. */
const signed = (req: Received, extra: { expiresAt?: string; ttlMs?: number } = {}): Reply =>
  allow("s-1", {
    ...signDecision(key, { intent: req.body, decision: "ALLOW", requestId: "s-1", ...extra }),
  });

describe("nonce", () => {
  it("each request carries a fresh 128-bit base64url nonce; none without a decision key", async () => {
    server = await startEnforce((req) => signed(req));
    const t = makeGovernor({ enforceUrl: server.url, decisionKey: key });
    expect((await t.governor.check(intent)).decision).toBe("ALLOW");
    expect((await t.governor.check(intent)).decision).toBe("ALLOW");
    const [a, b] = server.requests.map((r) => r.body.nonce);
    expect(a).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(b).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(a).not.toBe(b);
    // The body is still canonical JSON (sorted keys), so hashing the raw bytes gives the signed hash.
    expect(Object.keys(server.requests[0].body)).toEqual(
      [...Object.keys(server.requests[0].body)].sort(),
    );
    const plain = makeGovernor({ enforceUrl: server.url });
    await plain.governor.check(intent);
    expect(server.requests[2].body.nonce).toBeUndefined();
  });

  it("a captured signed ALLOW replayed to a second check is refused (decision_unverified)", async () => {
    let captured: Reply | undefined;
    // A replaying middleman: the first answer is genuine, every later one is that answer again.
    server = await startEnforce((req) => (captured ??= signed(req)));
    const t = makeGovernor({ enforceUrl: server.url, decisionKey: key });
    let ran = 0;
    const tool = t.governor.gate("get_users", async () => ++ran);
    await tool();
    expect(ran).toBe(1);
    const err = await rejection(tool());
    expect(err.code).toBe("decision_unverified");
    expect(ran).toBe(1);
    expect(server.requests.length).toBe(2);
    const d = await t.governor.check(intent);
    expect(d).toMatchObject({ decision: "DENY", allowed: false, denyCode: "decision_unverified" });
    expect(d.reason).toMatch(/mismatch/);
  });

  it("the cache and single-flight keys leave the nonce out: identical checks make one request", async () => {
    server = await startEnforce((req) => signed(req));
    const t = makeGovernor({ enforceUrl: server.url, decisionKey: key, cacheTtlMs: 60_000 });
    const [a, b] = await Promise.all([t.governor.check(intent), t.governor.check(intent)]);
    const c = await t.governor.check(intent);
    expect([a.decision, b.decision, c.decision]).toEqual(["ALLOW", "ALLOW", "ALLOW"]);
    expect(c.cached).toBe(true);
    expect(server.requests.length).toBe(1);
  });

  it("a retried request (503 then an answer) is verified against the body it sent", async () => {
    server = await startEnforce((req, n) => (n === 1 ? { status: 503, body: {} } : signed(req)));
    const t = makeGovernor({
      enforceUrl: server.url,
      decisionKey: key,
      retry: { maxAttempts: 3, baseDelayMs: 1 },
      timeoutMs: 10_000,
    });
    expect((await t.governor.check(intent)).decision).toBe("ALLOW");
    expect(server.requests[0].body.nonce).toBe(server.requests[1].body.nonce);
  });

  it("governor serve --decision-key signs the nonce: a gate with the same key gets ALLOW, another key DENY", async () => {
    const srv = await serve(["--policy", path.join(policies, "basic.yaml"), "--decision-key", key]);
    try {
      const t = makeGovernor({ enforceUrl: srv.url, decisionKey: key });
      const d = await t.governor.check({
        action: "query",
        actor: { id: "u", type: "user" },
        resource: { type: "postgres_db", name: "users" },
      });
      expect(d).toMatchObject({ decision: "ALLOW", allowed: true });
      const other = makeGovernor({ enforceUrl: srv.url, decisionKey: key + "-other" });
      const e = await other.governor.check({
        action: "query",
        actor: { id: "u", type: "user" },
        resource: { type: "postgres_db", name: "users" },
      });
      expect(e.denyCode).toBe("decision_unverified");
    } finally {
      await srv.stop();
    }
  });
});

describe("expires_at", () => {
  it("governor serve --token-ttl over the cap warns, and a gate refuses its decisions unless it raises the cap", async () => {
    const srv = await serve([
      "--policy",
      path.join(policies, "basic.yaml"),
      "--decision-key",
      key,
      "--token-ttl",
      "600000",
    ]);
    const q: Intent = {
      action: "query",
      actor: { id: "u", type: "user" },
      resource: { type: "postgres_db", name: "users" },
    };
    try {
      await until(
        async () => /--token-ttl 600000 is over 300000 ms/.test(srv.stderr()),
        "the token-ttl warning",
        20_000,
      );
      const d = await makeGovernor({ enforceUrl: srv.url, decisionKey: key }).governor.check(q);
      expect(d.reason).toContain("expiry_too_far");
      const e = await makeGovernor({
        enforceUrl: srv.url,
        decisionKey: key,
        env: { GOVERNOR_DECISION_MAX_TTL_MS: "700000" },
      }).governor.check(q);
      expect(e.decision).toBe("ALLOW");
    } finally {
      await srv.stop();
    }
  });

  const refused = async (reply: (req: Received) => Reply, opts: Record<string, unknown> = {}) => {
    server = await startEnforce(reply);
    const t = makeGovernor({ enforceUrl: server.url, decisionKey: key, ...opts });
    return t.governor.check(intent);
  };

  it.each([
    ["year 9999", "9999-12-31T23:59:59.000Z", "expiry_too_far"],
    ["a year from now", new Date(Date.now() + 365 * 86_400_000).toISOString(), "expiry_too_far"],
    ['"tomorrow"', "tomorrow", "malformed"],
    ["an HTTP date a minute out", new Date(Date.now() + 60_000).toUTCString(), "malformed"],
    ["Date#toString a minute out", new Date(Date.now() + 60_000).toString(), "malformed"],
    [
      "a date with no time zone",
      new Date(Date.now() + 60_000).toISOString().replace("Z", ""),
      "malformed",
    ],
    ["February 30th", "2099-02-30T00:00:00Z", "malformed"],
    ["hour 24", "2099-01-01T24:00:00Z", "malformed"],
  ])("%s is refused (no decision, decision_unverified)", async (_name, expiresAt, why) => {
    const d = await refused((req) => signed(req, { expiresAt }));
    expect(d).toMatchObject({ decision: "DENY", allowed: false, denyCode: "decision_unverified" });
    expect(d.reason).toContain(why);
  });

  it("a valid ISO-8601 expiry with an offset and microseconds, within the cap, allows", async () => {
    const at = new Date(Date.now() + 120_000);
    const local = at.toISOString().replace(/\.(\d{3})Z$/, ".$1456+00:00");
    expect((await refused((req) => signed(req, { expiresAt: local }))).decision).toBe("ALLOW");
  });

  it("GOVERNOR_DECISION_MAX_TTL_MS sets the cap (env and option)", async () => {
    const d = await refused((req) => signed(req, { ttlMs: 60_000 }), {
      env: { GOVERNOR_DECISION_MAX_TTL_MS: "10000" },
    });
    expect(d.reason).toContain("expiry_too_far");
    await server!.close();
    const e = await refused((req) => signed(req, { ttlMs: 600_000 }), {
      decisionMaxTtlMs: 900_000,
    });
    expect(e.decision).toBe("ALLOW");
  });

  it("a bad GOVERNOR_DECISION_MAX_TTL_MS is a config error", async () => {
    expect(() =>
      makeGovernor({
        enforceUrl: "http://127.0.0.1:9",
        decisionKey: key,
        env: { GOVERNOR_DECISION_MAX_TTL_MS: "soon" },
      }),
    ).toThrow(/GOVERNOR_DECISION_MAX_TTL_MS/);
  });
});
