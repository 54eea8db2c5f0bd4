// Options -> a validated config. Anything left out comes from the environment. Validated by hand:
// the runtime carries no schema library.
import { existsSync } from "node:fs";
import path from "node:path";
import { GovernorConfigError } from "./errors.js";
import { loadIntentMap, validateIntentMap, type Actor, type IntentMap } from "./intent.js";

export type FailMode = "closed" | "open";
export type Mode = "enforce" | "observe" | "off";

export interface GovernorOptions {
  /** Base URL of the management plane; `/api/v2/enforce` is appended. Env GOVERNOR_ENFORCE_URL. */
  enforceUrl?: string;
  /** Sent as `Authorization: Bearer <apiKey>`. Env GOVERNOR_API_KEY. Never shown in messages. */
  apiKey?: string;
  /** Extra static headers (e.g. a tenant header). Env GOVERNOR_HEADERS (a JSON object). Values of 8+
   *  characters are treated as secrets and removed from messages. */
  headers?: Record<string, string>;
  /** One deadline over the whole check, retries included. Env GOVERNOR_TIMEOUT_MS, default 1000. */
  timeoutMs?: number;
  /** What happens when no decision could be had. Env GOVERNOR_FAIL_MODE, default "closed". */
  failMode?: FailMode;
  /** Env GOVERNOR_MODE, default "enforce"; GOVERNOR_DISABLED=true means "off". */
  mode?: Mode;
  /** How long an ALLOW may be reused (0 = no cache). Env GOVERNOR_CACHE_TTL_MS, default 1000. */
  cacheTtlMs?: number;
  /** Largest number of cached decisions. Default 10 000. */
  cacheMaxEntries?: number;
  /** Default actor, when no withActor() is active. Env GOVERNOR_ACTOR_ID / GOVERNOR_ACTOR_TYPE
   *  (type default "agent"); else the intent map's default, else `{ id: "anonymous", type: "agent" }`. */
  actor?: Actor | { id: string; type?: string };
  /** Audit log: a file path (appended, mode 0600) or "stderr". Env GOVERNOR_AUDIT_LOG. Off when unset. */
  auditLog?: string;
  /** Path of the intent map, or the map itself. Env GOVERNOR_CONFIG, default ./governor.config.json if present. */
  config?: string | IntentMap;
  /** Shared secret (16+ characters) for signed decisions: an ALLOW then counts only with a valid
   *  `metadata.decision_token`, else it is a DENY (`decision_unverified`). Env GOVERNOR_DECISION_KEY. */
  decisionKey?: string;
  /** Retry tuning: attempts in total (default 3) and the first backoff (default 25 ms). */
  retry?: { maxAttempts?: number; baseDelayMs?: number };
  /** Breaker tuning: minimum checks in a window before it may open (5), failure ratio (0.5),
   *  window (10 000 ms), cool-down before a trial call (5 000 ms). */
  breaker?: { minimumRequests?: number; failureRatio?: number; windowMs?: number; coolDownMs?: number };
  /** Most audit lines held before a write; beyond it lines are dropped and counted. Default 10 000. */
  auditBufferMax?: number;
  /** Where warnings go; default stderr. The runtime never writes to stdout. */
  warn?: (message: string) => void;
  /** Environment to read from; default process.env. */
  env?: Record<string, string | undefined>;
}

export interface ResolvedConfig {
  endpoint: URL | null;
  headers: Record<string, string>;
  /** A secret: redacted from every message. */
  apiKey: string | undefined;
  timeoutMs: number;
  failMode: FailMode;
  mode: Mode;
  cacheTtlMs: number;
  cacheMaxEntries: number;
  actor: Actor | null;
  auditLog: string | undefined;
  map: IntentMap | null;
  mapPath: string | undefined;
  decisionKey: string | undefined;
  retry: { maxAttempts: number; baseDelayMs: number };
  breaker: { minimumRequests: number; failureRatio: number; windowMs: number; coolDownMs: number };
  auditBufferMax: number;
  warn: (message: string) => void;
}

const ENFORCE_PATH = "/api/v2/enforce";
const CONNECTION_HEADERS = new Set(["content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "expect"]);
// Node's timers hold at most this many ms; a longer timeout would fire at once.
const MAX_TIMER_MS = 2_147_483_647;

export function stderrWarn(message: string): void {
  try {
    process.stderr.write(message.endsWith("\n") ? message : message + "\n");
  } catch {
    // stderr closed: nothing sensible to do.
  }
}

/** A warning sink that throws must not block a tool (observe mode, fail open) or crash the process
 *  from the audit timer. */
function safeWarn(warn: (message: string) => void): (message: string) => void {
  return (message) => {
    try {
      warn(message);
    } catch {
      // The sink failed; the warning is lost, the call goes on.
    }
  };
}

function numberOption(name: string, value: unknown, env: string | undefined, fallback: number, problems: string[], min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = value ?? env;
  if (raw === undefined || raw === "") return fallback;
  const n = typeof raw === "number" ? raw : Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) {
    problems.push(`${name} must be a number from ${min} to ${max} (got ${JSON.stringify(raw)})`);
    return fallback;
  }
  return n;
}

/** Resolve and validate; throws GovernorConfigError listing every problem and how to fix it. */
export function resolveConfig(options: GovernorOptions = {}): ResolvedConfig {
  const env = options.env ?? process.env;
  const problems: string[] = [];

  let mode: Mode = "enforce";
  const rawMode = options.mode ?? env.GOVERNOR_MODE;
  if (rawMode !== undefined && rawMode !== "") {
    if (rawMode === "enforce" || rawMode === "observe" || rawMode === "off") mode = rawMode;
    else problems.push(`GOVERNOR_MODE must be "enforce", "observe" or "off" (got ${JSON.stringify(rawMode)})`);
  }
  if (options.mode === undefined && /^(1|true|yes|on)$/i.test(env.GOVERNOR_DISABLED ?? "")) mode = "off";

  let failMode: FailMode = "closed";
  const rawFail = options.failMode ?? env.GOVERNOR_FAIL_MODE;
  if (rawFail !== undefined && rawFail !== "") {
    if (rawFail === "closed" || rawFail === "open") failMode = rawFail;
    else problems.push(`GOVERNOR_FAIL_MODE must be "closed" or "open" (got ${JSON.stringify(rawFail)})`);
  }

  let endpoint: URL | null = null;
  const rawUrl = options.enforceUrl ?? env.GOVERNOR_ENFORCE_URL;
  if (rawUrl === undefined || rawUrl === "") {
    if (mode !== "off") problems.push("GOVERNOR_ENFORCE_URL is not set: set it to your management plane's base URL (e.g. http://127.0.0.1:8787)");
  } else {
    try {
      const u = new URL(rawUrl);
      if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error("protocol");
      if (u.username || u.password) problems.push("GOVERNOR_ENFORCE_URL must not contain credentials: use GOVERNOR_API_KEY");
      const base = u.pathname.replace(/\/+$/, "");
      u.pathname = base.endsWith(ENFORCE_PATH) ? base : base + ENFORCE_PATH;
      endpoint = u;
    } catch {
      // Echo the value without anything that may be a credential (user:pass@, query, fragment).
      const shown = String(rawUrl).replace(/^([^/]*\/\/)[^/?#]*@/, "$1[redacted]@").replace(/[?#].*$/s, "");
      problems.push(`GOVERNOR_ENFORCE_URL must be an http(s) URL (got ${JSON.stringify(shown.slice(0, 100))})`);
    }
  }

  const apiKey = options.apiKey ?? (env.GOVERNOR_API_KEY || undefined);
  if (apiKey !== undefined && (typeof apiKey !== "string" || /[\r\n]/.test(apiKey))) problems.push("GOVERNOR_API_KEY must be a single-line string");

  const headers: Record<string, string> = {};
  let rawHeaders: unknown = options.headers;
  if (rawHeaders === undefined && env.GOVERNOR_HEADERS) {
    try {
      rawHeaders = JSON.parse(env.GOVERNOR_HEADERS);
    } catch {
      problems.push('GOVERNOR_HEADERS must be a JSON object, e.g. {"x-tenant-id":"acme"}');
    }
  }
  if (rawHeaders !== undefined) {
    if (rawHeaders === null || typeof rawHeaders !== "object" || Array.isArray(rawHeaders)) {
      problems.push('GOVERNOR_HEADERS must be a JSON object, e.g. {"x-tenant-id":"acme"}');
    } else {
      for (const [k, v] of Object.entries(rawHeaders)) {
        if (typeof v !== "string" || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k) || /[\r\n]/.test(v)) {
          problems.push(`GOVERNOR_HEADERS: header ${JSON.stringify(k)} must have a valid name and a single-line string value`);
        } else if (CONNECTION_HEADERS.has(k.toLowerCase())) {
          // The HTTP client manages these; set here, every check would fail as "unreachable".
          problems.push(`GOVERNOR_HEADERS: header ${JSON.stringify(k)} is managed by governor's HTTP client; remove it`);
        } else headers[k.toLowerCase()] = v;
      }
    }
  }

  const timeoutMs = numberOption("GOVERNOR_TIMEOUT_MS", options.timeoutMs, env.GOVERNOR_TIMEOUT_MS, 1000, problems, 1, MAX_TIMER_MS);
  const cacheTtlMs = numberOption("GOVERNOR_CACHE_TTL_MS", options.cacheTtlMs, env.GOVERNOR_CACHE_TTL_MS, 1000, problems);
  const cacheMaxEntries = numberOption("cacheMaxEntries", options.cacheMaxEntries, undefined, 10_000, problems, 1);
  const auditBufferMax = numberOption("auditBufferMax", options.auditBufferMax, undefined, 10_000, problems, 1);

  let actor: Actor | null = null;
  if (options.actor !== undefined) {
    if (!options.actor || typeof options.actor.id !== "string" || !options.actor.id) problems.push("actor must be { id: string, type?: string }");
    else actor = { id: options.actor.id, type: options.actor.type || "agent" };
  } else if (env.GOVERNOR_ACTOR_ID) {
    actor = { id: env.GOVERNOR_ACTOR_ID, type: env.GOVERNOR_ACTOR_TYPE || "agent" };
  }

  let map: IntentMap | null = null;
  let mapPath: string | undefined;
  const rawConfig = options.config ?? (env.GOVERNOR_CONFIG || undefined);
  if (rawConfig !== undefined && typeof rawConfig === "object") {
    const mapProblems = validateIntentMap(rawConfig);
    if (mapProblems.length) problems.push(`config (intent map) is invalid: ${mapProblems.join("; ")}`);
    else map = rawConfig;
  } else {
    mapPath = rawConfig ?? (existsSync("governor.config.json") ? path.resolve("governor.config.json") : undefined);
    if (mapPath && mode !== "off") {
      try {
        map = loadIntentMap(mapPath);
      } catch (err) {
        problems.push((err as Error).message);
      }
    }
  }

  const retry = {
    maxAttempts: Math.max(1, Math.floor(numberOption("retry.maxAttempts", options.retry?.maxAttempts, undefined, 3, problems, 1))),
    baseDelayMs: numberOption("retry.baseDelayMs", options.retry?.baseDelayMs, undefined, 25, problems),
  };
  const breaker = {
    minimumRequests: numberOption("breaker.minimumRequests", options.breaker?.minimumRequests, undefined, 5, problems, 2),
    failureRatio: numberOption("breaker.failureRatio", options.breaker?.failureRatio, undefined, 0.5, problems),
    windowMs: numberOption("breaker.windowMs", options.breaker?.windowMs, undefined, 10_000, problems, 1),
    coolDownMs: numberOption("breaker.coolDownMs", options.breaker?.coolDownMs, undefined, 5_000, problems, 1),
  };

  const auditLog = options.auditLog ?? (env.GOVERNOR_AUDIT_LOG || undefined);
  const decisionKey = options.decisionKey ?? (env.GOVERNOR_DECISION_KEY || undefined);
  if (decisionKey !== undefined && (typeof decisionKey !== "string" || decisionKey.length < 16)) {
    problems.push("GOVERNOR_DECISION_KEY must be at least 16 characters");
  }

  if (problems.length) {
    const redacted = problems.map((p) => redact(p, apiKey, decisionKey));
    throw new GovernorConfigError(`governor config invalid: ${redacted.join("; ")}.`, { problems: redacted });
  }
  return {
    endpoint,
    headers,
    apiKey,
    timeoutMs,
    failMode,
    mode,
    cacheTtlMs,
    cacheMaxEntries,
    actor,
    auditLog,
    map,
    mapPath,
    decisionKey,
    retry,
    breaker,
    auditBufferMax,
    warn: options.warn ? safeWarn(options.warn) : stderrWarn,
  };
}

/** Remove secrets from text that may reach a log, an error or the model. */
export function redact(text: string, ...secrets: (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4 && out.includes(s)) out = out.split(s).join("[redacted]");
  return out;
}
