// One `"type": "check"` line per enforce_intent / check_tool_call, into the audit log the runtime
// uses (GOVERNOR_AUDIT_LOG). cliGovernor drops that setting for its own governor, so we write here.
import { AuditLog } from "../../runtime/audit.js";
import type { Intent } from "../../runtime/index.js";

export interface CheckRecord {
  /** The MCP tool that asked. */
  checkedBy: "enforce_intent" | "check_tool_call" | "explain_decision";
  /** The tool whose call was checked (check_tool_call), else null. */
  tool: string | null;
  intent: Intent | null;
  decision: "ALLOW" | "DENY" | null;
  requestId: string | null;
  latencyMs: number;
  errorCode: string | null;
  denyCode: string | null;
}

export interface CheckAudit {
  write(rec: CheckRecord): void;
  close(): void;
}

const warn = (m: string) => process.stderr.write(m + "\n");

/** The audit log named by GOVERNOR_AUDIT_LOG, or none. Secrets are cut from every line. */
export function checkAudit(env: NodeJS.ProcessEnv, secrets: (string | undefined)[]): CheckAudit {
  const target = env.GOVERNOR_AUDIT_LOG || undefined;
  if (!target) return { write() {}, close() {} };
  const log = new AuditLog(target, 10_000, warn, secrets);
  return {
    write(rec) {
      const { denyCode, ...rest } = rec;
      log.write({
        type: "check",
        time: new Date().toISOString(),
        ...rest,
        latencyMs: Math.round(rec.latencyMs * 1000) / 1000,
        mode: "enforce",
        cached: false,
        ...(denyCode && { denyCode }),
      });
    },
    close: () => log.close(),
  };
}
