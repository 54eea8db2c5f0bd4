// A grant: the decision a running tool call or intentScope holds, bound to everything it does
// (AsyncLocalStorage, see context.ts). The guards read it to tell governed side effects from the rest.
import path from "node:path";
import { contextStorage, currentContext } from "./context.js";
import type { Decision } from "./governor.js";
import type { Intent } from "./intent.js";

/** How the code got to run: a real ALLOW ("enforced", "cached"), or without one (observe mode, fail
 *  mode open, governor off). Only a real ALLOW governs side effects. */
export type GrantSource = "enforced" | "cached" | "observe" | "fail_open" | "off";

export interface Grant {
  kind: "tool" | "scope";
  /** The tool's name, or the scope's action. */
  name: string;
  source: GrantSource;
  requestId: string | null;
  /** enforce's signed `decision_token`, when there is one. */
  decisionToken?: string;
  /** When the decision stops counting (ms since the epoch), from `metadata.expires_at`. */
  expiresAt?: number;
  /** What the intent narrows its side effects to (`resource.hosts`, `.paths`, `.commands`). */
  hosts?: readonly string[];
  paths?: readonly string[];
  commands?: readonly string[];
  /** The grant this one runs inside (a tool in a scope, a scope in a scope). */
  parent?: Grant;
}

/** What code may read about the grant it runs under. */
export interface CurrentGrant {
  kind: "tool" | "scope";
  name: string;
  source: GrantSource;
  requestId: string | null;
  decisionToken: string | null;
  expiresAt: string | null;
}

const ENDED = Symbol.for("governor.endedGrants");
const TRACKING = Symbol.for("governor.trackGrants");

/** Do gated tool calls carry their grant? Only once a guard is on or guard settings are given:
 *  binding one is an AsyncLocalStorage.run per call, and the first run turns on Node's promise
 *  hooks for the whole process (every promise then costs about twice as much on Node 20). Scopes
 *  always carry theirs. */
export function trackingOn(): boolean {
  return (globalThis as { [TRACKING]?: boolean })[TRACKING] === true;
}
export function trackGrants(): void {
  (globalThis as { [TRACKING]?: boolean })[TRACKING] = true;
}

/** Calls and scopes that have returned: work they left running no longer counts as theirs. */
function ended(): WeakSet<Grant> {
  const g = globalThis as { [ENDED]?: WeakSet<Grant> };
  return (g[ENDED] ??= new WeakSet());
}
export function endGrant(g: Grant): void {
  ended().add(g);
}
export function grantEnded(g: Grant): boolean {
  return ended().has(g);
}

/** A narrowing list; one that is not a list of strings narrows to nothing (never to everything). */
function strings(v: unknown): readonly string[] | undefined {
  if (v === undefined) return undefined;
  return Object.freeze(
    Array.isArray(v) ? v.filter((x): x is string => typeof x === "string" && x.length > 0) : [],
  );
}

/** The grant for code that runs after `d` (null: no decision, with `source` saying why it runs). */
export function grantOf(
  kind: Grant["kind"],
  name: string,
  intent: Intent | null,
  d: Decision | null,
  source: GrantSource,
): Grant {
  // Work a finished call or scope left running starts on its own: an ended grant is no parent.
  let parent = currentContext()?.grant;
  while (parent && grantEnded(parent)) parent = parent.parent;
  const g: Grant = { kind, name, source, requestId: d?.requestId ?? null };
  const m = d?.metadata;
  if (typeof m?.decision_token === "string") g.decisionToken = m.decision_token;
  // Honoured signed or not: an expiry only ever narrows what the decision covers.
  const at = typeof m?.expires_at === "string" ? Date.parse(m.expires_at) : NaN;
  if (Number.isFinite(at)) g.expiresAt = at;
  const r = intent?.resource as Record<string, unknown> | undefined;
  if (r) {
    const hosts = strings(r.hosts);
    const paths = strings(r.paths);
    const commands = strings(r.commands);
    if (hosts) g.hosts = hosts;
    // Relative paths mean the working directory at the decision, as the fs guard's targets do.
    if (paths) g.paths = Object.freeze(paths.map((p) => path.resolve(p)));
    if (commands) g.commands = commands;
  }
  if (parent) g.parent = parent;
  return Object.freeze(g);
}

/** Run `fn` under `grant`, async work included. */
export function runGranted<R>(grant: Grant, fn: () => R): R {
  const cur = currentContext();
  return contextStorage().run(cur ? { ...cur, grant } : { grant }, fn);
}

/** The tool call or intentScope the calling code runs under (any source: check it), or null.
 *  Tool calls carry one while grants are tracked (see trackingOn); scopes always do. */
export function currentGrant(): CurrentGrant | null {
  const g = currentContext()?.grant;
  if (!g) return null;
  return {
    kind: g.kind,
    name: g.name,
    source: g.source,
    requestId: g.requestId,
    decisionToken: g.decisionToken ?? null,
    expiresAt: g.expiresAt === undefined ? null : new Date(g.expiresAt).toISOString(),
  };
}
