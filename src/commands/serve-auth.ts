// How `governor serve` authenticates callers, from its flags and its own GOVERNOR_SERVE_* variables
// (never the runtime's GOVERNOR_TLS_* / GOVERNOR_OAUTH_*, which configure a client, not this server).
// Every refusal is a CliError (exit 2) that names the flag or variable and says what to do.
import { readFile } from "node:fs/promises";
import { CliError } from "../cli-support/cli-error.js";
import { whyUnreadable } from "../cli-support/secrets.js";
import type { JwtOptions } from "../server/jwt.js";
import type { ServeTls } from "../server/index.js";
import type { ServeOptions } from "./serve-schema.js";
import { isLoopback } from "../runtime/loopback.js";

/** A value and where it came from (a flag or a variable), so errors can name it. */
interface Sourced {
  value: string;
  from: string;
}

function pick(
  flagValue: string | undefined,
  flag: string,
  envName: string,
  env: NodeJS.ProcessEnv,
): Sourced | undefined {
  if (flagValue !== undefined) return { value: flagValue, from: flag };
  const v = env[envName];
  return v ? { value: v, from: envName } : undefined;
}

/** `--oauth-jwks` with its issuer and audience, or undefined when none of the three is set. */
export function resolveOauth(o: ServeOptions, env: NodeJS.ProcessEnv): JwtOptions | undefined {
  const jwks = pick(o.oauthJwks, "--oauth-jwks", "GOVERNOR_SERVE_OAUTH_JWKS", env);
  const issuer = pick(o.oauthIssuer, "--oauth-issuer", "GOVERNOR_SERVE_OAUTH_ISSUER", env);
  const audience = pick(o.oauthAudience, "--oauth-audience", "GOVERNOR_SERVE_OAUTH_AUDIENCE", env);
  if (!jwks) {
    const stray = issuer ?? audience;
    if (!stray) return undefined;
    throw new CliError(
      "invalid_options",
      `${stray.from} is set but --oauth-jwks is not: serve would not know which keys sign the tokens.`,
      "Add --oauth-jwks <url-or-file> (or GOVERNOR_SERVE_OAUTH_JWKS): your token server's JWKS, e.g. https://login.example.com/.well-known/jwks.json.",
    );
  }
  const missing = [!issuer && "--oauth-issuer <iss>", !audience && "--oauth-audience <aud>"].filter(
    Boolean,
  );
  if (!issuer || !audience)
    throw new CliError(
      "invalid_options",
      `${jwks.from} needs --oauth-issuer and --oauth-audience too: without them a token from any issuer, for any service, would pass.`,
      `Add ${missing.join(" ")} (or GOVERNOR_SERVE_OAUTH_ISSUER / GOVERNOR_SERVE_OAUTH_AUDIENCE): the iss and aud your token server puts in the tokens it issues for governor.`,
    );
  return { jwks: jwks.value, issuer: issuer.value, audience: audience.value };
}

/** Where the API key came from, for the error that refuses it next to OAuth. */
export function apiKeySource(o: ServeOptions, env: NodeJS.ProcessEnv): string {
  if (o.apiKey !== undefined) return "--api-key";
  if (o.apiKeyFile !== undefined) return "--api-key-file";
  return env.GOVERNOR_SERVE_API_KEY_FILE ? "GOVERNOR_SERVE_API_KEY_FILE" : "GOVERNOR_SERVE_API_KEY";
}

/** An API key and OAuth both set: which one a request needs would be a guess. */
export function bothAuthError(keyFrom: string, jwksFrom: string): CliError {
  return new CliError(
    "invalid_options",
    `${keyFrom} and ${jwksFrom} are both set: serve checks either a shared key or OAuth JWTs, not both.`,
    `Keep one: ${jwksFrom} to accept your token server's JWTs, or ${keyFrom} for one shared key.`,
  );
}

export interface TlsFiles {
  cert: Sourced;
  key: Sourced;
  clientCa?: Sourced;
}

/** The TLS files serve was given, or undefined for plain HTTP. A certificate needs its key, and back. */
export function resolveTlsFiles(o: ServeOptions, env: NodeJS.ProcessEnv): TlsFiles | undefined {
  const cert = pick(o.tlsCert, "--tls-cert", "GOVERNOR_SERVE_TLS_CERT", env);
  const key = pick(o.tlsKey, "--tls-key", "GOVERNOR_SERVE_TLS_KEY", env);
  const clientCa = pick(o.tlsClientCa, "--tls-client-ca", "GOVERNOR_SERVE_TLS_CLIENT_CA", env);
  if (!cert && !key) {
    if (!clientCa) return undefined;
    throw new CliError(
      "invalid_options",
      `${clientCa.from} is set but --tls-cert and --tls-key are not: client certificates need HTTPS.`,
      "Add --tls-cert <server-cert.pem> --tls-key <server-key.pem> (or GOVERNOR_SERVE_TLS_CERT / GOVERNOR_SERVE_TLS_KEY).",
    );
  }
  if (!cert || !key) {
    const given = (cert ?? key)!;
    throw new CliError(
      "invalid_options",
      `${given.from} is set without ${cert ? "--tls-key" : "--tls-cert"}: HTTPS needs both the certificate and its private key.`,
      `Add ${cert ? "--tls-key <server-key.pem> (or GOVERNOR_SERVE_TLS_KEY)" : "--tls-cert <server-cert.pem> (or GOVERNOR_SERVE_TLS_CERT)"}.`,
    );
  }
  return { cert, key, clientCa };
}

async function readPem(f: Sourced, what: string): Promise<string> {
  try {
    return await readFile(f.value, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = whyUnreadable(err);
    throw new CliError(
      "tls_file",
      `${f.from} ${f.value} ${why}.`,
      `Give the path of ${what} in PEM form${code === "EACCES" ? ", readable by the user that runs governor serve" : ""}.`,
    );
  }
}

/** Reads and checks the files: each parses, and the key is the certificate's. */
export async function loadTls(files: TlsFiles): Promise<ServeTls> {
  const [cert, key, clientCa] = await Promise.all([
    readPem(files.cert, "the server's certificate"),
    readPem(files.key, "the server certificate's private key"),
    files.clientCa && readPem(files.clientCa, "the CA that signs client certificates"),
  ]);
  const { X509Certificate, createPrivateKey } = await import("node:crypto");
  const { createSecureContext } = await import("node:tls");
  const notPem = (f: Sourced, what: string, begin: string) =>
    new CliError(
      "tls_file",
      `${f.from} ${f.value} is not ${what}.`,
      `It should hold a PEM block starting with ${begin}; check that the flags point at the right files.`,
    );
  let leaf;
  try {
    leaf = new X509Certificate(cert);
  } catch {
    throw notPem(files.cert, "a PEM certificate", "-----BEGIN CERTIFICATE-----");
  }
  let keyObject;
  try {
    keyObject = createPrivateKey(key);
  } catch (err) {
    if (/passphrase/i.test(String((err as Error).message)))
      throw new CliError(
        "tls_file",
        `${files.key.from} ${files.key.value} is an encrypted private key.`,
        "governor serve takes an unencrypted key: keep it readable by its user only (chmod 600).",
      );
    throw notPem(files.key, "a PEM private key", "-----BEGIN PRIVATE KEY-----");
  }
  if (!leaf.checkPrivateKey(keyObject))
    throw new CliError(
      "tls_mismatch",
      `${files.cert.from} ${files.cert.value} and ${files.key.from} ${files.key.value} do not match: the key is not this certificate's.`,
      "Pass the private key that was made with this certificate (the pair your CA or cert-manager issued together).",
    );
  // Given, the client CA must hold a certificate: an empty file must not turn client
  // certificates off (an unpopulated secret would serve without asking for one).
  if (files.clientCa) {
    try {
      new X509Certificate(clientCa as string);
    } catch {
      throw notPem(files.clientCa, "a PEM CA certificate", "-----BEGIN CERTIFICATE-----");
    }
  }
  try {
    createSecureContext({ cert, key, ca: clientCa || undefined });
  } catch (err) {
    throw new CliError(
      "tls_file",
      `node:tls refused ${files.cert.from}/${files.key.from}: ${(err as Error).message}.`,
      "Check that the certificate, key and CA are PEM files that belong together.",
    );
  }
  return { cert, key, clientCa: clientCa || undefined };
}

/**
 * Reachable from other machines and no caller authenticated (no key, no OAuth JWT, no client
 * certificate): say so, since the server answers anyone. `auth` is what serve requires, if anything.
 */
export function exposureWarning(host: string, auth: string | undefined): string | undefined {
  if (auth || isLoopback(host)) return undefined;
  return (
    `warning: listening on ${host} without --api-key, --oauth-jwks or --tls-client-ca: anyone who can reach this port gets decisions. ` +
    `Set --api-key (or GOVERNOR_SERVE_API_KEY), --oauth-jwks or --tls-client-ca, or use --host 127.0.0.1.`
  );
}

/**
 * A JWKS fetched over plain HTTP from another machine can be swapped on the way, and then any token
 * passes. Printed without user, password or query, where credentials hide.
 */
export function plainHttpJwksWarning(jwks: string): string | undefined {
  let u: URL;
  try {
    u = new URL(jwks);
  } catch {
    return undefined;
  }
  if (u.protocol !== "http:" || isLoopback(u.hostname)) return undefined;
  return `warning: --oauth-jwks ${u.origin}${u.pathname} is plain http://: whoever sits on the path can hand serve their own keys. Use an https:// URL.`;
}
