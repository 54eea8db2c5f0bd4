// `governor serve` as a real process over real HTTP.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { verifyDecision } from "../../src/runtime/token.js";
import { run, serve, tempPolicy, until, type Served } from "../cli/helpers.js";

const API_KEY = "sk-test-serve-0123456789";
const DECISION_KEY = "dk-test-serve-9876543210";
const auth = { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" };
const readIntent = { action: "query", actor: { id: "user-123", type: "user" }, resource: { type: "postgres_db", name: "users" } };

let srv: Served;
let policyFile: string;

async function enforce(body: unknown, headers: Record<string, string> = auth) {
  const res = await fetch(`${srv.url}/api/v2/enforce`, { method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any };
}

beforeAll(async () => {
  policyFile = tempPolicy("basic.yaml");
  srv = await serve(["--policy", policyFile], { GOVERNOR_SERVE_API_KEY: API_KEY, GOVERNOR_DECISION_KEY: DECISION_KEY });
});
afterAll(() => srv?.stop());

describe("governor serve", () => {
  it("prints the URL as its first stdout line and answers /health", async () => {
    expect(srv.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${srv.url}/health`);
    expect(res.status).toBe(200);
  });

  it("answers ALLOW with request id, trace and a decision token the runtime verifies", async () => {
    const { status, body } = await enforce(readIntent);
    expect(status).toBe(200);
    expect(body.decision).toBe("ALLOW");
    expect(typeof body.enforcement_latency_ms).toBe("number");
    const m = body.metadata;
    expect(m.request_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(m.canonicalization_trace[0]).toEqual({ field: "action", raw_input: "query", prediction: { canonical: "read", confidence: 0.95, source: "builtin_vocabulary" } });
    const check = (intent: unknown, key = DECISION_KEY) =>
      verifyDecision(key, { intent, decision: "ALLOW", requestId: m.request_id, token: m.decision_token, expiresAt: m.expires_at });
    expect(check(readIntent)).toEqual({ ok: true });
    expect(check({ ...readIntent, action: "delete" })).toEqual({ ok: false, reason: "mismatch" });
    expect(check(readIntent, "another-key")).toEqual({ ok: false, reason: "mismatch" });
  });

  it("answers DENY with the rule's reason and deny code, and no token", async () => {
    const { body } = await enforce({ action: "refund", actor: { id: "bot" }, resource: { type: "stripe", name: "stripe" } });
    expect(body.decision).toBe("DENY");
    expect(body.metadata).toMatchObject({ reason: "Refunds need a human approver.", deny_code: "stepup_required", rule_id: "no-refunds" });
    expect(body.metadata.decision_token).toBeUndefined();
  });

  it("rejects missing or wrong bearer keys with 401 {detail}", async () => {
    const none = await enforce(readIntent, { "content-type": "application/json" });
    expect(none.status).toBe(401);
    expect(none.body.detail).toMatch(/Authorization: Bearer/);
    const wrong = await enforce(readIntent, { authorization: "Bearer nope" });
    expect(wrong).toEqual({ status: 401, body: { detail: "Invalid API key" } });
  });

  it("answers 422 in FastAPI's shape for malformed and invalid bodies", async () => {
    expect(await enforce("{not json")).toEqual({ status: 422, body: { detail: [{ type: "json_invalid", loc: ["body", 1], msg: "JSON decode error" }] } });
    const invalid = await enforce({ action: 7, actor: { id: "a" }, resource: { type: "db" } });
    expect(invalid.status).toBe(422);
    expect(invalid.body.detail).toEqual([{ type: "string_type", loc: ["body", "action"], msg: "Input should be a valid string" }]);
  });

  it("canonicalizes without deciding", async () => {
    const res = await fetch(`${srv.url}/api/v2/canonicalize`, { method: "POST", headers: auth, body: JSON.stringify(readIntent) });
    const body = (await res.json()) as any;
    expect(body.canonical_intent).toMatchObject({ action: "read", resource: { type: "database", name: "users" }, layer: "L4" });
    expect(body.canonicalization_trace).toHaveLength(3);
  });

  it("logs one line per decision to stderr without keys", async () => {
    await until(async () => /DENY action=refund resource=payment\/stripe actor=bot rule=no-refunds/.test(srv.stderr()), "decision log line");
    expect(srv.stderr()).toMatch(/ALLOW action=read resource=database\/users actor=user-123 rule=reads request_id=/);
    expect(srv.stderr()).not.toContain(API_KEY);
    expect(srv.stderr()).not.toContain(DECISION_KEY);
  });

  it("reloads the policy on change, and keeps the last good one when an edit is invalid", async () => {
    const original = readFileSync(policyFile, "utf8");
    writeFileSync(policyFile, original.replace("id: reads\n    effect: allow", "id: reads\n    effect: deny"));
    await until(async () => (await enforce(readIntent)).body.decision === "DENY", "reloaded policy to deny reads");
    writeFileSync(policyFile, original.replace("effect: allow", "effect: maybe"));
    await until(async () => srv.stderr().includes("keeping the last good policy"), "reload failure log");
    expect(srv.stderr()).toMatch(/keeping the last good policy: .*policy\.yaml: rule "reads" \(rules\[2\]\): effect: must be "allow" or "deny", got "maybe"/);
    expect((await enforce(readIntent)).body.decision).toBe("DENY");
  });
});

describe("governor serve refuses to start on a bad policy", () => {
  it("exits 2 naming the file, the rule and the field", async () => {
    const file = tempPolicy("basic.yaml");
    writeFileSync(file, readFileSync(file, "utf8").replace("resource.type: payment", "resource.kind: payment"));
    const r = await run(["serve", "--port", "0", "--policy", file]);
    expect(r.code).toBe(2);
    expect(r.stdout).not.toContain("listening on");
    expect(r.stderr).toMatch(/policy\.yaml: rule "no-refunds" \(rules\[0\]\): when\.resource\.kind: unknown field/);
    expect(r.stderr).toMatch(/fix: Fix the policy file/);
  });

  it("without --policy, says how to give one", async () => {
    const r = await run(["serve", "--port", "0"], { cwd: "/" });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Pass --policy <file>/);
  });
});
