// The guards' process-wide state and the one question every hook asks: may this side effect go
// ahead? Shared on globalThis by the ESM, CJS and register bundles: the first install wins, and a
// grant from any governor in the process counts.
import { AuditLog } from "../audit.js";
import { currentContext } from "../context.js";
import { GovernorGuardError } from "../errors.js";
import { grantEnded, trackingOn, type Grant } from "../grant.js";

export type Primitive = "http" | "exec" | "fs";
export type GuardMode = "enforce" | "observe";

/** A side effect as a hook sees it. `target`: host[:port] (http), command name (exec), absolute
 *  path (fs). Never bodies, query strings, arguments or environment. */
export interface Effect {
  primitive: Primitive;
  target: string;
  /** http: the method. */
  method?: string;
  /** fs: the function (writeFile, rm, ...); exec: spawn, execFile, ... */
  op?: string;
}

/** What must always work (GOVERNOR_GUARD_ALLOW). */
export interface GuardAllow {
  hosts: readonly string[];
  paths: readonly string[];
  commands: readonly string[];
}

export interface GuardSettings {
  mode: GuardMode;
  allow: GuardAllow;
  /** Audit log path or "stderr" (GOVERNOR_AUDIT_LOG); ungoverned records also reach stderr once each. */
  auditLog?: string;
  warn: (m: string) => void;
}

/** Why a side effect is not governed. The first four refuse in enforce mode. */
export type UngovernedReason =
  "no_intent" | "outside_intent" | "expired" | "ended" | "observe" | "fail_open" | "off";

export interface UngovernedRecord {
  time: string;
  type: "ungoverned";
  primitive: Primitive;
  target: string;
  method?: string;
  op?: string;
  reason: UngovernedReason;
  /** Refused (enforce mode) or let through. */
  blocked: boolean;
  mode: GuardMode;
  /** The tool or scope it ran under, if any. */
  within?: string;
  requestId?: string | null;
}

/** Settings plus a recorder: what admit() checks against (a governor's, for the explicit wrappers). */
export type AdmitState = GuardSettings & { record(rec: UngovernedRecord): void };

export interface GuardState extends GuardSettings {
  primitives: ReadonlySet<Primitive>;
  record(rec: UngovernedRecord): void;
  /** Counts since install, for doctor and tests. */
  counts: { ungoverned: number; blocked: number };
}

const KEY = Symbol.for("governor.guard");
const MAX_SAID = 1000;

export function guardState(): GuardState | undefined {
  return (globalThis as { [KEY]?: GuardState })[KEY];
}

export function setGuardState(st: GuardState): void {
  (globalThis as { [KEY]?: GuardState })[KEY] = st;
}

/** A recorder: the audit log when one is set (`log`: one already open, a governor's own), and
 *  stderr once per kind of event (bounded). */
export function makeRecorder(
  s: GuardSettings,
  counts: GuardState["counts"],
  log?: { write(rec: UngovernedRecord): void },
): (rec: UngovernedRecord) => void {
  const said = new Set<string>();
  return (rec) => {
    counts.ungoverned++;
    if (rec.blocked) counts.blocked++;
    if (s.auditLog) {
      try {
        (log ??= new AuditLog(s.auditLog, 10_000, s.warn)).write(rec);
      } catch {
        // An unwritable log is reported by AuditLog itself; the warning below still goes out.
      }
    }
    const key = `${rec.primitive} ${rec.method ?? rec.op ?? ""} ${rec.target} ${rec.reason}`;
    if (said.has(key) || said.size >= MAX_SAID) return;
    said.add(key);
    s.warn(
      `governor guard (${rec.mode}): ${rec.blocked ? "blocked" : "let through"} ${describe(rec)} — ${why(rec.reason, rec.within)}${rec.blocked ? "" : " (recorded as ungoverned)"}${said.size === MAX_SAID ? "; further such messages are only in the audit log" : ""}.`,
    );
  };
}

/** The last segment of a path (either separator). */
export const baseName = (p: string): string =>
  p.slice(Math.max(p.lastIndexOf("/"), p.lastIndexOf("\\")) + 1);

/** May `e` go ahead? null: yes (recorded when ungoverned); an error: refuse with it. */
export function admit(
  e: Effect,
  s: AdmitState | undefined = guardState(),
): GovernorGuardError | null {
  // governor's own I/O never reaches a hook: the enforce call has its own undici pool, the audit log an fd.
  if (!s) return null;
  if (allowlisted(s.allow, e)) return null;
  const grant = currentContext()?.grant;
  let reason: UngovernedReason;
  let detail = "";
  // The grant the record names: the one that did not cover `e`, else the innermost.
  let named = grant;
  if (!grant) reason = "no_intent";
  else {
    // An observe/fail-open/off grant inside an allowed one never widens it: the outer narrowing and
    // expiry still hold (checkChain skips the grants without an ALLOW).
    const problem = checkChain(grant, e);
    if (problem) {
      reason = problem.reason;
      detail = problem.detail;
      named = problem.grant;
    } else if (grant.source === "observe" || grant.source === "fail_open" || grant.source === "off")
      reason = grant.source;
    else return null;
  }
  const blocked =
    s.mode === "enforce" &&
    (reason === "no_intent" ||
      reason === "outside_intent" ||
      reason === "expired" ||
      reason === "ended");
  const rec: UngovernedRecord = {
    time: new Date().toISOString(),
    type: "ungoverned",
    primitive: e.primitive,
    target: e.target,
    reason,
    blocked,
    mode: s.mode,
  };
  if (e.method) rec.method = e.method;
  if (e.op) rec.op = e.op;
  if (named) {
    rec.within = `${named.kind} ${named.name}`;
    rec.requestId = named.requestId;
  }
  s.record(rec);
  if (!blocked) return null;
  return new GovernorGuardError(
    `governor blocked ${describe(rec)}: ${detail || why(reason, rec.within)}. ${howToAllow(reason, e.primitive)}`,
    {
      primitive: e.primitive,
      target: e.target,
      reason,
      requestId: named?.requestId ?? null,
      tool: named?.kind === "tool" ? named.name : undefined,
    },
  );
}

/** The first grant in the chain that does not cover `e`: expired, or narrowed to other targets. */
function checkChain(
  grant: Grant,
  e: Effect,
): { reason: "expired" | "ended" | "outside_intent"; detail: string; grant: Grant } | null {
  let now = 0;
  for (let g: Grant | undefined = grant; g; g = g.parent) {
    if (g.source === "observe" || g.source === "fail_open" || g.source === "off") continue;
    if (grantEnded(g)) {
      return {
        reason: "ended",
        detail: `the ${g.kind === "scope" ? "intent scope" : "tool call"} "${g.name}" had already ended (it returned${g.requestId ? `; request id ${g.requestId}` : ""}): work it left running (a timer, a server, a listener) is not covered by its decision`,
        grant: g,
      };
    }
    if (g.expiresAt !== undefined && (now ||= Date.now()) >= g.expiresAt) {
      return {
        reason: "expired",
        detail: `the ${g.kind === "scope" ? "intent scope" : "tool call"} "${g.name}" outlived its decision (it expired at ${new Date(g.expiresAt).toISOString()}${g.requestId ? `, request id ${g.requestId}` : ""}), and governor does not renew decisions silently`,
        grant: g,
      };
    }
    const list = e.primitive === "http" ? g.hosts : e.primitive === "fs" ? g.paths : g.commands;
    if (list && !list.some((p) => matches(e.primitive, p, e.target))) {
      const field = e.primitive === "http" ? "hosts" : e.primitive === "fs" ? "paths" : "commands";
      return {
        reason: "outside_intent",
        detail: `the ${g.kind === "scope" ? "intent scope" : "tool call"} "${g.name}" allows only ${field} ${list.map((x) => JSON.stringify(x)).join(", ")} (its resource.${field})`,
        grant: g,
      };
    }
  }
  return null;
}

function allowlisted(a: GuardAllow, e: Effect): boolean {
  const list = e.primitive === "http" ? a.hosts : e.primitive === "fs" ? a.paths : a.commands;
  for (const p of list) if (matches(e.primitive, p, e.target)) return true;
  return false;
}

/** `pattern` covers `target`: hosts exactly, by hostname on any port, or `*.suffix`; paths by
 *  whole segments; commands by name or full path. */
export function matches(primitive: Primitive, pattern: string, target: string): boolean {
  if (primitive === "http") {
    if (target.startsWith("unix:")) return pattern === target;
    const p = pattern.toLowerCase();
    if (p === target) return true;
    const hostname = target.startsWith("[")
      ? target.slice(0, target.indexOf("]") + 1)
      : target.replace(/:\d+$/, "");
    if (p === hostname) return true;
    if (!p.startsWith("*")) return false;
    // "*.example.com", "*-aiplatform.googleapis.com": any label(s) before the rest; with a port
    // ("*.example.com:8443"), on that port only.
    const port = /:\d+$/.exec(p)?.[0] ?? "";
    if (port && target !== hostname + port) return false;
    const suffix = p.slice(1, p.length - port.length);
    return hostname.length > suffix.length && hostname.endsWith(suffix);
  }
  if (primitive === "fs") {
    if (target === pattern) return true;
    const sep = pattern.includes("\\") && !pattern.includes("/") ? "\\" : "/";
    return target.startsWith(pattern.endsWith(sep) ? pattern : pattern + sep);
  }
  if (pattern === target) return true;
  const base = baseName(target);
  return pattern === base;
}

function describe(r: {
  primitive: Primitive;
  target: string;
  method?: string;
  op?: string;
}): string {
  if (r.primitive === "http") return `an outbound HTTP request (${r.method ?? "GET"} ${r.target})`;
  if (r.primitive === "exec")
    return `a child process (${r.op ? `${r.op} ` : ""}${JSON.stringify(r.target)})`;
  return `a file write (${r.op ? `${r.op} ` : ""}${r.target})`;
}

function why(reason: UngovernedReason, within: string | undefined): string {
  switch (reason) {
    case "no_intent":
      return "it ran outside any allowed tool call or intentScope";
    case "outside_intent":
      return `it is outside what the intent of ${within} names`;
    case "expired":
      return `${within} outlived its decision`;
    case "ended":
      return `${within} had already ended`;
    case "observe":
      return `${within} ran without an ALLOW (observe mode)`;
    case "off":
      return `${within} ran with its governor off (GOVERNOR_MODE=off)`;
    default:
      return `${within} ran without a decision (GOVERNOR_FAIL_MODE=open)`;
  }
}

function howToAllow(reason: UngovernedReason, primitive: Primitive): string {
  const allow =
    primitive === "http" ? "the host" : primitive === "fs" ? "a path prefix" : '"exec:<command>"';
  if (reason === "expired")
    return "Start a new intentScope (or tool call) for it, so enforce decides again.";
  if (reason === "ended")
    return "Await that work before the call or scope returns, or give it an intentScope of its own.";
  if (reason === "outside_intent")
    return `Add it to the intent's resource, or do it in an intentScope whose intent names it.`;
  const untracked = trackingOn()
    ? ""
    : " Inside a gated tool already? Tool calls carry their decision only while a guard is on or GOVERNOR_GUARD_MODE is set: set GOVERNOR_GUARD_MODE=enforce.";
  return `Run it inside a gated tool or intentScope({ action, resource }, fn) so enforce decides it, or add ${allow} to GOVERNOR_GUARD_ALLOW if it must always work (GOVERNOR_GUARD_MODE=observe only records it).${untracked}`;
}
