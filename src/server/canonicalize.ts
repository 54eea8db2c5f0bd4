// Turns a loose intent (any vocabulary) into the canonical one rules are written against,
// and records each mapping in the trace every response carries.
import type { IntentBody } from "./request.js";
import { normalizeTerm, predict, type TraceEntry, type Vocabulary } from "./vocabulary.js";

export interface CanonicalIntent {
  action: string;
  actor: { id?: string; type?: string };
  resource: { type: string; name?: string };
  data: { sensitivity: string[]; pii?: boolean; volume?: "single" | "bulk" };
  risk: { authn?: string };
  layer: string;
}

const NO_SENSITIVITY: string[] = [];

/** Expects a body that passed validateIntentBody. */
export function canonicalize(
  body: IntentBody,
  vocabulary: Vocabulary,
): { intent: CanonicalIntent; trace: TraceEntry[] } {
  const trace: TraceEntry[] = [];
  const action = predict(vocabulary, "action", body.action);
  trace.push({ field: "action", raw_input: body.action, prediction: action });
  const resourceType = predict(vocabulary, "resource_type", body.resource.type);
  trace.push({ field: "resource_type", raw_input: body.resource.type, prediction: resourceType });
  let actorType: string | undefined;
  if (typeof body.actor.type === "string") {
    const p = predict(vocabulary, "actor_type", body.actor.type);
    trace.push({ field: "actor_type", raw_input: body.actor.type, prediction: p });
    actorType = p.canonical;
  }
  const data = body.data ?? {};
  const intent: CanonicalIntent = {
    action: action.canonical,
    actor: { id: body.actor.id, type: actorType },
    resource: { type: resourceType.canonical, name: body.resource.name },
    data: {
      // The form rules are compiled in: a label only lower-cased missed `top-secret` rules.
      sensitivity: data.sensitivity ? data.sensitivity.map(normalizeTerm) : NO_SENSITIVITY,
      pii: data.pii ?? undefined,
      volume: data.volume ?? undefined,
    },
    risk: { authn: body.risk?.authn ?? undefined },
    layer: body.layer ?? "L4",
  };
  return { intent, trace };
}
