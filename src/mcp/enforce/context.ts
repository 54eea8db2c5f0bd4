// What one enforce MCP server process shares across its sessions: the governor (the runtime's own
// client, enforce mode, fail closed, no cache), the actor, the intent map, recent decisions, the audit
// log and the policy source. Everything that can be wrong is found here, before the handshake.
import { performance } from "node:perf_hooks";
import { cliGovernor, explainNoDecision, type CliGovernor } from "../../cli-support/enforce.js";
import { CliError } from "../../cli-support/errors.js";
import { intentMapFor } from "../../cli-support/intent-args.js";
import { resolveKey } from "../../cli-support/secrets.js";
import { resolveConfig } from "../../runtime/config.js";
import { processSite } from "../../runtime/config-file.js";
import type { Actor, Intent, IntentMap } from "../../runtime/index.js";
import { safeUrl } from "../../runtime/redact.js";
import { checkAudit, type CheckAudit } from "./audit.js";
import { enforceHttp, type EnforceHttp } from "./enforce-http.js";
import { loadPolicyFile, policySource, type PolicySource } from "./policy.js";
import { RecentDecisions } from "./recent.js";

export interface EnforceServerOptions {
  /** enforce base URL; default GOVERNOR_ENFORCE_URL. */
  url?: string;
  /** A policy file in governor serve's format, for the summary. */
  policyFile?: string;
  /** The project directory: where governor.config.json is looked for. Default: the process's. */
  cwd?: string;
  /** Take the actor from tool arguments when given. */
  trustActor?: boolean;
  /** This server's own bearer key (HTTP): only to keep it out of every record. */
  mcpKey?: string;
  env?: NodeJS.ProcessEnv;
}

export interface EnforceContext {
  governor: CliGovernor;
  /** As shown to people (no credentials or query string). */
  shownUrl: string;
  apiKeySet: boolean;
  actor: Actor;
  trustActor: boolean;
  map: IntentMap | null;
  recent: RecentDecisions;
  audit: CheckAudit;
  policy: PolicySource;
  enforce: EnforceHttp;
  close(): Promise<void>;
}

/** Header values long enough to be keys are kept out of every answer, as the runtime does. */
const secretHeaderValues = (headers: Record<string, string>) =>
  Object.values(headers).filter((v) => v.length >= 8);

export const DEFAULT_ACTOR: Actor = { id: "governor-mcp", type: "agent" };

export async function createEnforceContext(o: EnforceServerOptions): Promise<EnforceContext> {
  const env = o.env ?? process.env;
  const url = o.url ?? (env.GOVERNOR_ENFORCE_URL || undefined);
  if (!url)
    throw new CliError(
      "enforce_url_missing",
      "no enforce URL: governor mcp asks an enforce server for every decision.",
      "Pass --url <enforce base URL> or set GOVERNOR_ENFORCE_URL (for a local one: `governor serve --policy <file>`).",
    );
  const apiKey = resolveKey({ flag: "--api-key", env: "GOVERNOR_API_KEY" }, {}, { env });
  const decisionKey = resolveKey(
    { flag: "--decision-key", env: "GOVERNOR_DECISION_KEY" },
    {},
    { env },
  );
  // Its clients hold the MCP key: the enforce key would let them ask enforce directly, the decision
  // key would let them sign an ALLOW. Compared as resolved, so a *_FILE or a key file counts too.
  if (o.mcpKey && (o.mcpKey === apiKey || o.mcpKey === decisionKey))
    throw new CliError(
      "invalid_options",
      `this server's key is the ${o.mcpKey === apiKey ? "enforce key (GOVERNOR_API_KEY)" : "decision key (GOVERNOR_DECISION_KEY)"}.`,
      "Give governor mcp a key of its own (--api-key-file or GOVERNOR_MCP_API_KEY): its clients must not hold enforce's keys.",
    );
  if (o.policyFile) await loadPolicyFile(o.policyFile);
  const { map } = intentMapFor(undefined, env, o.cwd);
  let governor: CliGovernor;
  try {
    governor = cliGovernor({ url, apiKey, config: {}, env });
  } catch (err) {
    const why = explainNoDecision(err, url, { apiKeySet: Boolean(apiKey) });
    throw new CliError(why.code, why.message, why.fix);
  }
  // the summary and canonicalize requests carry what every check carries (a tenant header, say)
  const { headers } = resolveConfig(
    { enforceUrl: url, apiKey, mode: "enforce", failMode: "closed", cacheTtlMs: 0, env },
    { ...processSite(), intentMap: false },
  );
  const secrets = [apiKey, decisionKey, o.mcpKey, ...secretHeaderValues(headers)];
  const audit = checkAudit(env, secrets);
  const enforce = enforceHttp(url, apiKey, secrets, headers);
  return {
    governor,
    shownUrl: safeUrl(url),
    apiKeySet: Boolean(apiKey),
    actor: env.GOVERNOR_ACTOR_ID
      ? { id: env.GOVERNOR_ACTOR_ID, type: env.GOVERNOR_ACTOR_TYPE || "agent" }
      : DEFAULT_ACTOR,
    trustActor: Boolean(o.trustActor),
    map,
    recent: new RecentDecisions(secrets),
    audit,
    policy: policySource(o.policyFile, enforce),
    enforce,
    async close() {
      audit.close();
      await governor.close();
    },
  };
}

export interface Checked {
  decision: "ALLOW" | "DENY";
  reason: string | null;
  deny_code: string | null;
  request_id: string | null;
  expires_at: string | null;
  decision_token: string | null;
  intent: Intent;
  /** No decision could be had: this DENY is the server's, not enforce's. */
  noDecision: boolean;
  rule_id: string | null;
  trace: unknown[];
}

const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : null);

/** Ask enforce through the runtime. Never throws: no decision is a DENY that says why. */
export async function decide(ctx: EnforceContext, intent: Intent): Promise<Checked> {
  try {
    const d = await ctx.governor.check(intent);
    return {
      decision: d.decision,
      reason: d.reason,
      deny_code: d.denyCode,
      request_id: d.requestId,
      expires_at: str(d.metadata.expires_at),
      decision_token: d.decision === "ALLOW" ? str(d.metadata.decision_token) : null,
      intent,
      noDecision: false,
      rule_id: str(d.metadata.rule_id),
      trace: d.trace,
    };
  } catch (err) {
    const why = explainNoDecision(err, ctx.shownUrl, { apiKeySet: ctx.apiKeySet, flags: false });
    return {
      decision: "DENY",
      reason: `No decision, so this is a DENY: ${why.message.replace(/\.?$/, ".")} ${why.fix}`,
      deny_code: why.code,
      request_id: null,
      expires_at: null,
      decision_token: null,
      intent,
      noDecision: true,
      rule_id: null,
      trace: [],
    };
  }
}

/** decide(), then one audit line and a place among the recent decisions. */
export async function checkAndRecord(
  ctx: EnforceContext,
  intent: Intent,
  asked: "enforce_intent" | "check_tool_call" | "explain_decision",
  tool: string | null,
): Promise<Checked> {
  const started = performance.now();
  const c = await decide(ctx, intent);
  ctx.audit.write({
    checkedBy: asked,
    tool,
    intent,
    decision: c.noDecision ? null : c.decision,
    requestId: c.request_id,
    latencyMs: performance.now() - started,
    errorCode: c.noDecision ? c.deny_code : null,
    denyCode: c.noDecision ? null : c.deny_code,
  });
  ctx.recent.add({
    time: new Date().toISOString(),
    asked,
    tool,
    intent,
    decision: c.decision,
    reason: c.reason,
    deny_code: c.deny_code,
    request_id: c.request_id,
    rule_id: c.rule_id,
    canonicalization_trace: c.trace,
  });
  return c;
}
