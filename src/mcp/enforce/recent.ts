// This server's recent decisions, for explain_decision and governor://denials/recent: bounded (the
// oldest go first, and each entry cut to a few kB), redacted of every configured secret, and without
// decision tokens.
import type { Intent } from "../../runtime/index.js";
import { clip, makeRedactor, type Redactor } from "../../runtime/redact.js";
import { scrubJson } from "./scrub.js";

export interface RecentDecision {
  time: string;
  /** The MCP tool that asked, and for check_tool_call the tool whose call was checked. */
  asked: "enforce_intent" | "check_tool_call" | "explain_decision";
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

// An agent's 1 MB action, or enforce's 1 MB trace, kept 100 times and sent 50 at a time would hold
// hundreds of MB and stall every client on one read. Longer than the runtime's 500-character clip.
const MAX_TEXT = 1000;
const MAX_NODES = 1000;
const MAX_CHARS = 16_000;

/** A copy cut to MAX_TEXT per string and MAX_NODES / MAX_CHARS in all (after redaction: a cut key is not found). */
function bounded(value: unknown, left = { nodes: MAX_NODES, chars: MAX_CHARS }): unknown {
  if (--left.nodes < 0) return "…";
  if (typeof value === "string") {
    const s = clip(value, Math.max(0, Math.min(MAX_TEXT, left.chars)));
    left.chars -= s.length;
    return s;
  }
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (let i = 0; i < value.length && left.nodes > 0; i++) out.push(bounded(value[i], left));
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (left.nodes <= 0) break;
    Object.defineProperty(out, bounded(k, left) as string, {
      value: bounded(v, left),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

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
    // Scrubbed first, then cut: a key cut in half would no longer be found.
    const text = (v: string | null) => (v === null ? null : clip(this.scrub(v), MAX_TEXT));
    this.entries.push({
      ...entry,
      tool: text(entry.tool),
      intent: bounded(scrubJson(entry.intent, this.scrub)) as Intent,
      reason: text(entry.reason),
      deny_code: text(entry.deny_code),
      request_id: text(entry.request_id),
      rule_id: text(entry.rule_id),
      canonicalization_trace: bounded(
        scrubJson(entry.canonicalization_trace, this.scrub),
      ) as unknown[],
    });
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
