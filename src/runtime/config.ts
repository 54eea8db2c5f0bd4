// Options -> a validated config. Anything left out comes from the environment, then from
// governor.config.json (its "enforce" block: processes that MCP clients start get a filtered
// environment and another working directory). Validated by hand: the runtime carries no schema library.
import { isObject } from "./shared.js";
import { GovernorConfigError } from "./errors.js";
import { CREDENTIAL_HEADER, redact, safeUrl } from "./redact.js";
import { telemetrySettings, type TelemetrySettings } from "./telemetry.js";
import { validateIntentMap, type Actor, type IntentMap } from "./intent.js";
import { parseAllow, resolveGuard, type GuardOptions, type GuardSpec } from "./guard/config.js";
import type { GuardAllow, Primitive } from "./guard/state.js";
import {
  configFileEnforce,
  findConfigFile,
  processSite,
  readConfigFile,
  readSecretVar,
  type ConfigSite,
  type EnforceBlock,
} from "./config-file.js";
import {
  resolveOAuth,
  resolveTls,
  type OAuthConfig,
  type OAuthOptions,
  type TlsConfig,
  type TlsOptions,
} from "./config-auth.js";

export { findConfigFile, packageRootOf, processSite, type ConfigSite } from "./config-file.js";

export type FailMode = "closed" | "open";
export type Mode = "enforce" | "observe" | "off";

export interface GovernorOptions {
  /** Base URL of the management plane; `/api/v2/enforce` is appended. Env GOVERNOR_ENFORCE_URL, else
   *  governor.config.json `enforce.url`. */
  enforceUrl?: string;
  /** Sent as `Authorization: Bearer <apiKey>`. Env GOVERNOR_API_KEY or GOVERNOR_API_KEY_FILE (a file
   *  holding it), else the file named by governor.config.json `enforce.apiKeyFile`. Never shown in messages. */
  apiKey?: string;
  /** Extra static headers (e.g. a tenant header). Env GOVERNOR_HEADERS (a JSON object) or
   *  GOVERNOR_HEADERS_FILE. Values of 8+ characters are treated as secrets and removed from messages. */
  headers?: Record<string, string>;
  /** One deadline over the whole check, retries included. Env GOVERNOR_TIMEOUT_MS, default 1000. */
  timeoutMs?: number;
  /** What happens when no decision could be had. Env GOVERNOR_FAIL_MODE, default "closed". */
  failMode?: FailMode;
  /** Env GOVERNOR_MODE, default "enforce"; GOVERNOR_DISABLED=true means "off" (over GOVERNOR_MODE, with a warning). */
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
  /** Path of the intent map, or the map itself. Env GOVERNOR_CONFIG (relative: from the entrypoint's
   *  package root, else the working directory); default governor.config.json in the working
   *  directory, else in the entrypoint's package root (the nearest package.json above process.argv[1]). */
  config?: string | IntentMap;
  /** Shared secret (16+ characters) for signed decisions: an ALLOW then counts only with a valid
   *  `metadata.decision_token`, else it is a DENY (`decision_unverified`). Env GOVERNOR_DECISION_KEY or
   *  GOVERNOR_DECISION_KEY_FILE, else governor.config.json `enforce.decisionKeyFile`. */
  decisionKey?: string;
  /** Signed decisions whose `expires_at` is further out than this are refused. Env
   *  GOVERNOR_DECISION_MAX_TTL_MS, default 300 000. */
  decisionMaxTtlMs?: number;
  /** Retry tuning: attempts in total (default 3) and the first backoff (default 25 ms). */
  retry?: { maxAttempts?: number; baseDelayMs?: number };
  /** Breaker tuning: minimum checks in a window before it may open (5), failure ratio (0.5),
   *  window (10 000 ms), cool-down before a trial call (5 000 ms). */
  breaker?: {
    minimumRequests?: number;
    failureRatio?: number;
    windowMs?: number;
    coolDownMs?: number;
  };
  /** Most audit lines held before a write; beyond it lines are dropped and counted. Default 10 000. */
  auditBufferMax?: number;
  /** OpenTelemetry (through @opentelemetry/api, when the app registered an SDK): `arguments: true`
   *  puts each tool's arguments, redacted, on its `governor.enforce` span. Env GOVERNOR_OTEL_ARGUMENTS. */
  telemetry?: { arguments?: boolean };
  /** Where warnings go; default stderr. The runtime never writes to stdout. */
  warn?: (message: string) => void;
  /** Environment to read from; default process.env. */
  env?: Record<string, string | undefined>;
  /** Side effects that need an ALLOW (a gated tool call or an intentScope): outbound HTTP, child
   *  processes, file writes. Env GOVERNOR_GUARD=http,exec,fs, GOVERNOR_GUARD_MODE,
   *  GOVERNOR_GUARD_ALLOW. Process-wide: the first governor to install guards wins. */
  guard?: GuardOptions | readonly Primitive[] | string;
  /** OAuth2 client credentials instead of an API key: a token fetched, cached and refreshed by the
   *  gate. Env GOVERNOR_OAUTH_TOKEN_URL, GOVERNOR_OAUTH_CLIENT_ID, GOVERNOR_OAUTH_CLIENT_SECRET(_FILE),
   *  GOVERNOR_OAUTH_SCOPE, GOVERNOR_OAUTH_AUDIENCE, GOVERNOR_OAUTH_AUTH_METHOD. */
  oauth?: OAuthOptions;
  /** A client certificate (mTLS) and CA for enforce, re-read when the files change. Env
   *  GOVERNOR_TLS_CERT, GOVERNOR_TLS_KEY, GOVERNOR_TLS_CA, else GOVERNOR_IDENTITY_DIR. */
  tls?: TlsOptions;
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
  decisionMaxTtlMs: number;
  retry: { maxAttempts: number; baseDelayMs: number };
  breaker: { minimumRequests: number; failureRatio: number; windowMs: number; coolDownMs: number };
  auditBufferMax: number;
  warn: (message: string) => void;
  /** The guards this governor installs (the first install in the process wins), or null. */
  guard: GuardSpec | null;
  /** Warnings about the guards, said once per process. */
  guardNotes: string[];
  /** GOVERNOR_GUARD_ALLOW, also when no guard is on (governedFetch and the other wrappers read it). */
  guardAllow: GuardAllow;
  /** GOVERNOR_GUARD_MODE as given, for the wrappers when no guard is on. */
  guardModeRaw: string | undefined;
  /** Where the enforce settings came from (names and paths, never values), for doctor. */
  /** GOVERNOR_OTEL_ARGUMENTS / the `telemetry` option. */
  telemetry: TelemetrySettings;
  sources: {
    enforceUrl?: string;
    apiKey?: string;
    decisionKey?: string;
    configFile?: string;
    oauth?: string;
    tls?: string;
  };
  /** OAuth2 client credentials (the client secret is redacted from every message), or undefined. */
  oauth: OAuthConfig | undefined;
  /** The client certificate and CA for enforce, or undefined. */
  tls: TlsConfig | undefined;
}

const ENFORCE_PATH = "/api/v2/enforce";
const CONNECTION_HEADERS = new Set([
  "content-length",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "upgrade",
  "expect",
]);
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

function numberOption(
  name: string,
  value: unknown,
  env: string | undefined,
  fallback: number,
  problems: string[],
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const raw = value ?? env;
  if (raw === undefined || raw === "") return fallback;
  const n = typeof raw === "number" ? raw : Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) {
    problems.push(`${name} must be a number from ${min} to ${max} (got ${JSON.stringify(raw)})`);
    return fallback;
  }
  return n;
}

/** Resolve and validate; throws GovernorConfigError listing every problem and how to fix it.
 *  `site`: where governor.config.json and relative paths are looked for (default: this process);
 *  with `intentMap: false` (doctor, which checks the map on its own) a broken file is not a problem here. */
export function resolveConfig(
  options: GovernorOptions = {},
  site: ConfigSite & { intentMap?: boolean } = processSite(),
): ResolvedConfig {
  const env = options.env ?? process.env;
  const problems: string[] = [];
  const notes: string[] = [];
  const sources: ResolvedConfig["sources"] = {};

  let mode: Mode = "enforce";
  // A stray space (an .env file) must not leave the kill switch off; a value it does not know says so.
  const rawDisabled = (env.GOVERNOR_DISABLED ?? "").trim();
  const killSwitch = /^(1|true|yes|on)$/i.test(rawDisabled);
  if (rawDisabled && !killSwitch && !/^(0|false|no|off)$/i.test(rawDisabled)) {
    notes.push(
      `governor: WARNING — GOVERNOR_DISABLED=${JSON.stringify(rawDisabled.slice(0, 40))} is not one of 1, true, yes, on (or 0, false, no, off): policy enforcement stays ON.`,
    );
  }
  const disabled = options.mode === undefined && killSwitch;
  if (killSwitch && options.mode !== undefined && options.mode !== "off") {
    notes.push(
      `governor: WARNING — GOVERNOR_DISABLED=${rawDisabled} is ignored by this governor: its mode is set in code (mode: ${JSON.stringify(String(options.mode).slice(0, 40))}). Remove the mode option to let the kill switch work.`,
    );
  }
  const rawMode = options.mode ?? env.GOVERNOR_MODE;
  if (rawMode !== undefined && rawMode !== "") {
    if (rawMode === "enforce" || rawMode === "observe" || rawMode === "off") mode = rawMode;
    else if (!disabled)
      problems.push(
        `GOVERNOR_MODE must be "enforce", "observe" or "off" (got ${JSON.stringify(rawMode)})`,
      );
  }
  if (disabled) {
    // The kill switch always wins, but loudly over an explicit mode: someone set that mode on purpose.
    if (rawMode && rawMode !== "off") {
      const shown = mode === rawMode ? rawMode : JSON.stringify(String(rawMode).slice(0, 40));
      notes.push(
        `governor: WARNING — GOVERNOR_DISABLED=${rawDisabled} overrides GOVERNOR_MODE=${shown}: policy enforcement is OFF and every tool runs without asking enforce. Unset GOVERNOR_DISABLED to use GOVERNOR_MODE again.`,
      );
    }
    mode = "off";
  }

  let failMode: FailMode = "closed";
  const rawFail = options.failMode ?? env.GOVERNOR_FAIL_MODE;
  if (rawFail !== undefined && rawFail !== "") {
    if (rawFail === "closed" || rawFail === "open") failMode = rawFail;
    else
      problems.push(
        `GOVERNOR_FAIL_MODE must be "closed" or "open" (got ${JSON.stringify(rawFail)})`,
      );
  }

  // governor.config.json first: its "enforce" block fills what the environment leaves unset.
  let map: IntentMap | null = null;
  let mapPath: string | undefined;
  let fileEnforce: EnforceBlock | undefined;
  let looked: string[] = [];
  const rawConfig = options.config ?? (env.GOVERNOR_CONFIG || undefined);
  if (rawConfig !== undefined && typeof rawConfig === "object") {
    const { enforce, ...rest } = rawConfig as IntentMap & { enforce?: unknown };
    const mapProblems = validateIntentMap(rest);
    if (mapProblems.length)
      problems.push(`config (intent map) is invalid: ${mapProblems.join("; ")}`);
    else map = rest;
    if (enforce !== undefined)
      fileEnforce = configFileEnforce(enforce, site.cwd, "config", problems);
  } else {
    const found = findConfigFile(rawConfig, site);
    looked = found.looked;
    mapPath = found.file;
    if (found.warning) notes.push(found.warning);
    if (found.problem && mode !== "off") problems.push(found.problem);
    if (mapPath && mode !== "off") {
      const read = readConfigFile(mapPath);
      if (read.problem) {
        if (site.intentMap !== false) problems.push(read.problem);
      } else {
        map = read.map;
        sources.configFile = mapPath;
        fileEnforce = read.enforce;
        problems.push(...read.enforceProblems);
      }
    }
  }

  let endpoint: URL | null = null;
  const urlFrom =
    options.enforceUrl !== undefined
      ? "the enforceUrl option"
      : env.GOVERNOR_ENFORCE_URL
        ? "GOVERNOR_ENFORCE_URL"
        : fileEnforce?.url !== undefined
          ? `${fileEnforce.file} "enforce.url"`
          : undefined;
  const rawUrl = options.enforceUrl ?? (env.GOVERNOR_ENFORCE_URL || undefined) ?? fileEnforce?.url;
  if (rawUrl === undefined || rawUrl === "") {
    if (mode !== "off")
      problems.push(
        `GOVERNOR_ENFORCE_URL is not set (looked in: the environment; ${describeFileLookup(mapPath, looked, fileEnforce, "url")}): set it to your management plane's base URL (e.g. http://127.0.0.1:8787), or add "enforce": { "url": "..." } to governor.config.json next to your app's package.json`,
      );
  } else {
    sources.enforceUrl = urlFrom;
    try {
      const u = new URL(rawUrl);
      if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error("protocol");
      if (u.username || u.password)
        problems.push("GOVERNOR_ENFORCE_URL must not contain credentials: use GOVERNOR_API_KEY");
      const base = u.pathname.replace(/\/+$/, "");
      u.pathname = base.endsWith(ENFORCE_PATH) ? base : base + ENFORCE_PATH;
      endpoint = u;
    } catch {
      // Echo the value without anything that may be a credential (user:pass@, query, fragment).
      // Not cut here: the secrets are only redacted below, and a cut secret would no longer match.
      problems.push(
        `GOVERNOR_ENFORCE_URL must be an http(s) URL (got ${JSON.stringify(safeUrl(String(rawUrl)))})`,
      );
    }
  }

  // Off: nothing is checked, so an unreadable key file must not stop the app.
  const secretProblems = mode === "off" ? [] : problems;
  const apiKey =
    options.apiKey ??
    pickSecret("GOVERNOR_API_KEY", env, site, fileEnforce, "apiKey", sources, secretProblems);
  if (options.apiKey !== undefined) sources.apiKey = "the apiKey option";
  if (apiKey !== undefined && (typeof apiKey !== "string" || /[\r\n]/.test(apiKey)))
    problems.push("GOVERNOR_API_KEY must be a single-line string");

  const headers: Record<string, string> = {};
  let rawHeaders: unknown = options.headers;
  const headersText =
    rawHeaders === undefined
      ? readSecretVar("GOVERNOR_HEADERS", env, site, secretProblems)?.value
      : undefined;
  if (rawHeaders === undefined && headersText) {
    try {
      rawHeaders = JSON.parse(headersText);
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
          problems.push(
            `GOVERNOR_HEADERS: header ${JSON.stringify(k)} must have a valid name and a single-line string value`,
          );
        } else if (CONNECTION_HEADERS.has(k.toLowerCase())) {
          // The HTTP client manages these; set here, every check would fail as "unreachable".
          problems.push(
            `GOVERNOR_HEADERS: header ${JSON.stringify(k)} is managed by governor's HTTP client; remove it`,
          );
        } else headers[k.toLowerCase()] = v;
      }
    }
  }

  const timeoutMs = numberOption(
    "GOVERNOR_TIMEOUT_MS",
    options.timeoutMs,
    env.GOVERNOR_TIMEOUT_MS,
    1000,
    problems,
    1,
    MAX_TIMER_MS,
  );
  const cacheTtlMs = numberOption(
    "GOVERNOR_CACHE_TTL_MS",
    options.cacheTtlMs,
    env.GOVERNOR_CACHE_TTL_MS,
    1000,
    problems,
  );
  const cacheMaxEntries = numberOption(
    "cacheMaxEntries",
    options.cacheMaxEntries,
    undefined,
    10_000,
    problems,
    1,
  );
  const auditBufferMax = numberOption(
    "auditBufferMax",
    options.auditBufferMax,
    undefined,
    10_000,
    problems,
    1,
  );

  let actor: Actor | null = null;
  if (options.actor !== undefined) {
    if (!options.actor || typeof options.actor.id !== "string" || !options.actor.id)
      problems.push("actor must be { id: string, type?: string }");
    else actor = { id: options.actor.id, type: options.actor.type || "agent" };
  } else if (env.GOVERNOR_ACTOR_ID) {
    actor = { id: env.GOVERNOR_ACTOR_ID, type: env.GOVERNOR_ACTOR_TYPE || "agent" };
  }

  const retry = {
    maxAttempts: Math.max(
      1,
      Math.floor(
        numberOption("retry.maxAttempts", options.retry?.maxAttempts, undefined, 3, problems, 1),
      ),
    ),
    baseDelayMs: numberOption(
      "retry.baseDelayMs",
      options.retry?.baseDelayMs,
      undefined,
      25,
      problems,
    ),
  };
  const breaker = {
    minimumRequests: numberOption(
      "breaker.minimumRequests",
      options.breaker?.minimumRequests,
      undefined,
      5,
      problems,
      2,
    ),
    failureRatio: numberOption(
      "breaker.failureRatio",
      options.breaker?.failureRatio,
      undefined,
      0.5,
      problems,
    ),
    windowMs: numberOption(
      "breaker.windowMs",
      options.breaker?.windowMs,
      undefined,
      10_000,
      problems,
      1,
    ),
    coolDownMs: numberOption(
      "breaker.coolDownMs",
      options.breaker?.coolDownMs,
      undefined,
      5_000,
      problems,
      1,
    ),
  };

  const auditLog = options.auditLog ?? (env.GOVERNOR_AUDIT_LOG || undefined);
  const decisionKey =
    options.decisionKey ??
    pickSecret(
      "GOVERNOR_DECISION_KEY",
      env,
      site,
      fileEnforce,
      "decisionKey",
      sources,
      secretProblems,
    );
  if (options.decisionKey !== undefined) sources.decisionKey = "the decisionKey option";
  if (decisionKey !== undefined && (typeof decisionKey !== "string" || decisionKey.length < 16)) {
    problems.push("GOVERNOR_DECISION_KEY must be at least 16 characters");
  }
  const decisionMaxTtlMs = numberOption(
    "GOVERNOR_DECISION_MAX_TTL_MS",
    options.decisionMaxTtlMs,
    env.GOVERNOR_DECISION_MAX_TTL_MS,
    300_000,
    problems,
    1,
  );

  // OAuth2 and mTLS (config-auth.ts). A key and OAuth together: which one is meant is a guess.
  const oauth = resolveOAuth(options.oauth, env, site, secretProblems, sources);
  if (sources.oauth && apiKey !== undefined)
    secretProblems.push(
      `${sources.apiKey ?? "GOVERNOR_API_KEY"} and OAuth client credentials (${sources.oauth}) are both set: use one (unset GOVERNOR_API_KEY to use OAuth)`,
    );
  const tls = resolveTls(options.tls, env, site.cwd, endpoint, secretProblems, sources);

  const guardNotes: string[] = [];
  const guard = resolveGuard(options.guard, mode, env, site.cwd, problems, guardNotes);
  const rawAllow = isObject(options.guard) ? (options.guard as GuardOptions).allow : undefined;
  const guardAllow = guard
    ? guard.allow
    : parseAllow(rawAllow ?? env.GOVERNOR_GUARD_ALLOW, env, site.cwd, problems);

  const telemetry = telemetrySettings(options.telemetry, env, (m) => notes.push(m));
  const warn = options.warn ? safeWarn(options.warn) : stderrWarn;
  for (const note of notes) warn(note);
  if (problems.length) {
    const redacted = problems.map((p) => redact(p, apiKey, decisionKey, oauth?.clientSecret));
    throw new GovernorConfigError(`governor config invalid: ${redacted.join("; ")}.`, {
      problems: redacted,
    });
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
    decisionMaxTtlMs,
    retry,
    breaker,
    auditBufferMax,
    warn,
    guard,
    guardNotes,
    guardAllow,
    guardModeRaw:
      (isObject(options.guard) ? (options.guard as GuardOptions).mode : undefined) ??
      env.GOVERNOR_GUARD_MODE,
    sources,
    oauth,
    tls,
    telemetry,
  };
}

/** Every secret the config holds, for each redactor (the client's, the audit log's, telemetry's). */
export function secretsOf(cfg: ResolvedConfig | null): (string | undefined)[] {
  if (!cfg) return [];
  return [
    cfg.apiKey,
    cfg.decisionKey,
    cfg.oauth?.clientSecret,
    ...Object.entries(cfg.headers)
      .filter(([k]) => CREDENTIAL_HEADER.test(k))
      .map(([, v]) => v),
  ];
}

/** A secret: `NAME`, else the file `NAME_FILE` names, else the file governor.config.json names. */
function pickSecret(
  name: string,
  env: Record<string, string | undefined>,
  site: ConfigSite,
  fileEnforce: EnforceBlock | undefined,
  key: "apiKey" | "decisionKey",
  sources: ResolvedConfig["sources"],
  problems: string[],
): string | undefined {
  const fromEnv = readSecretVar(name, env, site, problems);
  if (fromEnv) {
    sources[key] = fromEnv.from;
    return fromEnv.value;
  }
  const fromFile = fileEnforce?.[key];
  if (fromFile) sources[key] = fromFile.from;
  return fromFile?.value;
}

/** For "is not set" messages: which governor.config.json was read, or where none was found. */
function describeFileLookup(
  file: string | undefined,
  looked: string[],
  enforce: EnforceBlock | undefined,
  key: string,
): string {
  if (file) return `${file} (${enforce ? `no "enforce.${key}"` : `no "enforce" block`})`;
  if (!looked.length) return "no governor.config.json (an intent map was passed in code)";
  return `governor.config.json, not found at ${looked.join(" or ")}`;
}
