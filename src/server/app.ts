// The request handler of `governor serve`: the enforce contract (../shared/enforce-api.md) over node:http.
// Per request: read the body, validate, canonicalize, walk precompiled rules, answer. No fs, no parsing of policy.
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { canonicalize } from "./canonicalize.js";
import { evaluate } from "./evaluate.js";
import type { Policy } from "./policy.js";
import {
  jsonInvalid,
  MAX_DEPTH,
  nestedDeeperThan,
  validateIntentBody,
  type IntentBody,
  type ValidationIssue,
} from "./request.js";
import type { LineLog } from "./line-log.js";
import type { JwtVerifier } from "./jwt.js";
import { bearer, certSubject, digest, keyMatches } from "./caller.js";

export type Signer = (
  body: unknown,
  decision: "ALLOW" | "DENY",
  requestId: string,
) => { decision_token: string; expires_at: string };

export interface ServerState {
  policy: Policy;
  apiKey?: string;
  /** Bearer JWTs instead of a key (`--oauth-jwks`): never both. */
  verifyBearer?: JwtVerifier;
  sign?: Signer;
  log: LineLog;
}

const MAX_BODY = 1 << 20;

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers?: Record<string, string>,
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** As FastAPI reads bodies: JSON when there is no content-type or it is application/json or +json. */
function isJsonType(header: string | undefined): boolean {
  if (header === undefined) return true;
  const type = header.split(";")[0].trim().toLowerCase();
  return type === "application/json" || (type.startsWith("application/") && type.endsWith("+json"));
}

// Log values come from requests: anything beyond plain word characters is quoted, so a value cannot
// forge a log line (newlines) or split a field (spaces).
// Long values are cut, so a 1 MiB action cannot make a 1 MiB log line.
const PLAIN = /^[\w.@:/*+-]*$/;
const MAX_LOGGED = 200;
const logValue = (v: string) =>
  v.length > MAX_LOGGED
    ? JSON.stringify(v.slice(0, MAX_LOGGED)) + "…"
    : PLAIN.test(v)
      ? v
      : JSON.stringify(v);

/** One line for a request that got no decision: what was wrong, never the body's values or keys. */
function rejection(status: number, path: string, why: string): string {
  return `${new Date().toISOString()} REJECTED ${status} ${path}: ${why}`;
}

const issuesText = (issues: ValidationIssue[]) =>
  issues.map((i) => `${i.loc.join(".")}: ${i.msg}`).join("; ");

/** Name and message of an unexpected error, quoted and cut short: never its stack. */
function describeError(err: unknown): string {
  if (!(err instanceof Error)) return typeof err;
  const message = String(err.message);
  const name = logValue(String(err.name));
  if (message.length > 200) return `${name}: ${JSON.stringify(message.slice(0, 200))}…`;
  return `${name}: ${JSON.stringify(message)}`;
}

function readBody(req: IncomingMessage, done: (err: number | null, text: string) => void): void {
  let text = "";
  let size = 0;
  let failed = false;
  req.setEncoding("utf8");
  req.on("data", (chunk: string) => {
    if (failed) return;
    size += Buffer.byteLength(chunk);
    if (size > MAX_BODY) {
      failed = true;
      done(413, "");
      return;
    }
    text += chunk;
  });
  req.on("end", () => {
    if (!failed) done(null, text);
  });
  req.on("error", () => {
    if (!failed) {
      failed = true;
      done(400, "");
    }
  });
}

export function createHandler(
  state: ServerState,
): (req: IncomingMessage, res: ServerResponse) => void {
  // the CLI refuses both; a direct caller must not have one silently ignored
  if (state.apiKey && state.verifyBearer)
    throw new Error("an API key and bearer JWT verification are both set: use one");
  const expectedAuth = state.apiKey ? digest(state.apiKey) : undefined;
  /** The JWT's `sub` of each request that carried one, for its log line. */
  const subjects = new WeakMap<IncomingMessage, string>();

  /** Whatever went wrong inside, the client gets an answer and the server keeps serving. */
  function failed(res: ServerResponse, path: string, err: unknown): void {
    try {
      state.log.write(rejection(500, path, `internal error (${describeError(err)})`));
      if (res.headersSent) res.destroy();
      else
        send(res, 500, {
          detail:
            "Internal error in governor serve; the request got no decision. The server log says why.",
        });
    } catch {
      res.destroy();
    }
  }

  /** Parses a body into a valid intent, or answers 422 (FastAPI's shape), logs why and returns undefined. */
  function parseIntent(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    text: string,
  ): IntentBody | undefined {
    let body: unknown;
    let hint = "";
    if (text.length === 0) {
      body = undefined;
    } else if (!isJsonType(req.headers["content-type"])) {
      // FastAPI validates such a body as raw bytes, which is never an object.
      body = text;
      hint = ` (content-type ${req.headers["content-type"]}; send Content-Type: application/json)`;
    } else if (nestedDeeperThan(text, MAX_DEPTH)) {
      send(res, 400, {
        detail: `JSON nested deeper than ${MAX_DEPTH} levels; an intent needs only a few. Send the intent's fields without deep nesting.`,
      });
      state.log.write(rejection(400, path, `JSON nested deeper than ${MAX_DEPTH} levels`));
      return undefined;
    } else {
      try {
        body = JSON.parse(text);
      } catch (err) {
        const detail = jsonInvalid(err);
        send(res, 422, { detail });
        state.log.write(rejection(422, path, "body is not valid JSON"));
        return undefined;
      }
    }
    const issues: ValidationIssue[] =
      body === undefined
        ? [{ type: "missing", loc: ["body"], msg: "Field required" }]
        : validateIntentBody(body);
    if (issues.length > 0) {
      send(res, 422, { detail: issues });
      state.log.write(rejection(422, path, issuesText(issues) + hint));
      return undefined;
    }
    return body as IntentBody;
  }

  function enforce(req: IncomingMessage, res: ServerResponse, path: string, text: string): void {
    const started = performance.now();
    const body = parseIntent(req, res, path, text);
    if (!body) return;
    const policy = state.policy;
    const { intent, trace } = canonicalize(body, policy.vocabulary);
    const verdict = evaluate(policy, intent);
    const decision = verdict.effect === "allow" ? "ALLOW" : "DENY";
    const requestId = randomUUID();
    const metadata: Record<string, unknown> = {
      request_id: requestId,
      canonicalization_trace: trace,
      reason: verdict.reason,
      rule_id: verdict.rule?.id ?? null,
    };
    if (verdict.denyCode) metadata.deny_code = verdict.denyCode;
    if (decision === "ALLOW" && state.sign)
      Object.assign(metadata, state.sign(body, decision, requestId));
    const latency = Math.round((performance.now() - started) * 1000) / 1000;
    send(res, 200, { decision, enforcement_latency_ms: latency, metadata });
    // Names and kinds only: intents never carry argument values, and keys are never logged.
    state.log.write(
      `${new Date().toISOString()} ${decision} action=${logValue(intent.action)} resource=${logValue(intent.resource.type)}` +
        `${intent.resource.name ? "/" + logValue(intent.resource.name) : ""} actor=${intent.actor.id ? logValue(intent.actor.id) : "-"}` +
        ` rule=${verdict.rule ? logValue(verdict.rule.id) : "(default)"} request_id=${requestId}` +
        who(req),
    );
  }

  /** Who asked, as far as the server knows: a JWT's subject, a client certificate's subject. */
  function who(req: IncomingMessage): string {
    const sub = subjects.get(req);
    const cert = certSubject(req);
    return (sub ? ` sub=${logValue(sub)}` : "") + (cert ? ` client=${logValue(cert)}` : "");
  }

  function canonicalizeOnly(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    text: string,
  ): void {
    const body = parseIntent(req, res, path, text);
    if (!body) return;
    const { intent, trace } = canonicalize(body, state.policy.vocabulary);
    send(res, 200, {
      canonical_intent: intent,
      canonicalization_trace: trace,
      request_id: randomUUID(),
    });
  }

  return function handle(req, res) {
    const url = req.url ?? "";
    const q = url.indexOf("?");
    const path = q === -1 ? url : url.slice(0, q);
    try {
      route(req, res, path);
    } catch (err) {
      failed(res, path, err);
      req.resume();
    }
  };

  /** What the policy allows and denies, rule by rule (`when` as written): for `governor mcp`'s summary. */
  function summary(req: IncomingMessage, res: ServerResponse, path: string): void {
    req.resume();
    if (req.method !== "GET" && req.method !== "HEAD")
      return send(res, 405, { detail: "Method Not Allowed" }, { allow: "GET, HEAD" });
    authenticate(req, res, path, () => {
      const p = state.policy;
      send(res, 200, {
        default: p.default,
        rules: p.rules.map((r) => ({ id: r.id, effect: r.effect, when: r.when })),
      });
    });
  }

  /**
   * A web page never needs enforce. Without a key, DNS rebinding would let any site ask this server
   * (its requests say Sec-Fetch-Site: same-origin); a URL typed into the address bar says none, and
   * agents (Node's fetch, undici) send no such header. A 403 (logged) for the rest.
   */
  function fromWebPage(req: IncomingMessage, res: ServerResponse, path: string): boolean {
    const site = req.headers["sec-fetch-site"];
    if (site === undefined || site === "none") return false;
    state.log.write(
      rejection(403, path, `a request from a web page (Sec-Fetch-Site: ${logValue(String(site))})`),
    );
    send(res, 403, { detail: "Forbidden: this enforce server does not answer web pages" });
    req.resume();
    return true;
  }

  /**
   * The bearer check of every answer that reveals policy, then `next`; a 401 (logged) when it fails.
   * A key is checked at once; a JWT asynchronously (a remote key set may need fetching).
   */
  function authenticate(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    next: () => void,
  ): void {
    const verify = state.verifyBearer;
    if (!verify) {
      if (checkAuth(req, res, path)) next();
      else req.resume();
      return;
    }
    const token = bearer(req.headers.authorization);
    if (token === undefined) {
      refuseJwt(req, res, path, 401, undefined);
      return;
    }
    verify(token).then(
      (result) => {
        try {
          if (!result.ok) return refuseJwt(req, res, path, result.status, result.why);
          if (result.subject) subjects.set(req, result.subject);
          next();
        } catch (err) {
          failed(res, path, err);
        }
      },
      (err) => failed(res, path, err),
    );
  }

  /** No decision for a request without a usable JWT: 401 (or 503 when the key set is unreachable). */
  function refuseJwt(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    status: 401 | 503,
    why: string | undefined,
  ): void {
    req.resume();
    if (status === 503) {
      send(res, 503, { detail: `Cannot verify the bearer token now: ${why}` });
      state.log.write(rejection(503, path, `bearer JWT not checked: ${why}`));
      return;
    }
    // RFC 6750: no error code when no credentials came, invalid_token when they did not verify.
    const challenge = why ? `Bearer error="invalid_token", error_description="${why}"` : `Bearer`;
    send(
      res,
      401,
      {
        detail: why
          ? `Invalid token: ${why}`
          : "Not authenticated: send Authorization: Bearer <JWT>",
      },
      { "www-authenticate": challenge },
    );
    state.log.write(
      rejection(401, path, why ? `bearer JWT refused (${why})` : "no Authorization: Bearer header"),
    );
  }

  /** The key check: true when it passes (or no key is set); a 401 (logged) when it fails. */
  function checkAuth(req: IncomingMessage, res: ServerResponse, path: string): boolean {
    if (keyMatches(expectedAuth, req.headers.authorization)) return true;
    const given = Boolean(req.headers.authorization);
    send(
      res,
      401,
      { detail: given ? "Invalid API key" : "Not authenticated: send Authorization: Bearer <key>" },
      { "www-authenticate": "Bearer" },
    );
    state.log.write(
      rejection(401, path, given ? "wrong API key" : "no Authorization: Bearer header"),
    );
    return false;
  }

  function route(req: IncomingMessage, res: ServerResponse, path: string): void {
    if (path.startsWith("/api/") && fromWebPage(req, res, path)) return;
    if (path === "/api/v2/policy/summary") return summary(req, res, path);
    const answer =
      path === "/api/v2/enforce"
        ? enforce
        : path === "/api/v2/canonicalize"
          ? canonicalizeOnly
          : undefined;
    if (!answer) {
      if (path === "/health" && (req.method === "GET" || req.method === "HEAD")) {
        send(res, 200, {
          status: "ok",
          rules: state.policy.rules.length,
          default: state.policy.default,
        });
      } else if (path === "/health") {
        send(res, 405, { detail: "Method Not Allowed" }, { allow: "GET, HEAD" });
      } else send(res, 404, { detail: "Not Found" });
      req.resume();
      return;
    }
    if (req.method !== "POST") {
      send(res, 405, { detail: "Method Not Allowed" }, { allow: "POST" });
      req.resume();
      return;
    }
    authenticate(req, res, path, () =>
      readBody(req, (err, text) => {
        // Called from a stream event: a throw here would not reach handle's catch.
        try {
          if (err === 413) {
            send(
              res,
              413,
              { detail: `Request body too large (over ${MAX_BODY} bytes)` },
              { connection: "close" },
            );
            state.log.write(rejection(413, path, `body over ${MAX_BODY} bytes`));
          } else if (err) send(res, 400, { detail: "Could not read the request body" });
          else answer(req, res, path, text);
        } catch (thrown) {
          failed(res, path, thrown);
        }
      }),
    );
  }
}

/**
 * For the server's `clientError` event: a request too malformed for node:http to hand to the handler
 * (bad request line, headers too large, too slow) still gets a JSON `{detail}` answer, not a bare 400.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  // A response already under way on this socket (or a reset one) cannot take another. A request whose
  // body broke (a bad chunk) was handed to the handler but not answered yet: it gets the 400 (as node's own).
  const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (err.code === "ECONNRESET" || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const status =
    err.code === "HPE_HEADER_OVERFLOW" ? 431 : err.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : 400;
  const text = JSON.stringify({
    detail: `${STATUS_CODES[status]}: the request could not be read as HTTP (${err.code ?? "parse error"})`,
  });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
  );
}
