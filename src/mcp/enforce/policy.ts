// The policy this server can see, for governor://policy/summary and explain_decision: a --policy file
// in governor serve's format (validated at startup: a bad file fails before the handshake), else the
// enforce server's GET /api/v2/policy/summary (404: it has none), else nothing.
import { CliError } from "../../cli-support/errors.js";
import type { EnforceHttp } from "./enforce-http.js";

export interface SummaryRule {
  id: string;
  effect: "allow" | "deny";
  when: Record<string, unknown>;
}

export interface PolicySummary {
  /** Where it came from: the file's path, or the enforce server's summary URL. */
  source: string;
  default: "allow" | "deny";
  rules: SummaryRule[];
}

/** A summary, or why there is none, in words for the agent. */
export type SummaryResult = { summary: PolicySummary } | { none: string };

export const NO_POLICY =
  "No policy is visible to this server: start it with --policy <file>, or point --url at an enforce server that answers GET /api/v2/policy/summary.";

// serve's reader (and yaml behind it) loads only with --policy: the handshake stays fast without it.
async function fromFile(file: string): Promise<PolicySummary> {
  const { compilePolicy, readPolicyFile } = await import("../../server/policy-file.js");
  const p = compilePolicy(await readPolicyFile(file), file);
  return {
    source: file,
    default: p.default,
    rules: p.rules.map((r) => ({ id: r.id, effect: r.effect, when: { ...r.when } })),
  };
}

/** Reads and validates --policy now; a CliError when it is not a valid policy. */
export async function loadPolicyFile(file: string): Promise<PolicySummary> {
  try {
    return await fromFile(file);
  } catch (err) {
    const { PolicyError } = await import("../../server/policy.js");
    if (err instanceof PolicyError)
      throw new CliError(
        "policy_invalid",
        err.message,
        err.fix ?? "Fix the policy file (governor serve's format) or leave out --policy.",
      );
    throw err;
  }
}

function isSummary(v: unknown): v is Omit<PolicySummary, "source"> {
  const o = v as PolicySummary;
  return (
    typeof o === "object" &&
    o !== null &&
    (o.default === "allow" || o.default === "deny") &&
    Array.isArray(o.rules) &&
    o.rules.every(
      (r) =>
        typeof r?.id === "string" &&
        (r.effect === "allow" || r.effect === "deny") &&
        typeof r.when === "object" &&
        r.when !== null,
    )
  );
}

export interface PolicySource {
  summary(): Promise<SummaryResult>;
}

/** The file is read again on every use (serve reloads it too); the enforce server is asked every time. */
export function policySource(file: string | undefined, enforce: EnforceHttp | null): PolicySource {
  return {
    async summary() {
      if (file) {
        try {
          return { summary: await fromFile(file) };
        } catch (err) {
          return { none: `The policy file ${file} cannot be used now: ${(err as Error).message}` };
        }
      }
      if (!enforce) return { none: NO_POLICY };
      const got = await enforce.get("/api/v2/policy/summary").catch(() => undefined);
      if (got?.status === 200 && isSummary(got.body))
        return {
          summary: {
            source: got.url,
            default: got.body.default,
            rules: got.body.rules.map((r) => ({ id: r.id, effect: r.effect, when: r.when })),
          },
        };
      return { none: NO_POLICY };
    },
  };
}
