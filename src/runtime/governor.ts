// createGovernor: check() asks enforce (cache, single-flight, breaker, signed decisions, fail mode);
// before() decides one gated call (see gate.ts) and audits the attempt.
import { AuditLog, type AuditRecord } from "./audit.js";
import { Breaker, type BreakerState } from "./breaker.js";
import { DecisionCache } from "./cache.js";
import { EnforceClient, type EnforceAnswer } from "./client.js";
import {
  resolveConfig,
  stderrWarn,
  secretsOf,
  type GovernorOptions,
  type Mode,
  type ResolvedConfig,
} from "./config.js";
import { currentContext, mergeOverride } from "./context.js";
import {
  GovernorConfigError,
  GovernorDeniedError,
  GovernorError,
  GovernorUnavailableError,
} from "./errors.js";
import { buildIntent, withoutFrameworkContext, type Intent } from "./intent.js";
import { denyRefusal, unavailableRefusal } from "./refusal.js";
import { compileDeny, type DenyList } from "./deny.js";
import { Telemetry, type CheckNote, type Probe } from "./telemetry.js";
import { canonicalJson, sha256Hex, verifyDecision } from "./token.js";
import {
  makeGate,
  RUN,
  type GatedBy,
  type GateFunction,
  type GateHost,
  type GateOptions,
  type Verdict,
} from "./gate.js";
import { grantOf, trackGrants, trackingOn, type Grant, type GrantSource } from "./grant.js";
import { installGuards, installGuardsFromEnv, sayOnce } from "./guard/install.js";
import { ensureHttpGuard } from "./guard/http.js";
import { checkScopeIntent, scopeIntent, type ScopeIntent } from "./scope-intent.js";
import { runScope } from "./scope.js";
import { governedCalls, type GovernedCalls } from "./governed.js";
import {
  guardState,
  makeRecorder,
  type GuardSettings,
  type UngovernedRecord,
} from "./guard/state.js";

export type { GateFunction, GateOptions, GatedResult } from "./gate.js";
export type { ScopeIntent } from "./scope-intent.js";

/** What `check()` resolves. Frozen: the same object may be handed to several callers. */
export interface Decision {
  /** What enforce answered (or "ALLOW" for fail mode open and mode off). */
  decision: "ALLOW" | "DENY";
  /** May the tool run? True for ALLOW, fail-open and mode off; a DENY in observe mode is false. */
  allowed: boolean;
  /** enforce's `metadata.request_id`: show it to people, it finds the decision in the server's logs. */
  requestId: string | null;
  /** enforce's `metadata.reason`, with secrets removed. */
  reason: string | null;
  /** For a DENY: enforce's `metadata.deny_code`, `decision_unverified`, `local_deny` (the local deny
   *  list; enforce was not asked), or `policy_denied`. */
  denyCode: string | null;
  /** Served from the ALLOW cache. */
  cached: boolean;
  /** Time spent deciding, in ms (0 for a cache hit). */
  latencyMs: number;
  mode: Mode;
  /** enforce's `metadata.canonicalization_trace`: how the server read the intent. */
  trace?: unknown;
  /** enforce's `metadata`, as sent. */
  metadata?: Record<string, unknown>;
  /** Fail mode open: no decision could be had and the call is let through. */
  failOpen?: boolean;
  /** Why there was no decision (fail mode open only). */
  error?: GovernorError;
}

export interface GovernorStats {
  /** "open" while checks fail at once with circuit_open. */
  breaker: BreakerState;
  cacheEntries: number;
  /** Audit lines written since start. */
  auditWritten: number;
  /** Audit lines lost (buffer full or log unwritable) since start. */
  auditDropped: number;
}

export interface Governor {
  /** Wrap `fn` so it runs only after enforce answers ALLOW for `name` and its arguments.
   *  Same signature and `this`; a sync `fn` necessarily becomes async. */
  gate: GateFunction;
  /** Ask enforce about one intent. Resolves ALLOW/DENY (never throws on DENY); with no decision it
   *  rejects with the typed error (fail mode closed) or resolves `{ allowed: true, failOpen: true }`.
   *  An intent that is not plain JSON rejects with `intent_invalid`. Not audited (no tool ran). */
  check(intent: Intent): Promise<Decision>;
  /** Flush the audit log and close connections. */
  close(): Promise<void>;
  /** The problem that makes every check fail with config_invalid, if any. */
  readonly configError: GovernorConfigError | null;
  readonly mode: Mode;
  /** Breaker state, cache size and audit counters, for health checks and metrics. */
  stats(): GovernorStats;
  /** Ask enforce once about `intent`, then run `fn` under that decision (async work included): the
   *  guards count its side effects as governed, narrowed by `resource.hosts`/`.paths`/`.commands`
   *  and stopped once the decision's `expires_at` passes. DENY or no decision: `fn` never runs and
   *  the typed error is thrown (fail mode open and observe mode run it, labelled). Nested scopes
   *  are each asked. `withIntent()` values merge into `intent` as they do into tools'. */
  intentScope<R>(intent: ScopeIntent, fn: () => R): Promise<Awaited<R>>;
  /** fetch() that needs an allowed tool call or intentScope, without global patching (rejects with
   *  GovernorGuardError otherwise; observe mode records and lets it through). */
  governedFetch: GovernedCalls["governedFetch"];
  /** child_process.spawn() that needs an allowed tool call or intentScope (throws GovernorGuardError otherwise). */
  governedSpawn: GovernedCalls["governedSpawn"];
  /** fs.promises.writeFile() that needs an allowed tool call or intentScope (rejects with GovernorGuardError otherwise). */
  governedWriteFile: GovernedCalls["governedWriteFile"];
}

const OFF_WARNED = Symbol.for("governor.offWarned");
const NO_DECISION_WARNED = Symbol.for("governor.noDecisionWarned");
const MAX_WARNED_TOOLS = 10_000;

/** An intent that could not be built or serialized: the call is refused, never sent unchecked. The
 *  original error is not attached: it may quote the tool's arguments (a throwing getter). */
function intentError(tool: string | undefined, err: unknown, scope = false): GovernorError {
  const kind = err instanceof Error ? err.name : typeof err;
  const fix = scope
    ? "Check the intent passed to intentScope() and any withIntent() values (they must be plain JSON)."
    : "Check its arguments, its intent map entry and any gate({ intent }) / withIntent() values (they must be plain JSON).";
  return new GovernorError(
    `governor could not build the intent${tool ? ` for ${scope ? "the intent scope " : ""}"${tool}"` : ""} (${kind}), so ${scope ? "its function was not run" : tool ? "the tool was not run" : "nothing was asked"}. ${fix}`,
    { code: "intent_invalid", tool },
  );
}

export class GovernorImpl implements Governor, GateHost {
  readonly configError: GovernorConfigError | null;
  readonly mode: Mode;
  private readonly cfg: ResolvedConfig | null;
  private client: EnforceClient | undefined;
  private readonly breaker: Breaker | undefined;
  private readonly cache: DecisionCache<Decision> | undefined;
  private readonly inflight = new Map<string, Promise<Decision>>();
  private readonly audit: AuditLog | undefined;
  private readonly warn: (m: string) => void;
  private lastWarnAt = 0;
  private suppressedWarnings = 0;
  private readonly noDecisionWarned: Set<string>;
  private closed = false;
  private explicitGuard: (GuardSettings & { record(rec: UngovernedRecord): void }) | undefined;
  private readonly denyList: DenyList | null;
  private readonly telemetry: Telemetry | undefined;
  readonly gate: GateFunction;
  readonly governedFetch: GovernedCalls["governedFetch"];
  readonly governedSpawn: GovernedCalls["governedSpawn"];
  readonly governedWriteFile: GovernedCalls["governedWriteFile"];

  constructor(cfg: ResolvedConfig | null, configError: GovernorConfigError | null = null) {
    this.cfg = cfg;
    this.configError = configError;
    this.mode = cfg?.mode ?? "enforce";
    this.warn = cfg?.warn ?? stderrWarn;
    this.denyList = compileDeny(cfg?.map?.deny);
    // Mode off asks nothing and reports nothing.
    if (this.mode !== "off")
      this.telemetry = new Telemetry(cfg?.telemetry ?? { arguments: false }, secretsOf(cfg), this);
    // Once per tool per process on stderr (shared by the ESM, CJS and register bundles); once per
    // tool per governor with a warn function of the app's own.
    this.noDecisionWarned =
      this.warn === stderrWarn
        ? ((globalThis as { [NO_DECISION_WARNED]?: Set<string> })[NO_DECISION_WARNED] ??= new Set())
        : new Set();
    if (cfg) {
      this.breaker = new Breaker(cfg.breaker);
      if (cfg.cacheTtlMs > 0) this.cache = new DecisionCache<Decision>(cfg.cacheMaxEntries);
      if (cfg.auditLog)
        this.audit = new AuditLog(cfg.auditLog, cfg.auditBufferMax, this.warn, secretsOf(cfg));
    }
    this.gate = ((name: string, fn: (...args: unknown[]) => unknown, opts?: GateOptions) =>
      makeGate(() => this, name, fn, opts)) as GateFunction;
    ({
      governedFetch: this.governedFetch,
      governedSpawn: this.governedSpawn,
      governedWriteFile: this.governedWriteFile,
    } = governedCalls(() => this.guardSettings()));
    if (cfg) {
      for (const n of cfg.guardNotes) sayOnce(n, this.warn, n);
      if (cfg.guard?.primitives.length) installGuards(cfg.guard, cfg.auditLog, this.warn);
      // Guard settings without a guard (GOVERNOR_GUARD_MODE): the governed* wrappers are in use.
      if (cfg.guard || cfg.guardModeRaw) trackGrants();
    }
  }

  intentScope<R>(intent: ScopeIntent, fn: () => R): Promise<Awaited<R>> {
    return runScope(this, intent, fn);
  }

  /** What the governed* wrappers check against: the process's guards when installed, else this
   *  governor's settings (its mode; an invalid config: enforce); null when it is off. */
  guardSettings(): (GuardSettings & { record(rec: UngovernedRecord): void }) | null {
    const st = guardState();
    if (st) return st;
    if (this.cfg?.mode === "off") return null;
    if (this.explicitGuard) return this.explicitGuard;
    const counts = { ungoverned: 0, blocked: 0 };
    // GOVERNOR_GUARD_MODE applies here with no guard on; anything but "observe" is enforce (fail closed).
    const rawMode = String(this.cfg?.guardModeRaw ?? "")
      .trim()
      .toLowerCase();
    const mode =
      this.cfg?.guard?.mode ??
      (rawMode
        ? rawMode === "observe"
          ? "observe"
          : "enforce"
        : this.cfg?.mode === "observe"
          ? "observe"
          : "enforce");
    const settings: GuardSettings = {
      mode,
      allow: this.cfg?.guardAllow ?? { hosts: [], paths: [], commands: [] },
      auditLog: this.cfg?.auditLog,
      warn: this.warn,
    };
    // Into this governor's own audit log: its close() flushes them with its other lines.
    return (this.explicitGuard = {
      ...settings,
      record: makeRecorder(settings, counts, this.audit),
    });
  }

  /** Load the HTTP client in the background (governor/register does this at start-up). */
  warm(): void {
    if (this.cfg && this.cfg.mode !== "off" && !this.closed)
      (this.client ??= new EnforceClient(this.cfg)).warm();
  }

  /** For the `governor.breaker.state` gauge. */
  breakerState(): BreakerState {
    return this.breaker?.state ?? "closed";
  }

  stats(): GovernorStats {
    return {
      breaker: this.breakerState(),
      cacheEntries: this.cache?.size ?? 0,
      auditWritten: this.audit?.written ?? 0,
      auditDropped: this.audit?.dropped ?? 0,
    };
  }

  check(intent: Intent): Promise<Decision> {
    return this.checkFor(intent, undefined, undefined);
  }

  /** check() with the tool name (for messages) and the canonical body if already computed. */
  checkFor(intent: Intent, tool: string | undefined, body: string | undefined): Promise<Decision> {
    const cfg = this.cfg;
    if (!cfg) return Promise.reject(this.configError);
    if (cfg.mode === "off") return Promise.resolve(offDecision());
    if (this.closed)
      return Promise.reject(
        new GovernorUnavailableError(
          "This governor was closed; create a new one to check more calls.",
          { tool },
        ),
      );
    let key = body;
    if (key === undefined) {
      try {
        key = canonicalJson(intent);
      } catch (err) {
        return Promise.reject(intentError(tool, err));
      }
    }
    if (this.cache) {
      const hit = this.cache.get(key, Date.now());
      if (hit) return Promise.resolve(hit);
      // Share a pending request only with the same tool: its errors name the tool.
      const flight = tool === undefined ? key : `${tool}\n${key}`;
      const pending = this.inflight.get(flight);
      if (pending) return pending;
      const p = this.ask(cfg, key, tool);
      this.inflight.set(flight, p);
      const clear = () => this.inflight.delete(flight);
      p.then(clear, clear);
      return p;
    }
    return this.ask(cfg, key, tool);
  }

  private async ask(
    cfg: ResolvedConfig,
    body: string,
    tool: string | undefined,
  ): Promise<Decision> {
    const started = performance.now();
    const breaker = this.breaker!;
    let answer: EnforceAnswer;
    try {
      if (!breaker.allow()) {
        throw new GovernorUnavailableError(
          `The policy service failed repeatedly, so governor stopped asking for ${Math.ceil(breaker.retryInMs() / 1000)} s (circuit open) and the tool${tool ? ` "${tool}"` : ""} was not run. Check the management plane; calls resume on their own once it answers.`,
          { code: "circuit_open", tool },
        );
      }
      const client = (this.client ??= new EnforceClient(cfg));
      try {
        answer = await client.post(body, tool);
      } catch (err) {
        // refused credentials: the service answered; no usable client certificate here: nothing
        // was sent. Neither is the service failing.
        const code = err instanceof GovernorError ? err.code : undefined;
        if (code === "auth_failed") breaker.success();
        else if (code === "identity_unavailable") breaker.release();
        else breaker.failure();
        throw err;
      }
      breaker.success();
    } catch (err) {
      const error =
        err instanceof GovernorError
          ? err
          : new GovernorUnavailableError(
              `Checking the tool call failed unexpectedly (${(err as Error)?.message}); it was not run.`,
              { tool, cause: err },
            );
      if (cfg.failMode === "open") {
        // A gated call says so once per tool (before()); a bare check() here.
        if (tool === undefined)
          this.throttledWarn(
            `governor: no decision (${error.code}); check() answers ALLOW because GOVERNOR_FAIL_MODE=open.`,
          );
        return Object.freeze({
          decision: "ALLOW",
          allowed: true,
          requestId: null,
          reason: null,
          denyCode: null,
          cached: false,
          latencyMs: performance.now() - started,
          mode: cfg.mode,
          failOpen: true,
          error,
        } as Decision);
      }
      throw error;
    }

    let { decision, reason, denyCode } = answer;
    const m = answer.metadata;
    if (decision === "ALLOW" && cfg.decisionKey) {
      // Bound to the body as sent, nonce included: an answer captured for another request fails here.
      const v = verifyDecision(cfg.decisionKey, {
        intentHash: sha256Hex(answer.sent),
        decision,
        requestId: answer.requestId,
        token: m?.decision_token,
        expiresAt: m?.expires_at,
        maxTtlMs: cfg.decisionMaxTtlMs,
      });
      if (!v.ok) {
        decision = "DENY";
        denyCode = "decision_unverified";
        reason = `the policy service's ALLOW could not be verified (signed decision ${v.reason}); check GOVERNOR_DECISION_KEY matches the server's`;
      }
    }
    const d: Decision = {
      decision,
      allowed: decision === "ALLOW",
      requestId: answer.requestId,
      reason,
      denyCode: decision === "DENY" ? (denyCode ?? "policy_denied") : null,
      cached: false,
      latencyMs: performance.now() - started,
      mode: cfg.mode,
    };
    if (m) {
      d.metadata = m;
      if (m.canonicalization_trace !== undefined) d.trace = m.canonicalization_trace;
    }
    if (d.allowed && this.cache) {
      const now = Date.now();
      let ttl =
        answer.ttlMs === undefined ? cfg.cacheTtlMs : Math.min(answer.ttlMs, cfg.cacheTtlMs);
      // Signed or not: a grant honours expires_at, so a cached copy must not outlive it.
      const until = typeof m?.expires_at === "string" ? Date.parse(m.expires_at) : NaN;
      if (Number.isFinite(until)) ttl = Math.min(ttl, until - now);
      this.cache.set(body, Object.freeze({ ...d, cached: true, latencyMs: 0 }), ttl, now);
    }
    // Frozen: single-flight hands this one object to every caller of the same intent.
    return Object.freeze(d);
  }

  /** Decide one gated call: the grant to run it under, a refusal string (onDeny "return"), or
   *  throw. Audits the attempt. */
  before(
    name: string,
    args: unknown[],
    opts: GateOptions | undefined,
    by: GatedBy = "definition",
  ): Promise<Verdict> {
    return this.decide("tool", name, args, opts, by);
  }

  /** Decide an intentScope's intent: the grant its code runs under, or throw (fail modes as for tools). */
  async enterScope(partial: ScopeIntent): Promise<Grant> {
    checkScopeIntent(partial);
    const v = await this.decide("scope", partial.action, partial, undefined, "scope");
    return v as Grant;
  }

  /** The intent of a tool call (`input`: its arguments) or a scope (`input`: its intent). */
  private intentOf(
    kind: Grant["kind"],
    name: string,
    input: unknown,
    opts: GateOptions | undefined,
  ): Intent {
    const cfg = this.cfg!;
    const ctx = currentContext();
    if (kind === "scope")
      return scopeIntent(input as ScopeIntent, ctx?.intent, ctx?.actor ?? cfg.actor, cfg.map);
    const override = ctx?.intent ? mergeOverride(opts?.intent, ctx.intent) : opts?.intent;
    return buildIntent(name, withoutFrameworkContext(input as unknown[]), {
      map: cfg.map,
      actor: ctx?.actor ?? cfg.actor,
      override,
    });
  }

  private decide(
    kind: Grant["kind"],
    name: string,
    input: unknown,
    opts: GateOptions | undefined,
    by: GatedBy | "scope",
  ): Promise<Verdict> {
    const tel = this.telemetry;
    if (!tel) return this.decideNow(kind, name, input, opts, by, undefined);
    // Once: the first check that finds an OpenTelemetry SDK registered waits for the API to load.
    const wait = tel.pending();
    if (wait) return wait.then(() => this.decide(kind, name, input, opts, by));
    const probe = tel.begin(kind, name, input);
    if (!probe) return this.decideNow(kind, name, input, opts, by, undefined);
    return probe.run(() => this.decideNow(kind, name, input, opts, by, probe));
  }

  private async decideNow(
    kind: Grant["kind"],
    name: string,
    input: unknown,
    opts: GateOptions | undefined,
    by: GatedBy | "scope",
    probe: Probe | undefined,
  ): Promise<Verdict> {
    const cfg = this.cfg;
    const started = performance.now();
    // A global dispatcher the app swapped in since (a proxy agent) is hooked before the tool runs.
    ensureHttpGuard();
    if (cfg?.mode === "off") {
      warnOffOnce(this.warn);
      this.warnNoDecision(
        "off",
        name,
        `governor (off): ${wording(kind, name)} runs without asking enforce (said once per ${kind}).`,
      );
      if (this.audit)
        this.record(by, name, null, null, "executed", started, "off", { errorCode: null }, probe);
      return grantFor(kind, name, null, null, "off");
    }
    let intent: Intent | null = null;
    let d: Decision;
    try {
      if (!cfg) throw this.configError;
      const pattern = kind === "tool" ? this.denyList?.match(name) : undefined;
      if (pattern !== undefined) {
        // No network: enforce is not asked, so no fail mode applies. The intent is for the audit line.
        try {
          intent = this.intentOf(kind, name, input, opts);
        } catch {
          intent = null;
        }
        d = localDeny(pattern, cfg.mode, started);
      } else {
        let body: string;
        try {
          intent = this.intentOf(kind, name, input, opts);
          body = canonicalJson(intent);
        } catch (err) {
          intent = null;
          throw intentError(name, err, kind === "scope");
        }
        d = await this.checkFor(intent, name, body);
      }
    } catch (err) {
      const error: GovernorError =
        err instanceof GovernorError
          ? err
          : new GovernorUnavailableError(
              `Checking the call to ${wording(kind, name)} failed unexpectedly, so it was not run.`,
              { tool: name },
            );
      if (cfg?.mode === "observe") {
        this.warnNoDecision(
          "observe",
          name,
          `governor (observe): no decision (${error.code}) for ${wording(kind, name)}; ran it without a policy check (said once per ${kind}).`,
        );
        this.record(
          by,
          name,
          intent,
          null,
          "executed",
          started,
          "observe",
          { errorCode: error.code },
          probe,
        );
        return grantFor(kind, name, intent, null, "observe");
      }
      this.record(
        by,
        name,
        intent,
        null,
        "error",
        started,
        cfg?.mode ?? "enforce",
        { errorCode: error.code },
        probe,
      );
      if (opts?.onDeny === "return")
        return unavailableRefusal(
          name,
          error.code,
          error instanceof GovernorConfigError ? error.problems : undefined,
        );
      throw error;
    }
    if (d.failOpen) {
      this.warnNoDecision(
        "open",
        name,
        `governor: no decision (${d.error?.code ?? "unavailable"}) for ${wording(kind, name)}; running it anyway because GOVERNOR_FAIL_MODE=open (said once per ${kind}).`,
      );
      this.record(
        by,
        name,
        intent,
        null,
        "executed",
        started,
        d.mode,
        { errorCode: d.error?.code ?? null, failOpen: true },
        probe,
        d,
      );
      return grantFor(kind, name, intent, d, "fail_open");
    }
    if (d.allowed) {
      if (this.audit || probe)
        this.record(
          by,
          name,
          intent,
          d.decision,
          "executed",
          started,
          d.mode,
          { errorCode: null },
          probe,
          d,
        );
      return grantFor(kind, name, intent, d, d.cached ? "cached" : "enforced");
    }
    if (d.mode === "observe") {
      this.record(
        by,
        name,
        intent,
        d.decision,
        "executed",
        started,
        d.mode,
        { errorCode: null, wouldBlock: true },
        probe,
        d,
      );
      // An ALLOW that failed verification is no decision: said once per tool, never lost to the throttle.
      if (d.denyCode === "decision_unverified")
        this.warnNoDecision(
          "observe",
          name,
          `governor (observe): no verified decision (decision_unverified) for ${wording(kind, name)}; ran it without a policy check (said once per ${kind}).`,
        );
      else
        this.throttledWarn(
          `governor (observe): ${wording(kind, name)} would have been blocked (${d.denyCode}${d.requestId ? `, request id ${d.requestId}` : ""}); ran it anyway.`,
        );
      return grantFor(kind, name, intent, d, "observe");
    }
    this.record(
      by,
      name,
      intent,
      d.decision,
      "blocked",
      started,
      d.mode,
      { errorCode: null },
      probe,
      d,
    );
    const refusal =
      kind === "scope"
        ? scopeRefusal(name, d)
        : denyRefusal(name, d.reason, d.denyCode ?? "policy_denied", d.requestId);
    if (opts?.onDeny === "return") return refusal;
    throw new GovernorDeniedError(refusal, {
      requestId: d.requestId,
      reason: d.reason,
      tool: name,
      denyCode: d.denyCode,
    });
  }

  private record(
    gatedBy: GatedBy | "scope",
    tool: string,
    intent: Intent | null,
    decision: "ALLOW" | "DENY" | null,
    outcome: AuditRecord["outcome"],
    started: number,
    mode: Mode,
    extra: { errorCode: string | null; failOpen?: boolean; wouldBlock?: boolean },
    probe: Probe | undefined,
    d?: Decision,
  ): void {
    if (probe) probe.end(noteOf(decision, outcome, mode, extra, d));
    if (!this.audit) return;
    const rec: AuditRecord = {
      time: new Date().toISOString(),
      tool,
      intent,
      decision,
      outcome,
      requestId: d?.requestId ?? null,
      latencyMs: Math.round((performance.now() - started) * 1000) / 1000,
      mode,
      cached: d?.cached ?? false,
      errorCode: extra.errorCode,
      gatedBy,
    };
    if (d?.denyCode) rec.denyCode = d.denyCode;
    if (extra.failOpen) rec.failOpen = true;
    if (extra.wouldBlock) rec.wouldBlock = true;
    this.audit.write(rec);
  }

  /** A call ran without a real decision: say so the first time for each tool, never per call. */
  private warnNoDecision(kind: "observe" | "open" | "off", tool: string, message: string): void {
    const key = `${kind}\n${tool}`;
    if (this.noDecisionWarned.has(key)) return;
    // Unbounded tool names (built per call) fall back to the throttled warning.
    if (this.noDecisionWarned.size >= MAX_WARNED_TOOLS) return this.throttledWarn(message);
    this.noDecisionWarned.add(key);
    this.warn(message);
  }

  private throttledWarn(message: string): void {
    const now = Date.now();
    if (now - this.lastWarnAt < 1000) {
      this.suppressedWarnings++;
      return;
    }
    const more = this.suppressedWarnings
      ? ` (${this.suppressedWarnings} similar message(s) suppressed)`
      : "";
    this.suppressedWarnings = 0;
    this.lastWarnAt = now;
    this.warn(message + more);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.telemetry?.close();
    this.audit?.close();
    await this.client?.close();
  }
}

/** The grant a decided call runs under; while grants are not tracked a tool call gets RUN (nothing
 *  reads it, and binding one would cost an AsyncLocalStorage run per call). */
function grantFor(
  kind: Grant["kind"],
  name: string,
  intent: Intent | null,
  d: Decision | null,
  source: GrantSource,
): Grant {
  return kind === "scope" || trackingOn() ? grantOf(kind, name, intent, d, source) : RUN;
}

/** How messages name the call. */
function wording(kind: Grant["kind"], name: string): string {
  return kind === "scope" ? `intent scope "${name}"` : `"${name}"`;
}

/** For the person whose code opened the scope (no model reads it). */
function scopeRefusal(name: string, d: Decision): string {
  const ref = d.requestId ? ` (request id ${d.requestId})` : "";
  const why = d.reason
    ? `: ${d.reason.replace(/\.+$/, "")}`
    : ` (${d.denyCode ?? "policy_denied"})`;
  return `The intent scope "${name}" was denied by policy${ref}${why}. Its function was not run.`;
}

/** A tool named by the local deny list: a DENY with no request id (enforce was not asked). */
function localDeny(pattern: string, mode: Mode, started: number): Decision {
  return Object.freeze({
    decision: "DENY",
    allowed: false,
    requestId: null,
    reason: `the tool name matches ${JSON.stringify(pattern)} in the local deny list`,
    denyCode: "local_deny",
    cached: false,
    latencyMs: performance.now() - started,
    mode,
  } as Decision);
}

/** What telemetry reports about one gated call, from what its audit line says. */
function noteOf(
  decision: "ALLOW" | "DENY" | null,
  outcome: AuditRecord["outcome"],
  mode: Mode,
  extra: { errorCode: string | null; failOpen?: boolean; wouldBlock?: boolean },
  d: Decision | undefined,
): CheckNote {
  return {
    decision: decision === "ALLOW" ? "allow" : decision === "DENY" ? "deny" : "none",
    source: extra.failOpen
      ? "fail_open"
      : mode === "observe" && (extra.wouldBlock || decision === null)
        ? "observe"
        : d?.cached
          ? "cached"
          : d?.denyCode === "local_deny"
            ? "local"
            : "enforced",
    outcome,
    requestId: d?.requestId ?? null,
    denyCode: d?.denyCode ?? null,
    errorType: extra.errorCode,
  };
}

function offDecision(): Decision {
  return Object.freeze({
    decision: "ALLOW",
    allowed: true,
    requestId: null,
    reason: "governor is off",
    denyCode: null,
    cached: false,
    latencyMs: 0,
    mode: "off",
  } as Decision);
}

function warnOffOnce(warn: (m: string) => void): void {
  const g = globalThis as { [OFF_WARNED]?: boolean };
  if (g[OFF_WARNED]) return;
  g[OFF_WARNED] = true;
  warn(
    "governor: WARNING — policy enforcement is OFF (GOVERNOR_MODE=off or GOVERNOR_DISABLED=true). Tool calls run without asking enforce.",
  );
}

/** Create a governor. Options left out come from the environment. Throws GovernorConfigError. */
export function createGovernor(options?: GovernorOptions): Governor {
  return new GovernorImpl(resolveConfig(options));
}

/** Like createGovernor, but an invalid config yields a governor whose every check fails closed. */
export function createGovernorOrFailClosed(options?: GovernorOptions): GovernorImpl {
  try {
    return new GovernorImpl(resolveConfig(options));
  } catch (err) {
    if (!(err instanceof GovernorConfigError)) throw err;
    // The guards still go on from the environment (fail closed): a bad setting must not switch them off.
    if (!options) installGuardsFromEnv(stderrWarn);
    return new GovernorImpl(null, err);
  }
}
