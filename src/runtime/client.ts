// HTTP to enforce: an undici keep-alive pool (imported on first use), one deadline over the whole
// check, retries only for 503 and connection reset/refused, with jittered backoff and Retry-After.
import { isObject } from "./shared.js";
import type { Pool } from "undici";
import type { ResolvedConfig } from "./config.js";
import {
  clip,
  CREDENTIAL_HEADER,
  makeRedactor,
  redactJson,
  safeUrl,
  type Redactor,
} from "./redact.js";
import { withNonce } from "./token.js";
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

/** One check: its deadline, attempts so far, whether the deadline passed, and the body being read. */
interface Run {
  deadline: number;
  attempt: number;
  over: boolean;
  body?: { destroy(): unknown };
}

// Decoded as is: undici's text() drops a byte order mark, which must be seen to be refused.
const utf8 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("utf8");

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class EnforceClient {
  private pool: Pool | undefined;
  private poolLoading: Promise<Pool> | undefined;
  private readonly origin: string;
  private readonly path: string;
  private readonly headers: Record<string, string>;
  private readonly scrub: Redactor;
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
    this.scrub = makeRedactor(
      [
        cfg.apiKey,
        cfg.decisionKey,
        ...headers.filter(([k]) => CREDENTIAL_HEADER.test(k)).map(([, v]) => v),
      ],
      headers.filter(([k, v]) => !CREDENTIAL_HEADER.test(k) && v.length >= 8).map(([, v]) => v),
    );
    this.shownUrl = safeUrl(url.href);
  }

  private readonly shownUrl: string;

  /** The enforce URL as shown to people: no credentials and no query string (it may carry a token). */
  get url(): string {
    return this.shownUrl;
  }

  private getPool(): Pool | Promise<Pool> {
    if (this.pool) return this.pool;
    return (this.poolLoading ??= loadUndici().then((u) => {
      this.pool = new u.Pool(this.origin, {
        connections: 128,
        keepAliveTimeout: 30_000,
        keepAliveMaxTimeout: 600_000,
        connectTimeout: Math.max(this.cfg.timeoutMs, 100),
        headersTimeout: 0,
        bodyTimeout: 0,
      });
      return this.pool;
    }));
  }

  /** Start loading undici and create the pool now, so the first check does not pay for it. */
  warm(): void {
    const p = this.getPool();
    if (p instanceof Promise) p.catch(() => undefined);
  }

  /** POST the (canonical JSON) intent; resolves a decision or rejects with a typed GovernorError.
   *  The deadline is a timer over connect, headers, body and retries. Each attempt's connect and
   *  header timeouts are the time left; when the timer fires during a body it destroys that body,
   *  and with it the socket (a trickling server must not keep a pool slot: undici's body timeout is
   *  an idle timeout, which one byte at a time never trips). No abort signal per request: passing
   *  one to undici costs ~20 µs a check. */
  post(body: string, tool?: string): Promise<EnforceAnswer> {
    // Loading undici is a one-time cost of this process, not the policy service's: the deadline
    // starts once the pool exists.
    if (!this.pool) return (this.getPool() as Promise<Pool>).then(() => this.post(body, tool));
    // Signed decisions: a fresh nonce in the body binds the answer's signature to this request, so a
    // captured ALLOW cannot answer another one. Callers key caches on `body`, without it.
    const sent = this.cfg.decisionKey ? withNonce(body) : body;
    const timeoutMs = this.cfg.timeoutMs;
    const run: Run = { deadline: Date.now() + timeoutMs, attempt: 0, over: false };
    return new Promise<EnforceAnswer>((resolve, reject) => {
      const timer = setTimeout(() => {
        run.over = true;
        reject(this.timeoutError(tool, run.attempt));
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
    const pool = this.pool!;
    const { maxAttempts, baseDelayMs } = this.cfg.retry;
    for (;;) {
      const attempt = ++run.attempt;
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
          headers: this.headers,
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
        const last = new GovernorUnavailableError(
          `The policy service at ${this.url} could not be reached (${code ?? "network error"}), so the tool${tool ? ` "${tool}"` : ""} was not run. Check that it is up and that GOVERNOR_ENFORCE_URL is right.`,
          { cause: code && UNAVAILABLE_CODES.has(code) ? undefined : err, tool },
        );
        if (!code || !RETRYABLE_CODES.has(code) || attempt >= maxAttempts) throw last;
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
        if (attempt >= maxAttempts) throw last;
        await this.backoff(attempt, baseDelayMs, retryAfter, run, last, tool);
        continue;
      }
      throw this.statusError(status, text, tool);
    }
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

  private timeoutError(tool: string | undefined, attempt: number): GovernorUnavailableError {
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
      return new GovernorAuthError(
        `The policy service refused governor's credentials (HTTP ${status}${said}), so ${what}. Check GOVERNOR_API_KEY (and GOVERNOR_HEADERS) for this tenant.`,
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
    const pool =
      this.pool ?? (this.poolLoading ? await this.poolLoading.catch(() => undefined) : undefined);
    if (pool) await pool.close().catch(() => undefined);
  }
}
