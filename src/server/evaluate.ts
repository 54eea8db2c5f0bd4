// First matching rule decides; otherwise the policy's default.
import type { CanonicalIntent } from "./canonicalize.js";
import type { CompiledRule, Effect, Policy } from "./policy.js";

export interface Verdict {
  effect: Effect;
  rule: CompiledRule | undefined;
  reason: string;
  denyCode: string | undefined;
}

export function evaluate(policy: Policy, intent: CanonicalIntent): Verdict {
  const rules = policy.rules;
  for (let k = 0; k < rules.length; k++) {
    const rule = rules[k];
    if (rule.matches(intent)) {
      return {
        effect: rule.effect,
        rule,
        reason:
          rule.reason ?? `Rule "${rule.id}" ${rule.effect === "allow" ? "allows" : "denies"} this.`,
        denyCode: rule.effect === "deny" ? (rule.denyCode ?? "authz_policy_denied") : undefined,
      };
    }
  }
  return {
    effect: policy.default,
    rule: undefined,
    reason: `No policy rule matched; the policy default is ${policy.default}.`,
    denyCode: policy.default === "deny" ? "authz_policy_denied" : undefined,
  };
}
