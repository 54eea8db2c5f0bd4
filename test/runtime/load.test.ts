import { afterEach, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { withActor, GovernorError } from "../../src/runtime/index.js";
import {
  allow,
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

describe("1,000 concurrent gated calls, some failing", () => {
  it("audits every attempt and never runs a tool without ALLOW", async () => {
    const allowed = new Set<string>();
    server = await startEnforce((req) => {
      const n = Number(String(req.body.actor.id).slice(1));
      if (n % 5 === 0) return deny(`d-${n}`);
      if (n % 7 === 0) return { status: 500 };
      if (n % 11 === 0) return { reset: true };
      if (n % 13 === 0) return { raw: "not json" };
      if (n % 17 === 0) return { body: { decision: "MAYBE" } };
      allowed.add(req.body.actor.id);
      return { ...allow(`a-${n}`), delayMs: n % 3 };
    });
    const t = makeGovernor({
      enforceUrl: server.url,
      // a net for a hang, not a margin: on a loaded machine 1,000 requests may queue for seconds,
      // and an answer the client gave up on would be an ALLOW the tool never saw
      timeoutMs: 100_000,
      retry: { baseDelayMs: 1, maxAttempts: 2 },
      breaker: { minimumRequests: 100_000 },
    });
    const ran: string[] = [];
    const tool = t.governor.gate("update_record", async (input: { who: string }) => {
      ran.push(input.who);
      return input.who;
    });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 1000 }, (_, i) =>
        withActor({ id: `u${i}`, type: "user" }, () => tool({ who: `u${i}` })),
      ),
    );
    const lines = await t.auditLines();
    expect(lines.length).toBe(1000);
    expect(t.governor.stats().auditDropped).toBe(0);

    // No tool ran without ALLOW, and every ALLOW ran.
    expect(ran.every((who) => allowed.has(who))).toBe(true);
    expect(new Set(ran).size).toBe(ran.length);
    expect(ran.length).toBe(allowed.size);
    expect(ran.length).toBeGreaterThan(500);

    const fulfilled = outcomes.filter((o) => o.status === "fulfilled").length;
    const rejected = outcomes.filter((o) => o.status === "rejected") as PromiseRejectedResult[];
    expect(fulfilled).toBe(ran.length);
    expect(rejected.every((r) => r.reason instanceof GovernorError)).toBe(true);

    const by = (o: string) => lines.filter((l) => l.outcome === o);
    expect(by("executed").length).toBe(ran.length);
    expect(
      by("executed").every((l) => l.decision === "ALLOW" && allowed.has(l.intent.actor.id)),
    ).toBe(true);
    expect(by("blocked").length).toBe(
      rejected.filter((r) => r.reason.code === "policy_denied").length,
    );
    expect(by("blocked").length).toBe(200);
    expect(by("error").length).toBe(1000 - ran.length - 200);
    expect(new Set(by("error").map((l) => l.errorCode))).toEqual(
      new Set(["enforce_unavailable", "bad_response"]),
    );
  }, 120_000);
});

describe("secrets never leak", () => {
  const KEY = "sk-live-SUPERSECRET-0123456789";
  const HEADER_SECRET = "hdr-secret-987654321";
  const ARG = "argument-value-that-must-not-leak";

  it("the API key and argument values appear in no error, refusal, warning or audit line", async () => {
    let mode = 0;
    server = await startEnforce((req) => {
      const echo = `${req.headers.authorization} ${req.headers["x-api-key"]}`;
      switch (mode) {
        case 0:
          return { status: 401, body: { detail: `bad key ${echo}` } };
        case 1:
          return { status: 500, body: { detail: `crash ${echo}` } };
        case 2:
          return { status: 422, body: { detail: [{ msg: echo }] } };
        case 3:
          return deny("r", { reason: `no (${echo})` });
        case 4:
          return { raw: `garbage ${echo}` };
        case 5:
          return noAnswer();
        default:
          return allow();
      }
    });
    const messages: string[] = [];
    for (const failMode of ["closed", "open"] as const) {
      const t = makeGovernor({
        enforceUrl: server.url,
        apiKey: KEY,
        headers: { "x-api-key": HEADER_SECRET },
        timeoutMs: 150,
        failMode,
        breaker: { minimumRequests: 1000 },
      });
      const tool = t.governor.gate(
        "send_email",
        async (input: { body: string }) => input.body.length,
      );
      const returning = t.governor.gate(
        "send_email",
        async (input: { body: string }) => input.body.length,
        { onDeny: "return" },
      );
      for (mode = 0; mode <= 6; mode++) {
        try {
          messages.push(String(await tool({ body: ARG })));
        } catch (e) {
          const err = e as Error & { cause?: unknown };
          messages.push(
            err.message,
            String(err),
            err.stack ?? "",
            JSON.stringify(err),
            String(err.cause ?? ""),
          );
        }
        messages.push(String(await returning({ body: ARG })));
      }
      messages.push(
        ...(await t.auditLines()).map((l) => JSON.stringify(l)),
        ...t.warnings,
        readFileSync(t.auditPath, "utf8"),
      );
    }
    const all = messages.join("\n");
    expect(all).toContain("blocked by policy");
    expect(all).toContain("HTTP 401");
    expect(all).not.toContain(KEY);
    expect(all).not.toContain(HEADER_SECRET);
    expect(all).not.toContain(ARG);
    expect(all).toContain("[redacted]");
  });

  it("config errors do not echo secrets either", async () => {
    const t = () => makeGovernor({ enforceUrl: `http://user:${KEY}@127.0.0.1:1`, apiKey: KEY });
    const err = await rejection(Promise.resolve().then(t));
    expect(err.code).toBe("config_invalid");
    expect(err.message).not.toContain(KEY);
  });
});
