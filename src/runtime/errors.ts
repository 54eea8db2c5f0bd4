// Typed errors with stable codes. Each carries a brand so `instanceof` works across the ESM, CJS and
// register bundles, which each hold their own copy of these classes (dual-package hazard).
const KINDS = Symbol.for("governor.errorKinds");

/** Stable error codes. A DENY may also carry the server's own `deny_code`. */
export type GovernorErrorCode =
  | "policy_denied"
  | "decision_unverified"
  | "local_deny"
  | "enforce_unavailable"
  | "timeout"
  | "circuit_open"
  | "token_unavailable"
  | "identity_unavailable"
  | "auth_failed"
  | "bad_response"
  | "config_invalid"
  | "intent_invalid"
  | "guard_blocked"
  | (string & {});

export interface GovernorErrorOptions {
  code?: GovernorErrorCode;
  requestId?: string | null;
  tool?: string;
  cause?: unknown;
}

function brandedInstance(cls: { kind: string }, value: unknown): boolean {
  if (value === null || typeof value !== "object") return false;
  const kinds = (value as Record<symbol, unknown>)[KINDS];
  return Array.isArray(kinds) && kinds.includes(cls.kind);
}

/** Base of every governor error. `code` is stable (GovernorErrorCode); `tool` names the gated tool;
 *  `requestId` is enforce's, when there was one. `intent_invalid`: the call could not be described
 *  to enforce (an argument getter threw, or an intent override is not plain JSON). */
export class GovernorError extends Error {
  static readonly kind: string = "GovernorError";
  readonly code: GovernorErrorCode;
  readonly requestId: string | null;
  readonly tool: string | undefined;

  constructor(message: string, options: GovernorErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const ctor = new.target as unknown as { kind: string };
    this.name = ctor.kind;
    this.code = options.code ?? "governor_error";
    this.requestId = options.requestId ?? null;
    this.tool = options.tool;
    // Every class in the chain, so GovernorError matches a GovernorDeniedError from another bundle.
    const kinds: string[] = [];
    for (
      let p = ctor as unknown as { kind?: string } | null;
      p && p.kind;
      p = Object.getPrototypeOf(p)
    ) {
      if (!kinds.includes(p.kind)) kinds.push(p.kind);
    }
    Object.defineProperty(this, KINDS, { value: kinds, enumerable: false });
  }

  static [Symbol.hasInstance](value: unknown): boolean {
    return Function.prototype[Symbol.hasInstance].call(this, value) || brandedInstance(this, value);
  }
}

/** enforce answered DENY (or an ALLOW that failed verification). Its message is the refusal text. */
export class GovernorDeniedError extends GovernorError {
  static override readonly kind: string = "GovernorDeniedError";
  readonly reason: string | null;
  readonly denyCode: string;

  constructor(
    message: string,
    options: GovernorErrorOptions & { reason?: string | null; denyCode?: string | null } = {},
  ) {
    const code = options.denyCode || options.code || "policy_denied";
    super(message, { ...options, code });
    this.reason = options.reason ?? null;
    this.denyCode = code;
  }
}

/** No decision: enforce unreachable, 5xx, timed out (`timeout`) or the breaker is open (`circuit_open`). */
export class GovernorUnavailableError extends GovernorError {
  static override readonly kind: string = "GovernorUnavailableError";
  readonly status: number | undefined;
  constructor(message: string, options: GovernorErrorOptions & { status?: number } = {}) {
    super(message, { ...options, code: options.code ?? "enforce_unavailable" });
    this.status = options.status;
  }
}

/** enforce answered 401/403: the API key or extra headers are wrong for this tenant. */
export class GovernorAuthError extends GovernorError {
  static override readonly kind: string = "GovernorAuthError";
  readonly status: number | undefined;
  constructor(message: string, options: GovernorErrorOptions & { status?: number } = {}) {
    super(message, { ...options, code: "auth_failed" });
    this.status = options.status;
  }
}

/** enforce answered something that is not a decision (bad JSON, unknown decision, unexpected status). */
export class GovernorProtocolError extends GovernorError {
  static override readonly kind: string = "GovernorProtocolError";
  readonly status: number | undefined;
  constructor(message: string, options: GovernorErrorOptions & { status?: number } = {}) {
    super(message, { ...options, code: "bad_response" });
    this.status = options.status;
  }
}

/** The governor's options, environment or intent map are invalid or missing. */
export class GovernorConfigError extends GovernorError {
  static override readonly kind: string = "GovernorConfigError";
  /** Each problem found, with what to do about it. */
  readonly problems: string[];
  constructor(message: string, options: GovernorErrorOptions & { problems?: string[] } = {}) {
    super(message, { ...options, code: "config_invalid" });
    this.problems = options.problems ?? [message];
  }
}

/** A guard (GOVERNOR_GUARD) refused a side effect: an outbound request, a process or a file write
 *  outside any allowed tool call or intentScope, outside what the intent names, or after its
 *  decision expired. Its message says what was blocked and how to allow it. */
export class GovernorGuardError extends GovernorError {
  static override readonly kind: string = "GovernorGuardError";
  readonly primitive: "http" | "exec" | "fs";
  /** Host (http), command name (exec) or path (fs). */
  readonly target: string;
  /** "no_intent", "outside_intent", "expired" or "ended". */
  readonly reason: string;
  constructor(
    message: string,
    options: GovernorErrorOptions & {
      primitive: "http" | "exec" | "fs";
      target: string;
      reason: string;
    },
  ) {
    super(message, { ...options, code: "guard_blocked" });
    this.primitive = options.primitive;
    this.target = options.target;
    this.reason = options.reason;
  }
}
