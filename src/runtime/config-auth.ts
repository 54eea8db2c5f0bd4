// How the gate authenticates to enforce beyond a static key: OAuth2 client credentials and a client
// certificate (mTLS). Options and GOVERNOR_OAUTH_* / GOVERNOR_TLS_* / GOVERNOR_IDENTITY_DIR -> a
// checked config; every problem names the variable (or option) to fix.
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { readSecretVar, type ConfigSite } from "./config-file.js";
import { isLoopback } from "./loopback.js";
import { safeUrl } from "./redact.js";
import { whyUnreadable } from "./shared.js";

export type OAuthAuthMethod = "client_secret_basic" | "client_secret_post";

export interface OAuthOptions {
  /** The token endpoint. Env GOVERNOR_OAUTH_TOKEN_URL. https, or http to a loopback address only. */
  tokenUrl?: string;
  /** Env GOVERNOR_OAUTH_CLIENT_ID. */
  clientId?: string;
  /** Env GOVERNOR_OAUTH_CLIENT_SECRET or GOVERNOR_OAUTH_CLIENT_SECRET_FILE. Never shown in messages. */
  clientSecret?: string;
  /** Env GOVERNOR_OAUTH_SCOPE (space-separated). Not sent when unset. */
  scope?: string;
  /** Env GOVERNOR_OAUTH_AUDIENCE (the `audience` parameter some servers want). Not sent when unset. */
  audience?: string;
  /** Env GOVERNOR_OAUTH_AUTH_METHOD, default "client_secret_basic". */
  authMethod?: OAuthAuthMethod;
  /** The clock token expiry is judged by (ms since the epoch); default Date.now. For tests. */
  now?: () => number;
}

export interface TlsOptions {
  /** Client certificate: a PEM file path or PEM text. Env GOVERNOR_TLS_CERT. */
  cert?: string;
  /** Its private key: a PEM file path or PEM text. Env GOVERNOR_TLS_KEY. */
  key?: string;
  /** CA(s) trusted for enforce's certificate instead of Node's defaults. Env GOVERNOR_TLS_CA. */
  ca?: string;
  /** Used when none of the three is set: a directory holding cert.pem/key.pem/ca.pem (or
   *  tls.crt/tls.key/ca.crt, or spiffe-helper's svid.pem/svid_key.pem/svid_bundle.pem). Env
   *  GOVERNOR_IDENTITY_DIR. */
  identityDir?: string;
  /** How often, at most, a check looks whether the files changed (ms). Default 1000; 0: every check. */
  recheckMs?: number;
}

export interface OAuthConfig {
  tokenUrl: URL;
  clientId: string;
  /** A secret: redacted from every message. */
  clientSecret: string;
  scope: string | undefined;
  audience: string | undefined;
  authMethod: OAuthAuthMethod;
  now: () => number;
}

/** One PEM: given as text, or a file read (again) when it changes. `name`: what messages call it. */
export interface PemSource {
  name: string;
  text?: string;
  file?: string;
}

export interface TlsConfig {
  cert: PemSource | undefined;
  key: PemSource | undefined;
  ca: PemSource | undefined;
  /** GOVERNOR_IDENTITY_DIR: which files it holds is decided at each look (they may come later). */
  dir: string | undefined;
  recheckMs: number;
}

/** Names the files of an identity directory may have, in the order they are looked for. */
export const IDENTITY_FILES = [
  { cert: "cert.pem", key: "key.pem", ca: "ca.pem" },
  { cert: "tls.crt", key: "tls.key", ca: "ca.crt" }, // a Kubernetes TLS secret (cert-manager)
  { cert: "svid.pem", key: "svid_key.pem", ca: "svid_bundle.pem" }, // spiffe-helper's defaults
] as const;

type Env = Record<string, string | undefined>;

/** Each setting: from the option when given, else the variable; `name` is what messages call it. */
function pick(
  option: string | undefined,
  optionName: string,
  env: Env,
  envName: string,
): { value: string | undefined; name: string } {
  if (option !== undefined) return { value: option, name: optionName };
  return { value: env[envName] || undefined, name: envName };
}

export function resolveOAuth(
  options: OAuthOptions | undefined,
  env: Env,
  site: ConfigSite,
  problems: string[],
  sources: { oauth?: string },
): OAuthConfig | undefined {
  const o = options ?? {};
  const url = pick(o.tokenUrl, "oauth.tokenUrl", env, "GOVERNOR_OAUTH_TOKEN_URL");
  const id = pick(o.clientId, "oauth.clientId", env, "GOVERNOR_OAUTH_CLIENT_ID");
  let secret: { value: string | undefined; name: string } = {
    value: o.clientSecret,
    name: "oauth.clientSecret",
  };
  if (o.clientSecret === undefined) {
    const s = readSecretVar("GOVERNOR_OAUTH_CLIENT_SECRET", env, site, problems);
    secret = { value: s?.value, name: s?.from ?? "GOVERNOR_OAUTH_CLIENT_SECRET" };
  }
  if (url.value === undefined && id.value === undefined && secret.value === undefined) {
    // Only the optional ones set: they would silently do nothing.
    for (const n of ["SCOPE", "AUDIENCE", "AUTH_METHOD"])
      if (env[`GOVERNOR_OAUTH_${n}`])
        problems.push(
          `GOVERNOR_OAUTH_${n} is set but GOVERNOR_OAUTH_TOKEN_URL, GOVERNOR_OAUTH_CLIENT_ID and GOVERNOR_OAUTH_CLIENT_SECRET are not: set them too, or unset it`,
        );
    return undefined;
  }
  sources.oauth = [url, id, secret].map((s) => s.name).join(", ");
  const missing = [
    url.value === undefined && "GOVERNOR_OAUTH_TOKEN_URL (oauth.tokenUrl)",
    id.value === undefined && "GOVERNOR_OAUTH_CLIENT_ID (oauth.clientId)",
    secret.value === undefined &&
      "GOVERNOR_OAUTH_CLIENT_SECRET or GOVERNOR_OAUTH_CLIENT_SECRET_FILE (oauth.clientSecret)",
  ].filter(Boolean);
  if (missing.length)
    problems.push(
      `OAuth client credentials are incomplete: ${missing.join(", ")} ${missing.length > 1 ? "are" : "is"} not set (all three are needed)`,
    );

  let tokenUrl: URL | undefined;
  if (url.value !== undefined) {
    try {
      tokenUrl = new URL(url.value);
      if (tokenUrl.username || tokenUrl.password) {
        problems.push(`${url.name} must not contain credentials: use the client id and secret`);
      } else if (tokenUrl.protocol === "http:" && !isLoopback(tokenUrl.hostname)) {
        // The client secret travels in each token request: in clear text only on this machine.
        problems.push(
          `${url.name} must be https (got ${JSON.stringify(safeUrl(tokenUrl))}): plain http is accepted only to a loopback address (127.0.0.1, ::1, localhost), because the client secret is sent with every token request`,
        );
      } else if (tokenUrl.protocol !== "http:" && tokenUrl.protocol !== "https:") {
        throw new Error("protocol");
      }
    } catch {
      problems.push(
        `${url.name} must be an https URL (got ${JSON.stringify(safeUrl(String(url.value)))})`,
      );
      tokenUrl = undefined;
    }
  }
  for (const s of [id, secret])
    if (s.value !== undefined && (typeof s.value !== "string" || /[\r\n]/.test(s.value)))
      problems.push(`${s.name} must be a single-line string`);

  const method = pick(o.authMethod, "oauth.authMethod", env, "GOVERNOR_OAUTH_AUTH_METHOD");
  const authMethod = method.value ?? "client_secret_basic";
  if (authMethod !== "client_secret_basic" && authMethod !== "client_secret_post")
    problems.push(
      `${method.name} must be "client_secret_basic" or "client_secret_post" (got ${JSON.stringify(String(authMethod).slice(0, 40))})`,
    );
  const scope = pick(o.scope, "oauth.scope", env, "GOVERNOR_OAUTH_SCOPE").value;
  const audience = pick(o.audience, "oauth.audience", env, "GOVERNOR_OAUTH_AUDIENCE").value;
  if (o.now !== undefined && typeof o.now !== "function")
    problems.push("oauth.now must be a function returning ms since the epoch");

  if (!tokenUrl || id.value === undefined || secret.value === undefined) return undefined;
  return {
    tokenUrl,
    clientId: id.value,
    clientSecret: secret.value,
    scope,
    audience,
    authMethod: authMethod as OAuthAuthMethod,
    now: o.now ?? Date.now,
  };
}

/** A PEM given as text, or a readable file (read again at each change; checked here once). */
function pemSource(
  value: string | undefined,
  name: string,
  cwd: string,
  problems: string[],
): PemSource | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !value.trim()) {
    problems.push(`${name} must be a PEM file path or PEM text`);
    return undefined;
  }
  if (value.trimStart().startsWith("-----BEGIN")) return { name, text: value };
  const file = path.resolve(cwd, value);
  try {
    const text = readFileSync(file, "utf8");
    if (!text.includes("-----BEGIN")) {
      problems.push(`${name}: ${file} is not PEM (no "-----BEGIN" line)`);
      return undefined;
    }
  } catch (err) {
    problems.push(`${name}: ${file} ${whyUnreadable(err)}`);
    return undefined;
  }
  return { name, file };
}

export function resolveTls(
  options: TlsOptions | undefined,
  env: Env,
  cwd: string,
  endpoint: URL | null,
  problems: string[],
  sources: { tls?: string },
): TlsConfig | undefined {
  const o = options ?? {};
  const cert = pick(o.cert, "tls.cert", env, "GOVERNOR_TLS_CERT");
  const key = pick(o.key, "tls.key", env, "GOVERNOR_TLS_KEY");
  const ca = pick(o.ca, "tls.ca", env, "GOVERNOR_TLS_CA");
  const dir = pick(o.identityDir, "tls.identityDir", env, "GOVERNOR_IDENTITY_DIR");
  let recheckMs = 1000;
  if (o.recheckMs !== undefined) {
    if (typeof o.recheckMs !== "number" || !(o.recheckMs >= 0))
      problems.push(`tls.recheckMs must be a number of ms, 0 or more`);
    else recheckMs = o.recheckMs;
  }
  const explicit = [cert, key, ca].some((s) => s.value !== undefined);
  if (!explicit && dir.value === undefined) return undefined;
  if (endpoint && endpoint.protocol !== "https:")
    problems.push(
      `${explicit ? [cert, key, ca].filter((s) => s.value !== undefined)[0]!.name : dir.name} is set but GOVERNOR_ENFORCE_URL is ${endpoint.protocol}//: a client certificate and CA need an https enforce URL`,
    );
  if (!explicit) {
    const where = path.resolve(cwd, dir.value!);
    if (!statSync(where, { throwIfNoEntry: false })?.isDirectory()) {
      problems.push(`${dir.name}: ${where} is not a directory`);
      return undefined;
    }
    sources.tls = `${dir.name} (${where})`;
    return { cert: undefined, key: undefined, ca: undefined, dir: where, recheckMs };
  }
  if ((cert.value === undefined) !== (key.value === undefined))
    problems.push(
      cert.value === undefined
        ? `${key.name} is set but GOVERNOR_TLS_CERT (tls.cert) is not: a client certificate needs both`
        : `${cert.name} is set but GOVERNOR_TLS_KEY (tls.key) is not: a client certificate needs both`,
    );
  const out: TlsConfig = {
    cert: pemSource(cert.value, cert.name, cwd, problems),
    key: pemSource(key.value, key.name, cwd, problems),
    ca: pemSource(ca.value, ca.name, cwd, problems),
    dir: undefined,
    recheckMs,
  };
  sources.tls = [cert, key, ca]
    .filter((s) => s.value !== undefined)
    .map((s) => s.name)
    .join(", ");
  return out;
}
