// OAuth2 client credentials for enforce: one token shared by every check, fetched by one request
// however many checks wait for it, refreshed before it expires, and dropped after a 401 only when the
// rejected token is still the cached one. oauth4webapi is loaded on the first fetch; the token
// endpoint gets a dispatcher of its own (the app's global one may be a proxy, or patched).
import type { Agent } from "undici";
import type { OAuthConfig } from "./config-auth.js";

type OAuthModule = typeof import("oauth4webapi");
type UndiciModule = typeof import("undici");

let oauthLoading: Promise<OAuthModule> | undefined;
export function loadOAuth(): Promise<OAuthModule> {
  return (oauthLoading ??= import("oauth4webapi"));
}

/** Why no token was had, in words safe to show once redacted (no secret, no token, no body). */
export class TokenFetchError extends Error {}

// Refresh this share of the lifetime before expiry, at most 30 s early: a fixed 30 s margin would
// never reuse a 30 s token.
const EARLY_SHARE = 0.1;
const EARLY_MAX_MS = 30_000;
// A slow token endpoint fails the checks whose deadline passes, but the one fetch goes on for the
// checks after them: cut at the check's deadline, a token that takes longer would never come.
const FETCH_MIN_MS = 10_000;

/** How long the gate lets one token fetch run, given the checks' deadline. */
export const gateFetchLimitMs = (timeoutMs: number) => Math.max(timeoutMs, FETCH_MIN_MS);

export class OAuthTokens {
  private cached: { value: string; refreshAt: number; expiresAt: number } | undefined;
  private flight: Promise<string> | undefined;
  private agent: Agent | undefined;
  private closed = false;

  constructor(
    private readonly cfg: OAuthConfig,
    /** How long one fetch may take: gateFetchLimitMs for the gate, doctor's own --timeout. */
    private readonly limitMs: number,
    private readonly undici: () => UndiciModule,
    /** Told each new token, so the redactor can hide it. */
    private readonly onToken: (token: string) => void,
  ) {}

  /** The cached token while it is fresh, else undefined. */
  current(): string | undefined {
    const c = this.cached;
    return c && this.cfg.now() < c.refreshAt ? c.value : undefined;
  }

  /** When the cached token expires (ms since the epoch), if one is cached. */
  get expiresAt(): number | undefined {
    return this.cached?.expiresAt;
  }

  /** A token: the cached one, or the one fetch in flight (started if there is none). */
  get(): Promise<string> {
    const t = this.current();
    if (t !== undefined) return Promise.resolve(t);
    if (this.flight) return this.flight;
    const p = this.fetch();
    this.flight = p;
    const clear = () => {
      if (this.flight === p) this.flight = undefined;
    };
    p.then(clear, clear);
    return p;
  }

  /** enforce answered 401 to `token`: forget it, unless another check already replaced it. */
  rejected(token: string): void {
    if (this.cached?.value === token) this.cached = undefined;
  }

  private async fetch(): Promise<string> {
    if (this.closed) throw new TokenFetchError("this governor was closed");
    const oauth = await loadOAuth();
    const u = this.undici();
    const { limitMs } = this;
    const agent = (this.agent ??= new u.Agent({
      connect: { timeout: limitMs },
      keepAliveTimeout: 30_000,
    }));
    const { tokenUrl, clientId, clientSecret, scope, audience, authMethod } = this.cfg;
    const as = { issuer: tokenUrl.origin, token_endpoint: tokenUrl.href };
    const client = { client_id: clientId };
    const auth =
      authMethod === "client_secret_post"
        ? oauth.ClientSecretPost(clientSecret)
        : oauth.ClientSecretBasic(clientSecret);
    const params = new URLSearchParams();
    if (scope) params.set("scope", scope);
    if (audience) params.set("audience", audience);
    // The lifetime counts from when the request left: the token may have been issued at once.
    const sentAt = this.cfg.now();
    let res: Awaited<ReturnType<OAuthModule["processClientCredentialsResponse"]>>;
    try {
      const response = await oauth.clientCredentialsGrantRequest(as, client, auth, params, {
        [oauth.customFetch]: (url, init) =>
          u.fetch(url, { ...init, dispatcher: agent } as never) as unknown as Promise<Response>,
        // config-auth.ts allows http only to a loopback address.
        [oauth.allowInsecureRequests]: tokenUrl.protocol === "http:",
        signal: AbortSignal.timeout(limitMs),
      });
      res = await oauth.processClientCredentialsResponse(as, client, response);
    } catch (err) {
      throw new TokenFetchError(describe(err, limitMs));
    }
    if (res.token_type !== "bearer")
      throw new TokenFetchError(`token_type ${JSON.stringify(res.token_type)}, not "bearer"`);
    const token = res.access_token;
    this.onToken(token);
    const life = typeof res.expires_in === "number" ? res.expires_in * 1000 : NaN;
    // No expires_in: how long it lasts is unknown, so it serves only the checks that waited for it.
    if (Number.isFinite(life) && life > 0) {
      const early = Math.min(life * EARLY_SHARE, EARLY_MAX_MS);
      this.cached = { value: token, refreshAt: sentAt + life - early, expiresAt: sentAt + life };
    } else this.cached = undefined;
    return token;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.cached = undefined;
    // destroy, not close: a fetch still waiting on a slow endpoint must not hold the app's shutdown
    await this.agent?.destroy().catch(() => undefined);
  }
}

/** What went wrong, from the error's kind and codes only: messages may quote the server's body. */
function describe(err: unknown, timeoutMs: number): string {
  const e = err as {
    name?: string;
    code?: unknown;
    status?: unknown;
    error?: unknown;
    cause?: unknown;
  };
  if (e?.name === "TimeoutError" || e?.name === "AbortError")
    return `no answer within ${timeoutMs} ms`;
  if (e?.name === "ResponseBodyError" && typeof e.error === "string")
    return `HTTP ${String(e.status)} ${e.error.replace(/[^\w.-]/g, "").slice(0, 40)}`;
  if (e?.name === "WWWAuthenticateChallengeError" && typeof e.status === "number")
    return `HTTP ${e.status} (the server refused the client credentials)`;
  // A network error: the code of the innermost cause (ECONNREFUSED, ENOTFOUND, a TLS code).
  let c = e;
  for (let i = 0; c && i < 5; i++, c = c.cause as typeof e)
    if (typeof c.code === "string" && /^[A-Z_]+$/.test(c.code) && !c.code.startsWith("OAUTH_"))
      return c.code;
  // fetch's own refusal ("fetch failed": bad port, bad URL): its cause says which, in a few words
  const cause = (e?.cause as { message?: unknown } | undefined)?.message;
  if (e?.name === "TypeError" && typeof cause === "string" && /^[\w .,-]{1,60}$/.test(cause))
    return `fetch failed: ${cause}`;
  const status = (e?.cause as { status?: unknown } | undefined)?.status;
  if (e?.name === "OperationProcessingError" && typeof status === "number")
    return `HTTP ${status}, not a token response`;
  if (e?.name === "OperationProcessingError") return "an answer that is not a token response";
  return e?.name ?? "error";
}
