// The intent an intentScope asks enforce about: the caller's fields, withIntent() values over them
// (but never over its action or its narrowing: enforce decides what the grant is labelled and
// narrowed to), the intent map's defaults under them. No arguments are scanned: a scope has none.
import {
  buildIntent,
  type Actor,
  type Intent,
  type IntentData,
  type IntentMap,
  type IntentOverride,
  type IntentResource,
  NARROWING,
  validNarrowing,
} from "./intent.js";
import { mergeOverride } from "./context.js";

/** What an intentScope is authorised for. `resource.hosts`, `.paths` and `.commands` narrow the
 *  side effects its code may have while a guard is on (and are sent to enforce with the rest). */
export interface ScopeIntent {
  action: string;
  resource?:
    | string
    | (Partial<IntentResource> & {
        hosts?: string[];
        paths?: string[];
        commands?: string[];
        [key: string]: unknown;
      });
  data?: IntentData;
  risk?: Record<string, unknown>;
  layer?: string;
  actor?: Partial<Actor>;
}

/** Throws a TypeError that says what is wrong with `intent`, before anything is asked. */
export function checkScopeIntent(intent: ScopeIntent): void {
  if (!intent || typeof intent !== "object")
    throw new TypeError(
      'intentScope(intent, fn): intent must be an object such as { action: "charge", resource: { type: "payment" } }',
    );
  if (typeof intent.action !== "string" || !intent.action.trim())
    throw new TypeError(
      'intentScope(intent, fn): intent.action must be a non-empty string (the verb, e.g. "charge")',
    );
  const r = intent.resource;
  if (
    r !== undefined &&
    typeof r !== "string" &&
    (r === null || typeof r !== "object" || Array.isArray(r))
  ) {
    throw new TypeError(
      "intentScope(intent, fn): intent.resource must be a string (its type) or { type, name?, hosts?, paths?, commands? }",
    );
  }
  if (r && typeof r === "object") {
    for (const k of NARROWING) {
      if (!validNarrowing(r[k])) {
        throw new TypeError(
          `intentScope(intent, fn): intent.resource.${k} must be a list of non-empty strings`,
        );
      }
    }
  }
}

export function scopeIntent(
  intent: ScopeIntent,
  fromContext: IntentOverride | undefined,
  actor: Actor | null,
  map: IntentMap | null,
): Intent {
  const own = intent as IntentOverride;
  let override = fromContext ? mergeOverride(own, fromContext)! : own;
  if (fromContext) {
    const ownResource = typeof intent.resource === "object" ? intent.resource : undefined;
    const resource = { ...(override.resource as object) } as Record<string, unknown>;
    for (const k of NARROWING) if (ownResource?.[k] !== undefined) resource[k] = ownResource[k];
    override = {
      ...override,
      action: intent.action,
      resource: resource as IntentOverride["resource"],
    };
  }
  // The map's defaults apply; a tool entry that happens to share the action's name does not.
  return buildIntent(intent.action, [], {
    map: map?.defaults ? { defaults: map.defaults } : null,
    actor,
    override,
  });
}
