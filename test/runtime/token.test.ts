import { describe, expect, it } from "vitest";
import {
  canonicalJson,
  intentHash,
  signDecision,
  verifyDecision,
} from "../../src/runtime/index.js";
import { createHash, createHmac } from "node:crypto";
import fc from "fast-check";

const sortDeep = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(sortDeep)
    : v !== null && typeof v === "object"
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, sortDeep((v as any)[k])]),
        )
      : v;

describe("canonicalJson", () => {
  it("sorts keys recursively, drops undefined, no whitespace", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: true, y: null }], c: "x" }, u: undefined })).toBe(
      '{"a":{"c":"x","d":[1,{"y":null,"z":true}]},"b":1}',
    );
    expect(canonicalJson([undefined, NaN, "é\n"])).toBe('[null,null,"é\\n"]');
    expect(canonicalJson({ t: new Date(0) })).toBe('{"t":"1970-01-01T00:00:00.000Z"}');
  });

  it("writes strings and keys exactly as JSON.stringify does (escapes, control characters, lone surrogates)", () => {
    expect(canonicalJson({ 'q"\\k': 'a"b\\c\u0001\u2028\ud800x\ud83d\ude00' })).toBe(
      JSON.stringify({ 'q"\\k': 'a"b\\c\u0001\u2028\ud800x\ud83d\ude00' }),
    );
    const str = fc.string({ unit: "binary" });
    // Integer-like keys are left out: JS objects (the reference below) put them first whatever the order.
    const key = str.filter((k) => !/^(0|[1-9]\d*)$/.test(k));
    const value = fc.letrec((tie) => ({
      v: fc.oneof(
        { depthSize: "small" },
        str,
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie("v"), { maxLength: 4 }),
        fc.dictionary(key, tie("v"), { maxKeys: 4 }),
      ),
    })).v;
    fc.assert(
      fc.property(value, (v) => canonicalJson(v) === JSON.stringify(sortDeep(v))),
      { numRuns: 500 },
    );
  });

  it("is the same for the same value in any key order", () => {
    expect(canonicalJson({ x: 1, y: { a: 1, b: 2 } })).toBe(
      canonicalJson({ y: { b: 2, a: 1 }, x: 1 }),
    );
    expect(intentHash({ x: 1, y: 2 })).toBe(intentHash({ y: 2, x: 1 }));
    expect(intentHash({ x: 1 })).toBe(createHash("sha256").update('{"x":1}').digest("hex"));
  });
});

describe("signed decisions", () => {
  const key = "k3y-for-tests";
  const intent = {
    action: "send",
    actor: { id: "u", type: "user" },
    resource: { type: "email", name: "send_email" },
  };

  it("matches the documented format", () => {
    const s = signDecision(key, {
      intent,
      decision: "ALLOW",
      requestId: "r1",
      expiresAt: "2030-01-01T00:00:00.000Z",
    });
    const mac = createHmac("sha256", key)
      .update(`v1|${intentHash(intent)}|ALLOW|r1|2030-01-01T00:00:00.000Z`)
      .digest("base64url");
    expect(s).toEqual({ decision_token: "v1." + mac, expires_at: "2030-01-01T00:00:00.000Z" });
  });

  it("verifies a valid token and rejects tampered, expired, missing ones", () => {
    const s = signDecision(key, { intent, decision: "ALLOW", requestId: "r1", ttlMs: 60_000 });
    const base = {
      intent,
      decision: "ALLOW",
      requestId: "r1",
      token: s.decision_token,
      expiresAt: s.expires_at,
    };
    expect(verifyDecision(key, base)).toEqual({ ok: true });
    expect(
      verifyDecision(key, { ...base, intentHash: intentHash(intent), intent: undefined }),
    ).toEqual({ ok: true });
    expect(verifyDecision(key, { ...base, intent: { ...intent, action: "read" } })).toEqual({
      ok: false,
      reason: "mismatch",
    });
    expect(verifyDecision(key, { ...base, decision: "DENY" })).toEqual({
      ok: false,
      reason: "mismatch",
    });
    expect(verifyDecision(key, { ...base, requestId: "r2" })).toEqual({
      ok: false,
      reason: "mismatch",
    });
    expect(verifyDecision("other-key", base)).toEqual({ ok: false, reason: "mismatch" });
    const flipped = s.decision_token.slice(0, -1) + (s.decision_token.endsWith("A") ? "B" : "A");
    expect(verifyDecision(key, { ...base, token: flipped })).toEqual({
      ok: false,
      reason: "mismatch",
    });
    // Moving expires_at later breaks the MAC
    expect(verifyDecision(key, { ...base, expiresAt: "2099-01-01T00:00:00.000Z" })).toEqual({
      ok: false,
      reason: "mismatch",
    });
    expect(verifyDecision(key, { ...base, now: Date.parse(s.expires_at) + 1 })).toEqual({
      ok: false,
      reason: "expired",
    });
    expect(verifyDecision(key, { ...base, token: undefined })).toEqual({
      ok: false,
      reason: "missing",
    });
    expect(verifyDecision(key, { ...base, token: "v2.abc" })).toEqual({
      ok: false,
      reason: "malformed",
    });
    expect(verifyDecision(key, { ...base, expiresAt: "soon" })).toEqual({
      ok: false,
      reason: "malformed",
    });
  });
});
