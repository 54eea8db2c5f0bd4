// This server's recent decisions, for explain_decision and governor://denials/recent: bounded (the
// oldest go first), redacted of every configured secret, and without decision tokens.
import type { Intent } from "../../runtime/index.js";
import { makeRedactor, redactJson, type Redactor } from "../../runtime/redact.js";

export interface RecentDecision {
  time: string;
  /** The MCP tool that asked, and for check_tool_call the tool whose call was checked. */
  asked: "enforce_intent" | "check_tool_call";
  tool: string | null;
  intent: Intent;
  decision: "ALLOW" | "DENY";
  reason: string | null;
  deny_code: string | null;
  request_id: string | null;
  rule_id: string | null;
  canonicalization_trace: unknown[];
}

export const RECENT_MAX = 100;

export class RecentDecisions {
  private readonly entries: RecentDecision[] = [];
  private readonly scrub: Redactor;

  constructor(
    secrets: (string | undefined)[],
    private readonly max = RECENT_MAX,
  ) {
    this.scrub = makeRedactor(secrets);
  }

  add(entry: RecentDecision): void {
    this.entries.push(redactJson(entry, this.scrub) as RecentDecision);
    if (this.entries.length > this.max) this.entries.shift();
  }

  byRequestId(id: string): RecentDecision | undefined {
    for (let i = this.entries.length - 1; i >= 0; i--)
      if (this.entries[i].request_id === id) return this.entries[i];
    return undefined;
  }

  /** The last `limit` DENYs, newest first. */
  denials(limit = 50): RecentDecision[] {
    const out: RecentDecision[] = [];
    for (let i = this.entries.length - 1; i >= 0 && out.length < limit; i--)
      if (this.entries[i].decision === "DENY") out.push(this.entries[i]);
    return out;
  }
}
