// HTTP to enforce: an undici keep-alive pool (imported on first use), one deadline over the whole
// check, retries only for 503 and connection reset/refused, with jittered backoff and Retry-After.
// Credentials: a static key, or an OAuth token (oauth.ts, fetched inside the deadline, refreshed and
// retried once on a 401); a client certificate (tls-identity.ts) swaps the pool when it changes.
import { isObject } from "./shared.js";
import type { Pool } from "undici";
import { secretsOf, type ResolvedConfig } from "./config.js";
import {
  clip,
  CREDENTIAL_HEADER,
  makeRedactor,
  redactJson,
  safeUrl,
  type Redactor,
} from "./redact.js";
import { withNonce } from "./token.js";
import { gateFetchLimitMs, loadOAuth, OAuthTokens, TokenFetchError } from "./oauth.js";
import { TlsIdentity, TlsIdentityError, type TlsFiles } from "./tls-identity.js";
import {
  GovernorAuthError,
  GovernorError,
  GovernorProtocolError,
  GovernorUnavailableError,
} from "./errors.js";
import { duplicateKey, isJsonType, shownKey, shownType } from "./strict-json.js";

export interface EnforceAnswer {
  decision: "ALLOW" | "DENY";
  requestId: string | null;
  reason: string | null;
  denyCode: string | null;
  ttlMs: number | undefined;
  metadata: Record<string, unknown> | undefined;
  /** The body exactly as sent (with its nonce when decisions are signed): what a token is bound to. */
  sent: string;
}

type UndiciModule = typeof import("undici");
let undiciLoading: Promise<UndiciModule> | undefined;
function loadUndici(): Promise<UndiciModule> {
  return (undiciLoading ??= import("undici"));
}

const RETRYABLE_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "UND_ERR_SOCKET", "EPIPE"]);
const UNAVAILABLE_CODES = new Set([
  ...RETRYABLE_CODES,
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_CLOSED",
  "UND_ERR_DESTROYED",
]);

function errCode(err: unknown): string | undefined {
  let e = err as { code?: unknown; cause?: unknown } | undefined;
  for (let i = 0; e && i < 4; i++, e = e.cause as typeof e) {
    if (typeof e.code === "string" && e.code !== "UND_ERR_REQ_RETRY") return e.code;
  }
  return undefined;
}

/** Parse Retry-After (seconds or an HTTP date) into milliseconds from now. */
export function retryAfterMs(
  value: string | string[] | undefined,
  now = Date.now(),
): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

// A decision is a few hundred bytes; anything this large is not one.
const MAX_BODY_BYTES = 1_048_576;

/** One check: its deadline, attempts so far, whether the deadline passed, the body being read, and
 *  whether it waits for a token. */
interface Run {
  deadline: number;
  attempt: number;
  over: boolean;
  body?: { destroy(): unknown };
  token?: boolean;
}

// TLS failures (certificate not trusted, client certificate refused): the fix is the TLS settings.
const TLS_CODE = /CERT|SSL|TLS|SIGNATURE|ISSUER|HANDSHAKE/;

// Decoded as is: undici's text() drops a byte order mark, which must be seen to be refused.
const utf8 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("utf8");

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class EnforceClient {
  private pool: Pool | undefined;
  private undici: UndiciModule | undefined;
  private loading: Promise<unknown> | undefined;
  private readonly origin: string;
  private readonly path: string;
  private readonly headers: Record<string, string>;
  /** Rebuilt when a new OAuth token comes: it hides the current and the previous token too. */
  private scrub: Redactor;
  private readonly secrets: { strong: (string | undefined)[]; exact: string[] };
  private lastToken: string | undefined;
  /** The headers for the current token, built once per token. */
  private authFor: { token: string; headers: Record<string, string> } | undefined;
  /** OAuth client credentials. */
  private readonly tokens: OAuthTokens | undefined;
  private readonly identity: TlsIdentity | undefined;
  private closed = false;

  constructor(private readonly cfg: ResolvedConfig) {
    const url = cfg.endpoint!;
    this.origin = url.origin;
    this.path = url.pathname + url.search;
    this.headers = {
      ...cfg.headers,
      "content-type": "application/json",
      accept: "application/json",
    };
    if (cfg.apiKey) this.headers.authorization = `Bearer ${cfg.apiKey}`;
    // Header values may carry credentials too; short ones (tenant ids) are not worth hiding, and only
    // credential headers are hidden by fragment. The decision key is never sent, but a misconfigured
    // server may echo what it expected.
    const headers = Object.entries(cfg.headers);
    const o = cfg.oauth;
    this.secrets = {
      strong: secretsOf(cfg),
      exact: headers
        .filter(([k, v]) => !CREDENTIAL_HEADER.test(k) && v.length >= 8)
        .map(([, v]) => v),
    };
    this.scrub = makeRedactor(this.secrets.strong, this.secrets.exact);
    this.shownUrl = safeUrl(url.href);
    if (o)
      this.tokens = new OAuthTokens(
        o,
        gateFetchLimitMs(cfg.timeoutMs),
        () => this.undici!,
        (token) => this.tokenSeen(token),
      );
    if (cfg.tls) this.identity = new TlsIdentity(cfg.tls, cfg.warn);
  }

  /** A new token: the redactor hides it (and the one before, which a slow answer may still echo). */
  private tokenSeen(token: string): void {
    if (token === this.lastToken) return;
    this.scrub = makeRedactor([...this.secrets.strong, token, this.lastToken], this.secrets.exact);
    this.lastToken = token;
  }

  private readonly shownUrl: string;

  /** The enforce URL as shown to people: no credentials and no query string (it may carry a token). */
  get url(): string {
    return this.shownUrl;
  }

  /** undici (and oauth4webapi when OAuth is on): a one-time cost of this process, outside deadlines. */
  private load(): Promise<unknown> {
    return (this.loading ??= Promise.all([
      loadUndici().then((u) => (this.undici = u)),
      this.tokens && loadOAuth(),
    ]));
  }

  private newPool(tls: TlsFiles | undefined): Pool {
    return new this.undici!.Pool(this.origin, {
      connections: 128,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 600_000,
      connectTimeout: Math.max(this.cfg.timeoutMs, 100),
      headersTimeout: 0,
      bodyTimeout: 0,
      // The gate's own pool: the app's global dispatcher, and its other traffic, never see these.
      ...(tls && { connect: { cert: tls.cert, key: tls.key, ca: tls.ca } }),
    });
  }

  /** The pool for this check: built on first use, and anew when the client certificate changed. The
   *  old one closes gently (its sockets, and TLS session resumption, would keep the old identity);
   *  requests already on it finish there. */
  private poolNow(tool: string | undefined): Pool {
    if (this.closed) throw new GovernorUnavailableError("This governor was closed.", { tool });
    if (!this.identity) return (this.pool ??= this.newPool(undefined));
    let files: TlsFiles | undefined;
    try {
      files = this.identity.next();
    } catch (err) {
      if (!(err instanceof TlsIdentityError)) throw err;
      throw new GovernorUnavailableError(
        `governor has no usable client certificate for the policy service (${err.message}), so the tool${tool ? ` "${tool}"` : ""} was not run. Check GOVERNOR_TLS_CERT, GOVERNOR_TLS_KEY and GOVERNOR_TLS_CA (or the files in GOVERNOR_IDENTITY_DIR); the next check reads them again.`,
        { code: "identity_unavailable", tool },
      );
    }
    if (files) {
      const old = this.pool;
      this.pool = this.newPool(files);
      old?.close().catch(() => undefined);
    }
    return this.pool!;
  }

  /** Start loading undici and create the pool now, so the first check does not pay for it. */
  warm(): void {
    this.load().then(
      () => {
        if (!this.identity && !this.closed) this.poolNow(undefined);
      },
      () => undefined,
    );
  }

  /** POST the (canonical JSON) intent; resolves a decision or rejects with a typed GovernorError.
   *  The deadline is a timer over connect, headers, body and retries. Each attempt's connect and
   *  header timeouts are the time left; when the timer fires during a body it destroys that body,
   *  and with it the socket (a trickling server must not keep a pool slot: undici's body timeout is
   *  an idle timeout, which one byte at a time never trips). No abort signal per request: passing
   *  one to undici costs ~20 µs a check. */
  post(body: string, tool?: string): Promise<EnforceAnswer> {
    // Loading undici is a one-time cost of this process, not the policy service's: the deadline
    // starts once it is loaded.
    if (!this.undici) return this.load().then(() => this.post(body, tool));
    // Signed decisions: a fresh nonce in the body binds the answer's signature to this request, so a
    // captured ALLOW cannot answer another one. Callers key caches on `body`, without it.
    const sent = this.cfg.decisionKey ? withNonce(body) : body;
    const timeoutMs = this.cfg.timeoutMs;
    const run: Run = { deadline: Date.now() + timeoutMs, attempt: 0, over: false };
    return new Promise<EnforceAnswer>((resolve, reject) => {
      const timer = setTimeout(() => {
        run.over = true;
        reject(this.timeoutError(tool, run.attempt, run));
        run.body?.destroy();
      }, timeoutMs);
      this.attempts(sent, tool, run).then(
        (answer) => {
          clearTimeout(timer);
          if (!run.over) resolve(answer);
        },
        (err) => {
          clearTimeout(timer);
          if (!run.over) reject(err);
        },
      );
    });
  }

  private async attempts(body: string, tool: string | undefined, run: Run): Promise<EnforceAnswer> {
    const { maxAttempts, baseDelayMs } = this.cfg.retry;
    const tokens = this.tokens;
    let token = tokens && (tokens.current() ?? (await this.token(run, tool)));
    // the one retry after a 401 with a fresh token is outside the retry budget
    let reauthed = false;
    for (;;) {
      // asked at each attempt: a certificate rotated during a backoff or a token wait closed the old pool
      const pool = this.poolNow(tool);
      const attempt = ++run.attempt;
      const counted = attempt - (reauthed ? 1 : 0);
      let status: number;
      let text: string;
      let retryAfter: number | undefined;
      let type: string | string[] | undefined;
      try {
        const left = Math.max(1, run.deadline - Date.now());
        const res = await pool.request({
          origin: this.origin,
          path: this.path,
          method: "POST",
          headers: token === undefined ? this.headers : this.headersWith(token),
          body,
          headersTimeout: left,
          bodyTimeout: left,
        });
        run.body = res.body;
        if (run.over) res.body.destroy();
        status = res.statusCode;
        type = res.headers["content-type"];
        if (status === 503) retryAfter = retryAfterMs(res.headers["retry-after"]);
        const declared = res.headers["content-length"];
        if (declared !== undefined && Number(declared) <= MAX_BODY_BYTES)
          text = utf8(await res.body.bytes());
        else text = await this.readCapped(res.body, status, tool);
      } catch (err) {
        if (run.over || err instanceof GovernorError) throw err;
        const code = errCode(err);
        if (code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT")
          throw this.timeoutError(tool, attempt);
        const fix =
          code && TLS_CODE.test(code)
            ? "Check the TLS settings: GOVERNOR_TLS_CA must hold the CA of the server's certificate, and GOVERNOR_TLS_CERT / GOVERNOR_TLS_KEY (or GOVERNOR_IDENTITY_DIR) a client certificate the server accepts."
            : "Check that it is up and that GOVERNOR_ENFORCE_URL is right.";
        const last = new GovernorUnavailableError(
          `The policy service at ${this.url} could not be reached (${code ?? "network error"}), so the tool${tool ? ` "${tool}"` : ""} was not run. ${fix}`,
          { cause: code && UNAVAILABLE_CODES.has(code) ? undefined : err, tool },
        );
        if (!code || !RETRYABLE_CODES.has(code) || counted >= maxAttempts) throw last;
        await this.backoff(attempt, baseDelayMs, undefined, run, last, tool);
        continue;
      }
      if (status === 200) this.strict(text, type, tool);
      if (status === 200) return this.parse(text, body, tool);
      if (status === 503) {
        const last = new GovernorUnavailableError(
          `The policy service answered 503 (unavailable) after ${attempt} attempt${attempt > 1 ? "s" : ""}, so the tool${tool ? ` "${tool}"` : ""} was not run. Try again later; check the management plane's health.`,
          { status, tool },
        );
        if (counted >= maxAttempts) throw last;
        await this.backoff(attempt, baseDelayMs, retryAfter, run, last, tool);
        continue;
      }
      // A 401 to an OAuth token: it may have been revoked or expired early. One fresh token, one
      // more try, outside the retry budget; a second 401 is the credentials' fault.
      if (status === 401 && tokens && token !== undefined && !reauthed) {
        reauthed = true;
        tokens.rejected(token);
        token = await this.token(run, tool);
        continue;
      }
      throw this.statusError(status, text, tool);
    }
  }

  /** A token for this check, counted in its deadline; no token is no decision (fail mode applies). */
  private async token(run: Run, tool: string | undefined): Promise<string> {
    run.token = true;
    let token: string;
    try {
      token = await this.tokens!.get();
    } catch (err) {
      const why = err instanceof TokenFetchError ? this.scrub(err.message) : "error";
      throw new GovernorUnavailableError(
        `governor could not get an OAuth token from ${safeUrl(this.cfg.oauth!.tokenUrl)} (${why}), so the tool${tool ? ` "${tool}"` : ""} was not run. Check that the token endpoint is up, and GOVERNOR_OAUTH_TOKEN_URL, GOVERNOR_OAUTH_CLIENT_ID and GOVERNOR_OAUTH_CLIENT_SECRET; the next check asks again.`,
        { code: "token_unavailable", tool },
      );
    } finally {
      run.token = false;
    }
    // The deadline passed while waiting: the check has already been answered.
    if (run.over) throw this.timeoutError(tool, run.attempt);
    return token;
  }

  private headersWith(token: string): Record<string, string> {
    const a = this.authFor;
    if (a && a.token === token) return a.headers;
    const headers = { ...this.headers, authorization: `Bearer ${token}` };
    this.authFor = { token, headers };
    return headers;
  }

  /** Read a body of unknown or too large length, giving up past MAX_BODY_BYTES. */
  private async readCapped(
    body: AsyncIterable<Buffer> & { destroy(): unknown },
    status: number,
    tool?: string,
  ): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        body.destroy();
        throw new GovernorProtocolError(
          `The policy service answered with a body over ${MAX_BODY_BYTES} bytes, so the tool${tool ? ` "${tool}"` : ""} was not run. Check GOVERNOR_ENFORCE_URL (${this.url}).`,
          { status, tool },
        );
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString("utf8");
  }

  private async backoff(
    attempt: number,
    base: number,
    retryAfter: number | undefined,
    run: { deadline: number; over: boolean },
    last: GovernorError,
    tool?: string,
  ): Promise<void> {
    // Full jitter on an exponential cap; Retry-After, when given, is a floor.
    const jittered = Math.random() * base * 2 ** (attempt - 1);
    const wait = retryAfter !== undefined ? Math.max(retryAfter, jittered) : jittered;
    // Waiting would cross the deadline: give up now with what we know.
    if (Date.now() + wait >= run.deadline) throw last;
    await sleep(wait);
    if (run.over || Date.now() >= run.deadline) throw this.timeoutError(tool, attempt);
  }

  private timeoutError(
    tool: string | undefined,
    attempt: number,
    run?: Run,
  ): GovernorUnavailableError {
    if (run?.token)
      return new GovernorUnavailableError(
        `The OAuth token endpoint at ${safeUrl(this.cfg.oauth!.tokenUrl)} did not answer within ${this.cfg.timeoutMs} ms (the check's deadline), so the tool${tool ? ` "${tool}"` : ""} was not run. Check the token endpoint, or raise GOVERNOR_TIMEOUT_MS.`,
        { code: "timeout", tool },
      );
    return new GovernorUnavailableError(
      `The policy service at ${this.url} did not answer within ${this.cfg.timeoutMs} ms${attempt > 1 ? ` (${attempt} attempts)` : ""}, so the tool${tool ? ` "${tool}"` : ""} was not run. Check the service, or raise GOVERNOR_TIMEOUT_MS.`,
      { code: "timeout", tool },
    );
  }

  private detail(text: string): string {
    let d: unknown = text;
    try {
      d = (JSON.parse(text) as { detail?: unknown }).detail ?? text;
    } catch {
      // not JSON: keep the text
    }
    const s = typeof d === "string" ? d : JSON.stringify(d);
    return clip(this.scrub(s), 200);
  }

  private statusError(status: number, text: string, tool?: string): GovernorError {
    const what = `the tool${tool ? ` "${tool}"` : ""} was not run`;
    const detail = this.detail(text);
    const said = detail ? `: ${detail}` : "";
    if (status === 401 || status === 403) {
      const check = this.tokens
        ? `Check that enforce accepts tokens from GOVERNOR_OAUTH_TOKEN_URL for this client (its issuer, and the audience or scope: GOVERNOR_OAUTH_AUDIENCE, GOVERNOR_OAUTH_SCOPE)${status === 401 ? "; a fresh token was refused too" : ""}`
        : "Check GOVERNOR_API_KEY (and GOVERNOR_HEADERS) for this tenant";
      return new GovernorAuthError(
        `The policy service refused governor's credentials (HTTP ${status}${said}), so ${what}. ${check}.`,
        { status, tool },
      );
    }
    if (status >= 500 || status === 429 || status === 408) {
      return new GovernorUnavailableError(
        `The policy service failed (HTTP ${status}${said}), so ${what}. Try again later; check the management plane's logs.`,
        { status, tool },
      );
    }
    return new GovernorProtocolError(
      `The policy service answered HTTP ${status}${said} instead of a decision, so ${what}. Check that GOVERNOR_ENFORCE_URL points at the management plane (${this.url}).`,
      { status, tool },
    );
  }

  /** A 200 is read as a decision only when it is JSON by type, with no byte order mark and no key
   *  given twice; otherwise it is no decision (the fail mode applies). */
  private strict(text: string, type: string | string[] | undefined, tool?: string): void {
    const what = `so the tool${tool ? ` "${tool}"` : ""} was not run`;
    if (!isJsonType(type)) {
      throw new GovernorProtocolError(
        `The policy service answered 200 with ${shownType(type)} instead of application/json, ${what}. Check that GOVERNOR_ENFORCE_URL (${this.url}) points at the management plane, not at a web page or a proxy's error page.`,
        { status: 200, tool },
      );
    }
    if (text.charCodeAt(0) === 0xfeff) {
      throw new GovernorProtocolError(
        `The policy service answered 200 with a byte order mark before its JSON, ${what}. The enforce API sends plain UTF-8 JSON; check GOVERNOR_ENFORCE_URL (${this.url}).`,
        { status: 200, tool },
      );
    }
    const dup = duplicateKey(text);
    if (dup !== undefined) {
      throw new GovernorProtocolError(
        `The policy service answered 200 with a duplicated key${shownKey(dup)} in its JSON, ${what}: which value counts would be a guess. Check GOVERNOR_ENFORCE_URL (${this.url}).`,
        { status: 200, tool },
      );
    }
  }

  private parse(text: string, sent: string, tool?: string): EnforceAnswer {
    let body: { decision?: unknown; metadata?: unknown };
    try {
      body = JSON.parse(text);
    } catch {
      throw new GovernorProtocolError(
        `The policy service answered 200 with a body that is not JSON, so the tool${tool ? ` "${tool}"` : ""} was not run. Check GOVERNOR_ENFORCE_URL (${this.url}).`,
        { status: 200, tool },
      );
    }
    const decision = body !== null && typeof body === "object" ? body.decision : undefined;
    if (decision !== "ALLOW" && decision !== "DENY") {
      throw new GovernorProtocolError(
        `The policy service answered without a valid decision (${typeof decision === "string" ? JSON.stringify(clip(this.scrub(decision), 40)) : typeof decision}), so the tool${tool ? ` "${tool}"` : ""} was not run. Only "ALLOW" allows a call.`,
        { status: 200, tool },
      );
    }
    const raw = isObject(body.metadata) ? body.metadata : undefined;
    const m = raw && this.redactMetadata(raw);
    // Server text reaches errors, audit lines and the model: secrets are stripped (above), then cut.
    const str = (v: unknown) => (typeof v === "string" && v ? clip(v, 500) : null);
    // A ttl_ms that is present but not a usable number means "do not cache", never the default TTL.
    const rawTtl = m?.ttl_ms;
    const ttl =
      rawTtl === undefined || rawTtl === null
        ? undefined
        : typeof rawTtl === "number" && Number.isFinite(rawTtl) && rawTtl >= 0
          ? rawTtl
          : 0;
    return {
      decision,
      requestId: str(m?.request_id),
      reason: str(m?.reason),
      denyCode: str(m?.deny_code),
      ttlMs: ttl,
      metadata: m,
      sent,
    };
  }

  /** A redacted copy; the token and expiry stay as sent when they have their shapes, to be verified. */
  private redactMetadata(raw: Record<string, unknown>): Record<string, unknown> {
    const m = redactJson(raw, this.scrub) as Record<string, unknown>;
    if (
      typeof raw.decision_token === "string" &&
      /^v1\.[A-Za-z0-9_-]{1,100}$/.test(raw.decision_token)
    )
      m.decision_token = raw.decision_token;
    if (typeof raw.expires_at === "string" && /^[0-9T:.+Z-]{1,40}$/.test(raw.expires_at))
      m.expires_at = raw.expires_at;
    return m;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.loading) await this.loading.catch(() => undefined);
    await Promise.all([this.pool?.close().catch(() => undefined), this.tokens?.close()]);
  }
}
