// How the gate proves who it is to enforce: an OAuth token (obtained, its expiry shown, never its
// value), a client certificate (subject, days left) and enforce's certificate (trusted by a real
// handshake with the configured CA and identity). Each is skipped when not configured.
import { X509Certificate } from "node:crypto";
import { isIP } from "node:net";
import { connect as tlsConnect } from "node:tls";
import type { ResolvedConfig } from "../runtime/config.js";
import { OAuthTokens, TokenFetchError } from "../runtime/oauth.js";
import { makeRedactor, safeUrl } from "../runtime/redact.js";
import { TlsIdentity, TlsIdentityError, type TlsFiles } from "../runtime/tls-identity.js";
import { fail, pass, skip, warn, type CheckResult } from "./types.js";

const DAY = 86_400_000;
const WARN_DAYS = 7;

export async function checkOAuth(
  config: ResolvedConfig | undefined,
  timeoutMs: number,
): Promise<CheckResult> {
  const o = config?.oauth;
  if (!o) return skip("enforce.oauth", "no OAuth client credentials (GOVERNOR_OAUTH_*) configured");
  const url = safeUrl(o.tokenUrl);
  const undici = await import("undici");
  const tokens = new OAuthTokens(
    o,
    timeoutMs,
    () => undici,
    () => undefined,
  );
  const scrub = makeRedactor([o.clientSecret]);
  let expiresAt: number | undefined;
  try {
    await tokens.get();
    expiresAt = tokens.expiresAt;
  } catch (err) {
    const why = err instanceof TokenFetchError ? scrub(err.message) : "error";
    return fail(
      "enforce.oauth",
      `no token from ${url} (${why})`,
      /invalid_client|HTTP 401/.test(why)
        ? "The token endpoint refused the client: check GOVERNOR_OAUTH_CLIENT_ID, GOVERNOR_OAUTH_CLIENT_SECRET and GOVERNOR_OAUTH_AUTH_METHOD (client_secret_basic or client_secret_post)."
        : "Check that the token endpoint is up and that GOVERNOR_OAUTH_TOKEN_URL is right.",
      { token_url: url, auth_method: o.authMethod },
    );
  } finally {
    await tokens.close();
  }
  const details = {
    token_url: url,
    auth_method: o.authMethod,
    ...(o.scope && { scope: o.scope }),
    ...(o.audience && { audience: o.audience }),
    expires_at: expiresAt === undefined ? null : new Date(expiresAt).toISOString(),
  };
  if (expiresAt === undefined)
    return warn(
      "enforce.oauth",
      `token obtained from ${url}, without expires_in: the gate fetches a new one for every check`,
      "Have the token endpoint return expires_in, so one token serves many checks.",
      details,
    );
  const secs = Math.round((expiresAt - Date.now()) / 1000);
  return pass(
    "enforce.oauth",
    `token obtained from ${url} (${o.authMethod}), expires in ${secs} s`,
    details,
  );
}

/** The configured identity's PEMs, or why there is none. */
export function readIdentity(config: ResolvedConfig | undefined): TlsFiles | string | undefined {
  if (!config?.tls) return undefined;
  try {
    return new TlsIdentity(config.tls, () => undefined).next();
  } catch (err) {
    if (err instanceof TlsIdentityError) return err.message;
    throw err;
  }
}

export function checkClientCert(
  config: ResolvedConfig | undefined,
  identity: TlsFiles | string | undefined,
  now = Date.now(),
): CheckResult {
  const id = "enforce.client-cert";
  if (!config?.tls)
    return skip(id, "no client certificate (GOVERNOR_TLS_* or GOVERNOR_IDENTITY_DIR) configured");
  const from = config.sources.tls ?? "the tls option";
  if (typeof identity === "string" || !identity)
    return fail(
      id,
      `no usable client certificate: ${identity ?? "nothing read"}`,
      "Point GOVERNOR_TLS_CERT and GOVERNOR_TLS_KEY at a matching certificate and key (PEM), or put cert.pem and key.pem in GOVERNOR_IDENTITY_DIR.",
    );
  if (!identity.cert) return pass(id, `no client certificate; a CA from ${from} for enforce`);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(identity.cert);
  } catch (err) {
    return fail(
      id,
      `the client certificate is not readable X.509 (${(err as Error).message})`,
      "Give GOVERNOR_TLS_CERT a PEM certificate.",
    );
  }
  const until = Date.parse(cert.validTo);
  const days = Math.floor((until - now) / DAY);
  const subject = cert.subject.replace(/\n/g, ", ");
  const details = {
    subject,
    issuer: cert.issuer.replace(/\n/g, ", "),
    valid_to: new Date(until).toISOString(),
    days_left: days,
    from,
  };
  if (until <= now)
    return fail(
      id,
      `the client certificate (${subject}) expired on ${details.valid_to}`,
      "Renew it (cert-manager, spiffe-helper or your CA), and replace the files: the gate reads them again at its next check.",
      details,
    );
  if (days < WARN_DAYS)
    return warn(
      id,
      `the client certificate (${subject}) expires in ${days} day(s)`,
      "Renew it before it expires; replaced files are read again without a restart.",
      details,
    );
  return pass(id, `client certificate ${subject}, ${days} days left (from ${from})`, details);
}

/** A real handshake with the configured CA and identity: does this machine trust enforce? */
export async function checkServerCert(
  endpoint: URL | null,
  config: ResolvedConfig | undefined,
  identity: TlsFiles | string | undefined,
  timeoutMs: number,
): Promise<CheckResult> {
  const id = "enforce.server-cert";
  if (!config?.tls || !endpoint) return skip(id, "no TLS settings for enforce configured");
  if (typeof identity === "string" || !identity)
    return skip(id, "needs a usable client certificate (see enforce.client-cert)");
  const host = endpoint.hostname.replace(/^\[|\]$/g, "");
  const port = Number(endpoint.port || 443);
  try {
    const peer = await new Promise<X509Certificate | undefined>((resolve, reject) => {
      const s = tlsConnect({
        host,
        port,
        servername: isIP(host) ? undefined : host,
        cert: identity.cert,
        key: identity.key,
        ca: identity.ca,
      });
      const timer = setTimeout(() => {
        s.destroy();
        reject(
          Object.assign(new Error(`no handshake within ${timeoutMs} ms`), { code: "ETIMEDOUT" }),
        );
      }, timeoutMs);
      s.once("secureConnect", () => {
        clearTimeout(timer);
        const x = s.getPeerX509Certificate();
        s.end();
        resolve(x);
      });
      s.once("error", (e) => {
        clearTimeout(timer);
        s.destroy();
        reject(e);
      });
    });
    const subject = peer?.subject.replace(/\n/g, ", ") ?? "unknown";
    return pass(
      id,
      `enforce's certificate (${subject}) is trusted${identity.ca ? " by the configured CA" : ""}`,
      { subject, issuer: peer?.issuer.replace(/\n/g, ", ") },
    );
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    return fail(
      id,
      `the TLS handshake with ${host}:${port} failed (${code})`,
      /CERT|SIGNATURE|ISSUER|SELF_SIGNED/.test(code)
        ? "enforce's certificate is not signed by a CA the gate trusts: set GOVERNOR_TLS_CA to that CA (it replaces Node's default list), or fix the server's certificate."
        : "Check that enforce speaks HTTPS on this port and accepts this client certificate.",
      { code },
    );
  }
}
