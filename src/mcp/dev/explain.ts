// governor_explain_denial: what a denial means and what to change, from a request id in this
// project's audit log (GOVERNOR_AUDIT_LOG) or a tool name with its deny code / reason.
import { isObject } from "../../runtime/shared.js";
import path from "node:path";
import { buildIntent, loadIntentMap, type Intent, type IntentMap } from "../../runtime/index.js";
import { canonicalize } from "../../server/canonicalize.js";
import { evaluate } from "../../server/evaluate.js";
import { compilePolicy } from "../../server/policy-file.js";
import type { IntentBody } from "../../server/request.js";
import { intentMapFile } from "./intent.js";
import { DevToolError, readRegularFile } from "./result.js";

export interface ExplainArgs {
  request_id?: string;
  tool?: string;
  deny_code?: string;
  reason?: string;
  /** A policy file in `governor serve`'s format, to name the rule that decides. */
  policy?: string;
  /** The app's audit log, when this server's GOVERNOR_AUDIT_LOG is not it. */
  auditLog?: string;
}

type Kind = "policy" | "enforce" | "auth" | "signature" | "config" | "intent" | "guard";

const CODES: Record<string, { kind: Kind; means: string }> = {
  authz_policy_denied: {
    kind: "policy",
    means: "a policy rule (or the policy default) denies this intent",
  },
  policy_denied: { kind: "policy", means: "enforce answered DENY" },
  stepup_required: {
    kind: "policy",
    means: "the policy wants stronger authentication or a human approver first",
  },
  dlp_credentials_detected: {
    kind: "policy",
    means: "enforce saw credentials in the request's data",
  },
  rate_limit_exceeded: {
    kind: "policy",
    means: "the actor asked too often; the policy limits the rate",
  },
  decision_unverified: {
    kind: "signature",
    means:
      "the decision was not signed with GOVERNOR_DECISION_KEY (or the signature failed), so it counts as DENY",
  },
  enforce_unavailable: {
    kind: "enforce",
    means: "no decision: enforce could not be reached or failed, and fail mode closed refuses",
  },
  timeout: {
    kind: "enforce",
    means: "no decision within GOVERNOR_TIMEOUT_MS, and fail mode closed refuses",
  },
  circuit_open: {
    kind: "enforce",
    means: "enforce failed repeatedly, so the breaker refuses without asking for a while",
  },
  auth_failed: { kind: "auth", means: "enforce rejected the API key (401/403)" },
  bad_response: { kind: "enforce", means: "enforce answered something that is not a decision" },
  config_invalid: {
    kind: "config",
    means: "governor's configuration is invalid, so nothing is allowed",
  },
  intent_invalid: {
    kind: "intent",
    means:
      "the call could not be described to enforce (an argument getter threw, or an intent override is not plain JSON)",
  },
  guard_blocked: {
    kind: "guard",
    means:
      "a side effect (http, exec, fs) ran outside an allowed tool call or scope, or outside its narrowing",
  },
};

const FIX: Record<Kind, string> = {
  policy:
    "If the call is right and should run, change the policy: the rule named here (or add an allow rule for this action and resource type before it). If the intent is wrong for what the tool does, change its entry in governor.config.json (tools.<name>: action, resource, data), then check with governor_test_intent.",
  enforce:
    "Make enforce reachable: check GOVERNOR_ENFORCE_URL and that the server runs (`governor doctor` checks both); raise GOVERNOR_TIMEOUT_MS if it is only slow.",
  auth: "Give the app a key enforce accepts: GOVERNOR_API_KEY or GOVERNOR_API_KEY_FILE (never commit it).",
  signature:
    "Give the app and the enforce server the same GOVERNOR_DECISION_KEY, or unset it in the app if decisions are not signed.",
  config: "Run `governor doctor`: its config and intent-map checks say which setting is wrong.",
  intent:
    "Fix the tool's intent: its entry in governor.config.json, or the gate's `intent` / `argsOf` option, so it is plain JSON.",
  guard:
    "Run the side effect inside the gated tool call (or an intentScope), or list its target in GOVERNOR_GUARD_ALLOW if it should always go through.",
};

/** The last 8 MiB of the log: enough for recent decisions, bounded for a log that is never rotated. */
const TAIL = 8 * 1024 * 1024;
/** A policy file is small; anything bigger is not one. */
const MAX_POLICY = 1024 * 1024;

interface AuditLine {
  tool?: string;
  intent?: Intent | null;
  decision?: string | null;
  outcome?: string;
  requestId?: string | null;
  denyCode?: string | null;
  errorCode?: string | null;
  mode?: string;
  gatedBy?: string;
  time?: string;
}

const str = (v: unknown) => v === undefined || v === null || typeof v === "string";

/** What the runtime writes per gated call or check: a tool name, a decision or outcome, strings. */
function isAuditLine(r: unknown): r is AuditLine {
  if (!r || typeof r !== "object" || Array.isArray(r)) return false;
  const a = r as Record<string, unknown>;
  return (
    typeof a.tool === "string" &&
    (typeof a.decision === "string" || typeof a.outcome === "string") &&
    [a.decision, a.outcome, a.denyCode, a.errorCode, a.mode, a.gatedBy, a.time].every(str) &&
    (a.intent === undefined || a.intent === null || isObject(a.intent))
  );
}

function findRecord(cwd: string, id: string, given: string | undefined, env: NodeJS.ProcessEnv) {
  const where = given ?? env.GOVERNOR_AUDIT_LOG;
  if (!where || where === "stderr")
    throw new DevToolError(
      "no_audit_log",
      where
        ? "GOVERNOR_AUDIT_LOG is stderr here: there is no file to look the request id up in."
        : "GOVERNOR_AUDIT_LOG is not set for this server, so there is no audit log to look the request id up in.",
      "Pass `auditLog` (the file the app's GOVERNOR_AUDIT_LOG names), or set GOVERNOR_AUDIT_LOG for this MCP server too; or call again with `tool` and `deny_code` / `reason`.",
      { request_id: id },
    );
  const file = path.resolve(cwd, where);
  let text: string;
  try {
    text = readRegularFile(file, TAIL, true);
  } catch (err) {
    throw new DevToolError(
      "audit_log_unreadable",
      `The audit log ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? "error"}).`,
      "Check GOVERNOR_AUDIT_LOG: the app writes it once a gated tool runs.",
      { auditLog: file },
    );
  }
  // Only an audit line counts, and nothing about other lines is told (not even how many hold the
  // id): `auditLog` may name any file, and this answer must not become a way to read one.
  let found: AuditLine | undefined;
  for (const line of text.split("\n")) {
    if (!line.includes(id)) continue;
    try {
      const r = JSON.parse(line) as AuditLine;
      if (isAuditLine(r) && r.requestId === id) found = r;
    } catch {
      // a torn last line while the app writes: skip it
    }
  }
  if (!found)
    throw new DevToolError(
      "request_not_found",
      `No audit record with request id ${id} in ${file}.`,
      "Check the id (the refusal message and the audit line carry it), or call again with `tool` and `deny_code` / `reason`.",
      { auditLog: file },
    );
  return { record: found, file };
}

function intentMap(cwd: string, env: NodeJS.ProcessEnv): { map: IntentMap | null; file?: string } {
  const file = intentMapFile(cwd, env);
  if (!file) return { map: null };
  try {
    return { map: loadIntentMap(file), file };
  } catch (err) {
    throw new DevToolError("config_invalid", (err as Error).message, "Fix the intent map.", {
      file,
    });
  }
}

function policyRule(file: string, intent: Intent) {
  let text: string;
  try {
    text = readRegularFile(file, MAX_POLICY);
  } catch (err) {
    throw new DevToolError(
      "policy_unreadable",
      `The policy ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? "error"}).`,
      "Pass `policy`: the policy file (YAML or JSON, governor serve's format) the enforce server runs, or leave it out.",
      { policy: file },
    );
  }
  let policy: ReturnType<typeof compilePolicy>;
  try {
    policy = compilePolicy(text, file);
  } catch (err) {
    // the parser quotes the value it rejects ("got ..."): from a file that is no policy, that could
    // be anything in it
    throw new DevToolError(
      "policy_invalid",
      (err as Error).message.replace(/,? got [\s\S]*$/, " (the value is not shown)."),
      "Pass `policy`: a policy file in governor serve's format (the one the enforce server runs), or leave it out.",
      { policy: file },
    );
  }
  const { intent: canonical } = canonicalize(intent as unknown as IntentBody, policy.vocabulary);
  const v = evaluate(policy, canonical);
  return {
    file,
    effect: v.effect,
    rule: v.rule ? { id: v.rule.id, effect: v.rule.effect, when: v.rule.when } : null,
    default: v.rule ? undefined : policy.default,
    reason: v.reason,
    deny_code: v.denyCode ?? null,
    canonical: { action: canonical.action, resource: canonical.resource },
  };
}

export function explainDenial(cwd: string, a: ExplainArgs, env: NodeJS.ProcessEnv) {
  let record: AuditLine | undefined;
  let auditLog: string | undefined;
  if (a.request_id) ({ record, file: auditLog } = findRecord(cwd, a.request_id, a.auditLog, env));
  const tool = record?.tool ?? a.tool;
  if (!tool)
    throw new DevToolError(
      "invalid_arguments",
      "Say which denial: a `request_id` from the audit log, or the `tool` name with its `deny_code` or `reason`.",
      "Call again with request_id, or with tool and deny_code.",
    );
  const code =
    record?.denyCode ??
    record?.errorCode ??
    a.deny_code ??
    (record?.decision === "DENY" ? "policy_denied" : undefined);
  const known = code ? CODES[code] : undefined;
  const kind: Kind = known?.kind ?? "policy";
  const { map, file: mapFile } = intentMap(cwd, env);
  const entry = map?.tools?.[tool];
  // what the gate sends for this tool now (from the map, or inferred from the name); no argument values
  const intent = record?.intent ?? buildIntent(tool, {}, { map });
  const policy = a.policy ? policyRule(path.resolve(cwd, a.policy), intent) : undefined;
  return {
    tool,
    ...(a.request_id && { request_id: a.request_id }),
    ...(record && {
      recorded: {
        time: record.time,
        decision: record.decision,
        outcome: record.outcome,
        mode: record.mode,
        gatedBy: record.gatedBy,
        auditLog,
      },
    }),
    code: code ?? null,
    means:
      known?.means ??
      (code
        ? `a deny code of your enforce server ("${code}"): see its policy`
        : "enforce answered DENY"),
    ...(a.reason && { reason: a.reason }),
    intent,
    intentMap: {
      file: mapFile ?? null,
      entry: entry ?? null,
      ...(entry === undefined && {
        note: "no entry for this tool: its action and resource are inferred from the name (governor init writes entries you can edit)",
      }),
    },
    ...(policy && { policy }),
    change:
      kind === "policy" && policy?.rule
        ? `${FIX.policy} Rule "${policy.rule.id}" in ${policy.file} decides this intent.`
        : FIX[kind],
  };
}
