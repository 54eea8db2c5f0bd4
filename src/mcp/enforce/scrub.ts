// Removing this server's keys from JSON that reaches an agent (recent decisions, enforce's traces and
// policy summary). The runtime's redactor also removes any 8-character run of a key, so a key such as
// "dev-decision-key-..." would turn the field name "decision" into "[redacted]": the names of the
// fields this server reads keep their names; every value, and every other name, is scrubbed.
import type { Redactor } from "../../runtime/redact.js";

const OWN_NAMES = new Set([
  // the entries and answers
  "time",
  "asked",
  "tool",
  "intent",
  "decision",
  "reason",
  "deny_code",
  "request_id",
  "rule_id",
  "canonicalization_trace",
  "default",
  "rules",
  "effect",
  "when",
  // intents and traces
  "action",
  "actor",
  "id",
  "type",
  "resource",
  "name",
  "data",
  "sensitivity",
  "pii",
  "volume",
  "risk",
  "authn",
  "layer",
  "field",
  "raw_input",
  "prediction",
  "canonical",
  "confidence",
  "source",
  // a rule's `when`, dotted
  "actor.id",
  "actor.type",
  "resource.type",
  "resource.name",
  "data.sensitivity",
  "data.pii",
  "data.volume",
  "risk.authn",
]);

/** A copy with every string value (and every name but OWN_NAMES) scrubbed; past 32 levels, cut off. */
export function scrubJson(value: unknown, scrub: Redactor, depth = 0): unknown {
  if (typeof value === "string") return scrub(value);
  if (value === null || typeof value !== "object") return value;
  if (depth >= 32) return "[nested too deep]";
  if (Array.isArray(value)) return value.map((v) => scrubJson(v, scrub, depth + 1));
  const out: Record<string, unknown> = {};
  // defineProperty: a "__proto__" key stays a key, not the copy's prototype.
  for (const [k, v] of Object.entries(value))
    Object.defineProperty(out, OWN_NAMES.has(k) ? k : scrub(k), {
      value: scrubJson(v, scrub, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return out;
}
