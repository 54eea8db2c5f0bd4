// Bearer JWTs for `governor serve --oauth-jwks`: signature against a JWKS (a file, or an http(s) URL
// with jose's caching), iss, aud, exp/nbf. Loaded only when that option is set: jose is not part of
// a plain serve's start.
import { readFile } from "node:fs/promises";
import { safeUrl } from "../runtime/redact.js";
import { whyUnreadable } from "../runtime/shared.js";
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from "jose";

export interface JwtOptions {
  /** An http(s) URL, or the path of a JSON file holding `{ "keys": [...] }`. */
  jwks: string;
  issuer: string;
  audience: string;
}

/** Why a token got no decision: 401 for the token, 503 when the key set could not be had. */
export type JwtResult =
  { ok: true; subject?: string } | { ok: false; status: 401 | 503; why: string };

export type JwtVerifier = (token: string) => Promise<JwtResult>;

/** A JWKS that serve cannot use, found at start. `fix` says what to do. */
export class JwksError extends Error {
  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(message);
    this.name = "JwksError";
  }
}

// Asymmetric only: an HS* token would be signed with a secret the server would have to share, and
// "none" is no signature. jose refuses "none" in jwtVerify anyway; this list also keeps HS* out.
const ALGORITHMS = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
  "Ed25519",
];

const isUrl = (s: string) => /^https?:\/\//i.test(s);

async function localKeySet(file: string): Promise<JWTVerifyGetKey> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new JwksError(
      `--oauth-jwks ${file} ${whyUnreadable(err)}.`,
      "Give the path of a JWKS file (JSON with a `keys` array) or an https:// URL of one.",
    );
  }
  let jwks: JSONWebKeySet;
  try {
    jwks = JSON.parse(text) as JSONWebKeySet;
  } catch {
    throw new JwksError(
      `--oauth-jwks ${file} is not JSON.`,
      'A JWKS file is JSON: { "keys": [ { "kty": "EC", ... } ] } (your token server publishes it, often at /.well-known/jwks.json).',
    );
  }
  if (!jwks || !Array.isArray(jwks.keys) || jwks.keys.length === 0)
    throw new JwksError(
      `--oauth-jwks ${file} has no keys.`,
      'A JWKS file holds { "keys": [ ... ] } with at least one public key.',
    );
  if (jwks.keys.some((k) => k.kty === "oct"))
    throw new JwksError(
      `--oauth-jwks ${file} holds a symmetric ("oct") key.`,
      "governor serve verifies only asymmetric signatures (RS*, PS*, ES*, EdDSA): publish the token server's public keys, never a shared secret.",
    );
  try {
    return createLocalJWKSet(jwks);
  } catch (err) {
    throw new JwksError(
      `--oauth-jwks ${file} is not a valid JWKS (${(err as Error).message}).`,
      "Use the key set your token server publishes.",
    );
  }
}

/**
 * What a refused token gets told and logged: the kind of failure, never the token or its claims'
 * values. No double quotes: it goes into the WWW-Authenticate header's quoted string as it is.
 */
function reason(err: unknown): JwtResult {
  const code = (err as { code?: unknown }).code;
  if (err instanceof errors.JWTExpired) return { ok: false, status: 401, why: "token expired" };
  if (err instanceof errors.JWTClaimValidationFailed)
    return {
      ok: false,
      status: 401,
      why: `the ${err.claim} claim is ${err.reason === "missing" ? "missing" : "not accepted"}`,
    };
  if (err instanceof errors.JWKSNoMatchingKey)
    return { ok: false, status: 401, why: "signed by a key not in the key set" };
  if (err instanceof errors.JWSSignatureVerificationFailed)
    return { ok: false, status: 401, why: "signature does not verify" };
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported)
    return { ok: false, status: 401, why: "signing algorithm not allowed (asymmetric only)" };
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid)
    return { ok: false, status: 401, why: "not a valid signed JWT" };
  if (err instanceof errors.JWKSMultipleMatchingKeys)
    return { ok: false, status: 401, why: "token names no key id and the key set has several" };
  // A remote key set that timed out, answered badly or could not be reached: the token may be fine.
  return {
    ok: false,
    status: 503,
    why: `the key set could not be fetched (${typeof code === "string" ? code : (err as Error)?.name})`,
  };
}

function jwksUrl(raw: string): URL {
  try {
    return new URL(raw);
  } catch {
    // URL's own error quotes the input, credentials included
    throw new JwksError(
      `--oauth-jwks ${safeUrl(raw)} is not a valid URL.`,
      "Give the https:// URL of the key set (or the path of a JWKS file).",
    );
  }
}

/** The verifier; a JWKS file is read (and refused) now, a remote one on first use and then cached. */
export async function createJwtVerifier(opts: JwtOptions): Promise<JwtVerifier> {
  const keys = isUrl(opts.jwks)
    ? createRemoteJWKSet(jwksUrl(opts.jwks), { timeoutDuration: 5000 })
    : await localKeySet(opts.jwks);
  const checks = {
    issuer: opts.issuer,
    audience: opts.audience,
    algorithms: ALGORITHMS,
    // seconds of clock difference accepted on exp/nbf
    clockTolerance: 30,
    requiredClaims: ["exp"],
  };
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, keys, checks);
      return { ok: true, subject: typeof payload.sub === "string" ? payload.sub : undefined };
    } catch (err) {
      return reason(err);
    }
  };
}
