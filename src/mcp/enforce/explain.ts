// What decided an intent and what would change the answer: the matched rule, and for a DENY the
// nearest allow rules with the fields that keep them from matching, read from the policy summary.
import type { Intent } from "../../runtime/index.js";
import { globMatcher } from "../../server/policy.js";
import { normalizeTerm } from "../../server/vocabulary.js";
import type { PolicySummary, SummaryRule } from "./policy.js";

/** The intent as rules see it: the trace's canonical terms where enforce gave them, else as sent. */
function canonicalFields(intent: Intent, trace: unknown[]): Map<string, unknown> {
  const canon = new Map<string, string>();
  for (const t of trace) {
    const e = t as { field?: unknown; prediction?: { canonical?: unknown } };
    if (typeof e?.field === "string" && typeof e.prediction?.canonical === "string")
      canon.set(e.field, e.prediction.canonical);
  }
  const term = (v: unknown) => (typeof v === "string" ? normalizeTerm(v) : undefined);
  const data = intent.data ?? {};
  return new Map<string, unknown>([
    ["action", canon.get("action") ?? term(intent.action)],
    ["actor.id", term(intent.actor.id)],
    ["actor.type", canon.get("actor_type") ?? term(intent.actor.type)],
    ["resource.type", canon.get("resource_type") ?? term(intent.resource.type)],
    ["resource.name", term(intent.resource.name)],
    ["data.sensitivity", (data.sensitivity ?? []).map(normalizeTerm)],
    ["data.pii", data.pii],
    ["data.volume", data.volume],
    ["risk.authn", term(intent.risk?.authn)],
    ["layer", term(intent.layer ?? "L4")],
  ]);
}

function fieldMatches(want: unknown, have: unknown): boolean {
  const wants = Array.isArray(want) ? want : [want];
  if (typeof have === "boolean" || have === undefined) return wants.includes(have);
  const haves = Array.isArray(have) ? have : [have];
  return wants.some(
    (w) =>
      typeof w === "string" &&
      haves.some((h) => typeof h === "string" && globMatcher(normalizeTerm(w))(h)),
  );
}

/** A field's value as the agent sent it, for showing. */
function sent(intent: Intent, field: string): unknown {
  const [head, tail] = field.split(".");
  const v = (intent as unknown as Record<string, unknown>)[head];
  return tail ? (v as Record<string, unknown> | undefined)?.[tail] : v;
}

/** The fields of a rule's `when` that the intent does not meet. */
function mismatches(rule: SummaryRule, fields: Map<string, unknown>, intent: Intent): string[] {
  return Object.entries(rule.when)
    .filter(([f, want]) => !fieldMatches(want, fields.get(f)))
    .map(([f, want]) => {
      const have = sent(intent, f);
      const shown = have === undefined || (Array.isArray(have) && !have.length) ? "unset" : have;
      return `${f} ${JSON.stringify(want)} (the intent has ${JSON.stringify(shown)})`;
    });
}

const whenText = (r: SummaryRule) => JSON.stringify(r.when);

export interface Explanation {
  matched_rule: string | null;
  what_would_allow: string[];
}

export function explainIntent(
  intent: Intent,
  decided: { decision: "ALLOW" | "DENY"; rule_id: string | null; reason: string | null },
  trace: unknown[],
  summary: PolicySummary | null,
  noPolicy: string,
): Explanation {
  const matched = decided.rule_id;
  if (decided.decision === "ALLOW")
    return {
      matched_rule: matched,
      what_would_allow: [
        matched ? `Already allowed, by rule "${matched}".` : "Already allowed (no rule named).",
      ],
    };
  if (!summary)
    return {
      matched_rule: matched,
      what_would_allow: [
        `${noPolicy} Without the policy, only enforce's reason says why: ${decided.reason ?? "(none given)"}. Ask whoever owns the policy to allow this intent, or choose a different action.`,
      ],
    };
  const fields = canonicalFields(intent, trace);
  const rules = summary.rules;
  const at = matched ? rules.findIndex((r) => r.id === matched) : -1;
  const hints: string[] = [];
  const deny = at === -1 ? undefined : rules[at];
  if (deny)
    hints.push(
      `Rule "${deny.id}" denies intents where ${whenText(deny)}; an intent that differs in any of those fields does not match it.`,
    );
  else
    hints.push(
      `No rule matched; the policy default is ${summary.default}. Only an allow rule that matches lets it through.`,
    );
  const near = rules
    .map((r, i) => ({ r, i, miss: mismatches(r, fields, intent) }))
    .filter(({ r, i }) => r.effect === "allow" && i !== at)
    .sort((a, b) => a.miss.length - b.miss.length)
    .slice(0, 3);
  for (const { r, i, miss } of near) {
    const also = deny && i > at ? `, and no longer match rule "${deny.id}" (it comes first)` : "";
    hints.push(
      miss.length
        ? `Rule "${r.id}" would allow it if the intent had ${miss.join(", ")}${also}.`
        : `Rule "${r.id}" matches this intent too, but rule "${deny?.id}" comes first: it would allow it once that rule no longer matches.`,
    );
  }
  const c = (f: string) => JSON.stringify(fields.get(f));
  hints.push(
    `Or change the policy: add { effect: allow, when: { action: ${c("action")}, resource.type: ${c("resource.type")} } }${deny ? ` before rule "${deny.id}"` : ""} (first matching rule decides).`,
  );
  return { matched_rule: matched, what_would_allow: hints };
}
