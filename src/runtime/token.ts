// Signed decisions. `governor serve` signs with signDecision; the runtime verifies with verifyDecision.
// Format (docs/runtime.md): token = "v1." + base64url(HMAC-SHA256(key, "v1|" + intentHash + "|" +
// decision + "|" + requestId + "|" + expiresAt)); intentHash = hex SHA-256 of canonicalJson(body sent),
// which with a decision key carries a per-request nonce (withNonce), binding the token to that request.
// node:crypto costs ~3 ms to load and most processes never sign or verify: loaded on first use.
let crypto: typeof import("node:crypto") | undefined;
const cryptoMod = (): typeof import("node:crypto") =>
  (crypto ??= process.getBuiltinModule("node:crypto"));

/** JSON with object keys sorted recursively and no whitespace; undefined members dropped like JSON.stringify. */
export function canonicalJson(value: unknown): string {
  return write(value, true) ?? "null";
}

// Strings JSON.stringify would escape (quotes, backslash, control characters, surrogates): only those
// go through it; the rest are quoted directly (identical output, several times faster).
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;
function quote(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

function write(value: unknown, top: boolean): string | undefined {
  switch (typeof value) {
    case "string":
      return quote(value);
    case "number":
      return Number.isFinite(value) ? JSON.stringify(value) : "null";
    case "boolean":
      return value ? "true" : "false";
    case "bigint":
      throw new TypeError("canonicalJson: BigInt cannot be serialized");
    case "undefined":
    case "function":
    case "symbol":
      return top ? "null" : undefined;
  }
  if (value === null) return "null";
  const v = value as { toJSON?: () => unknown };
  if (typeof v.toJSON === "function") return write(v.toJSON(), top);
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) {
      if (i) out += ",";
      out += write(value[i], false) ?? "null";
    }
    return out + "]";
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  // Most intents arrive with few keys, often already in order: only sort when needed.
  for (let i = 1; i < keys.length; i++) {
    if (keys[i - 1] > keys[i]) {
      keys.sort();
      break;
    }
  }
  let out = "{";
  let first = true;
  for (const k of keys) {
    const s = write(obj[k], false);
    if (s === undefined) continue;
    out += (first ? "" : ",") + quote(k) + ":" + s;
    first = false;
  }
  return out + "}";
}

/** 128 random bits, base64url: sent as the body's `nonce` when decisions are signed. */
export function nonce(): string {
  return cryptoMod().randomBytes(16).toString("base64url");
}

/** The canonical body with a fresh `nonce` member, still canonical (keys sorted), so the hash of the
 *  bytes sent equals the hash of the body a server parses and re-canonicalizes. */
export function withNonce(body: string): string {
  const value = JSON.parse(body) as unknown;
  // Not an object: not an intent either; the server refuses it as it is.
  if (value === null || typeof value !== "object" || Array.isArray(value)) return body;
  return canonicalJson({ ...value, nonce: nonce() });
}

/** Hex SHA-256 of the canonical JSON of the intent body exactly as the client sent it. */
export function intentHash(intent: unknown): string {
  return sha256Hex(typeof intent === "string" ? intent : canonicalJson(intent));
}

/** Hex SHA-256 of an already canonical body string. */
export function sha256Hex(text: string): string {
  return cryptoMod().createHash("sha256").update(text).digest("hex");
}

export type DecisionValue = "ALLOW" | "DENY";

export interface SignInput {
  /** The intent (object, hashed canonically) or its precomputed `intentHash`. */
  intent?: unknown;
  intentHash?: string;
  decision: DecisionValue;
  requestId: string;
  /** When the token stops being valid; default now + ttlMs. */
  expiresAt?: Date | string;
  /** Default 60 000. */
  ttlMs?: number;
}

/** Fields to put into the response's `metadata`. */
export interface SignedFields {
  decision_token: string;
  expires_at: string;
}

function payload(hash: string, decision: string, requestId: string, expiresAt: string): string {
  return `v1|${hash}|${decision}|${requestId}|${expiresAt}`;
}

function mac(key: string | Uint8Array, text: string): string {
  return cryptoMod().createHmac("sha256", key).update(text).digest("base64url");
}

function hashOf(input: { intent?: unknown; intentHash?: string }): string {
  if (input.intentHash) return input.intentHash;
  if (input.intent === undefined)
    throw new TypeError("signDecision/verifyDecision: give intent or intentHash");
  return intentHash(input.intent);
}

/** Sign a decision for one intent. `key` is the shared secret (GOVERNOR_DECISION_KEY, UTF-8). */
export function signDecision(key: string | Uint8Array, input: SignInput): SignedFields {
  const expires =
    input.expiresAt === undefined
      ? new Date(Date.now() + (input.ttlMs ?? 60_000)).toISOString()
      : typeof input.expiresAt === "string"
        ? input.expiresAt
        : input.expiresAt.toISOString();
  const token = "v1." + mac(key, payload(hashOf(input), input.decision, input.requestId, expires));
  return { decision_token: token, expires_at: expires };
}

export interface VerifyInput {
  intent?: unknown;
  intentHash?: string;
  decision: string;
  requestId: string | null | undefined;
  token: unknown;
  expiresAt: unknown;
  /** Milliseconds since the epoch; default Date.now(). */
  now?: number;
  /** Latest expiry accepted, in ms from now (GOVERNOR_DECISION_MAX_TTL_MS); default 300 000. */
  maxTtlMs?: number;
}

export type VerifyResult =
  | { ok: true }
  | { ok: false; reason: "missing" | "malformed" | "expired" | "mismatch" | "expiry_too_far" };

// RFC 3339 date-time (ISO 8601 profile): date, T, time, optional fraction, Z or an offset.
const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):([0-5]\d):([0-5]\d)(\.\d{1,9})?(Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;

/** Milliseconds since the epoch of an RFC 3339 time, or NaN for anything else (no "tomorrow", no
 *  HTTP dates, no local times, no February 30th). */
export function parseExpiry(text: string): number {
  const m = ISO_TIME.exec(text);
  if (!m) return NaN;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1 || d > new Date(Date.UTC(y, mo, 0)).getUTCDate()) return NaN;
  return Date.parse(text);
}

/** Check a decision token: right format, not expired, bound to this intent (body, nonce included),
 *  decision and request id, and not valid for longer than maxTtlMs from now. */
export function verifyDecision(key: string | Uint8Array, input: VerifyInput): VerifyResult {
  const { token, expiresAt, requestId } = input;
  if (token === undefined || token === null || expiresAt === undefined || expiresAt === null)
    return { ok: false, reason: "missing" };
  if (
    typeof token !== "string" ||
    typeof expiresAt !== "string" ||
    !token.startsWith("v1.") ||
    typeof requestId !== "string" ||
    !requestId
  ) {
    return { ok: false, reason: "malformed" };
  }
  const expiry = parseExpiry(expiresAt);
  if (Number.isNaN(expiry)) return { ok: false, reason: "malformed" };
  const now = input.now ?? Date.now();
  if (expiry <= now) return { ok: false, reason: "expired" };
  const expected = Buffer.from(
    mac(key, payload(hashOf(input), input.decision, requestId, expiresAt)),
  );
  const got = Buffer.from(token.slice(3));
  if (got.length !== expected.length || !cryptoMod().timingSafeEqual(got, expected))
    return { ok: false, reason: "mismatch" };
  // A genuine token that outlives the cap (a server's clock or TTL far off) is still refused.
  const cap =
    typeof input.maxTtlMs === "number" && !Number.isNaN(input.maxTtlMs) ? input.maxTtlMs : 300_000;
  if (expiry - now > cap) return { ok: false, reason: "expiry_too_far" };
  return { ok: true };
}
