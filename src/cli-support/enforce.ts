// The runtime's own governor, set up for one-off CLI questions (test-intent, doctor): always enforce,
// fail closed, no cache, no audit file. No second client: every call goes through createGovernor().check().
import {
  createGovernor,
  GovernorAuthError,
  GovernorConfigError,
  GovernorProtocolError,
  GovernorUnavailableError,
  type Intent,
  type IntentMap,
} from "../runtime/index.js";
import { safeUrl } from "../runtime/redact.js";

export interface CliGovernorOptions {
  url?: string;
  apiKey?: string;
  timeoutMs?: number;
  /** Intent map path or the map itself; `{}` means none (the CLI builds intents itself). */
  config?: string | IntentMap;
  env?: NodeJS.ProcessEnv;
}

export interface CliDecision {
  decision: "ALLOW" | "DENY";
  allowed: boolean;
  requestId: string | null;
  reason: string | null;
  denyCode: string | null;
  latencyMs: number;
  trace: unknown[];
  metadata: Record<string, unknown>;
}

/** A decision as `governor test-intent --json` and the MCP dev server's governor_test_intent print it. */
export function decisionFields(d: CliDecision) {
  return {
    decision: d.decision,
    allowed: d.allowed,
    reason: d.reason,
    deny_code: d.denyCode,
    request_id: d.requestId,
    latency_ms: Math.round(d.latencyMs * 100) / 100,
  };
}

export interface CliGovernor {
  check(intent: Intent): Promise<CliDecision>;
  close(): Promise<void>;
}

export function cliGovernor(opts: CliGovernorOptions): CliGovernor {
  const env = { ...(opts.env ?? process.env) };
  delete env.GOVERNOR_AUDIT_LOG; // a CLI question is not an agent's tool call
  // nor is the CLI the app the guards watch: its own requests to enforce are not side effects
  for (const k of Object.keys(env)) if (k.startsWith("GOVERNOR_GUARD")) delete env[k];
  const g = createGovernor({
    enforceUrl: opts.url,
    apiKey: opts.apiKey,
    timeoutMs: opts.timeoutMs,
    config: opts.config,
    mode: "enforce",
    failMode: "closed",
    cacheTtlMs: 0,
    warn: () => {},
    env,
  });
  let warmed: Promise<unknown> | undefined;
  return {
    async check(intent) {
      // The runtime loads undici on its first check; load it first so latency shows the PDP, not our import.
      await (warmed ??= import("undici").catch(() => undefined));
      const d = await g.check(intent);
      const metadata = d.metadata ?? {};
      const trace = (d.trace ?? metadata.canonicalization_trace ?? []) as unknown[];
      return {
        decision: d.decision,
        allowed: d.allowed,
        requestId: d.requestId ?? null,
        reason: d.reason ?? null,
        denyCode: d.denyCode ?? null,
        latencyMs: d.latencyMs,
        trace: Array.isArray(trace) ? trace : [],
        metadata,
      };
    },
    close: async () => {
      await g.close();
    },
  };
}

export interface NoDecision {
  code: string;
  kind: "config" | "auth" | "unavailable" | "protocol" | "other";
  message: string;
  fix: string;
  status?: number;
}

/** The runtime's messages are written for a gated tool call ("so the tool was not run. Check GOVERNOR_..."):
 *  keep what happened, drop the advice, since the CLI gives its own fix for what the user typed. */
export function plainMessage(message: string): string {
  return message
    .replace(/,? so the tool(?: "[^"]*")? was not run\.[\s\S]*$/, ".")
    .replace(/^The policy service/, "enforce");
}

/** A network error code in a runtime message: "... could not be reached (ECONNREFUSED) ...". */
const networkCode = (message: string) => /\(([A-Z][A-Z0-9_]{3,})\)/.exec(message)?.[1];

/** Why no decision could be had, and what the user should do about it. `flags: false` (governor mcp,
 *  whose settings are the environment's): the fixes name environment variables, not test-intent's flags. */
export function explainNoDecision(
  err: unknown,
  url: string | undefined,
  opts: { apiKeySet?: boolean; flags?: boolean } = {},
): NoDecision {
  const found = explainWithFlags(err, url, opts);
  if (opts.flags !== false) return found;
  return { ...found, fix: withoutFlags(found.fix) };
}

/** test-intent's advice in environment variables. */
function withoutFlags(fix: string): string {
  return fix
    .replace(/pass --api-key <key> or set GOVERNOR_API_KEY/g, "set GOVERNOR_API_KEY")
    .replace(/Pass --api-key <key> or set GOVERNOR_API_KEY/g, "Set GOVERNOR_API_KEY")
    .replace(
      /give the key with --api-key <key> \(or GOVERNOR_API_KEY\)/g,
      "give the key in GOVERNOR_API_KEY",
    )
    .replace(
      /Pass --url <enforce base URL> (\([^)]*\) )?or set GOVERNOR_ENFORCE_URL/g,
      (_, hint?: string) => `Set GOVERNOR_ENFORCE_URL${hint ? " " + hint.trim() : ""}`,
    )
    .replace(/--url http:\/\//g, "GOVERNOR_ENFORCE_URL=http://")
    .replace(/give it longer with --timeout <ms>/g, "give it longer with GOVERNOR_TIMEOUT_MS")
    .replace(/Run again with GOVERNOR_DEBUG=1/g, "Restart the server with GOVERNOR_DEBUG=1");
}

function explainWithFlags(
  err: unknown,
  url: string | undefined,
  opts: { apiKeySet?: boolean },
): NoDecision {
  const e = err as { code?: string; message?: string; status?: number };
  const raw = e?.message ?? String(err);
  const message = plainMessage(raw);
  const where = url ? safeUrl(url) : "GOVERNOR_ENFORCE_URL";
  if (err instanceof GovernorConfigError) {
    const bare = /must be an http\(s\) URL \(got "([^"]+)"\)/.exec(raw)?.[1];
    const fix =
      bare && !/^[a-z][a-z0-9+.-]*:\/\//i.test(bare)
        ? `Give the scheme too: --url http://${bare} (or https://).`
        : /must not contain credentials/.test(raw)
          ? "Remove the credentials (user:secret@) from the URL and give the key with --api-key <key> (or GOVERNOR_API_KEY)."
          : /GOVERNOR_ENFORCE_URL|enforceUrl|enforce URL/i.test(raw)
            ? "Pass --url <enforce base URL> (try `governor serve --policy <file>` for a local one) or set GOVERNOR_ENFORCE_URL, and fix the settings named above."
            : "Fix the settings named above.";
    return { kind: "config", code: "config_invalid", message, fix };
  }
  if (err instanceof GovernorAuthError) {
    const keyless = opts.apiKeySet === false;
    return {
      kind: "auth",
      code: "auth_failed",
      status: e.status,
      message: keyless ? `${message.replace(/\.$/, "")}: no API key was sent.` : message,
      fix: keyless
        ? "This enforce server needs a key: pass --api-key <key> or set GOVERNOR_API_KEY (for governor serve: the key given to its --api-key / GOVERNOR_SERVE_API_KEY)."
        : "Pass --api-key <key> or set GOVERNOR_API_KEY to a key the enforce server accepts (for governor serve: its --api-key / GOVERNOR_SERVE_API_KEY).",
    };
  }
  if (err instanceof GovernorProtocolError)
    return {
      kind: "protocol",
      code: "bad_response",
      status: e.status,
      message,
      fix: `Check that ${where} is the management plane's base URL (the path /api/v2/enforce is added) and that it speaks the enforce API.`,
    };
  if (err instanceof GovernorUnavailableError) {
    const net = networkCode(raw);
    let fix: string;
    if (e.status && e.status >= 500)
      fix = `The enforce server at ${where} failed (HTTP ${e.status}): check its logs, then try again.`;
    else if (e.code === "timeout")
      fix = `The enforce server at ${where} is slow or stuck: check it, or give it longer with --timeout <ms>.`;
    else if (net === "ENOTFOUND" || net === "EAI_AGAIN")
      fix = `The host name in ${where} does not resolve: check it for typos (and this machine's DNS).`;
    else if (net && /SSL|TLS|EPROTO/.test(net))
      fix = `${where} does not speak HTTPS on that port: use http:// if it is a plain HTTP server (governor serve is).`;
    else if (net && /CERT|SELF_SIGNED|ISSUER/.test(net))
      fix =
        "The server's certificate is not trusted here: fix the certificate, or for a private CA set NODE_EXTRA_CA_CERTS=<ca.pem>.";
    else
      fix = `Check that the enforce server at ${where} is running and reachable (locally: \`governor serve --policy <file>\`).`;
    return {
      kind: "unavailable",
      code: e.code ?? "enforce_unavailable",
      status: e.status,
      message,
      fix,
    };
  }
  return {
    kind: "other",
    code: e?.code ?? "error",
    message,
    fix: "Run again with GOVERNOR_DEBUG=1 for details.",
  };
}
