// OpenTelemetry through @opentelemetry/api only, an optional peer dependency. It is never imported at
// `import governor/runtime` time, nor when a governor is created: the first check that finds an SDK
// registered loads it and waits for it (so that check has its span too). No SDK registered (the API
// installed or not): nothing is loaded, and every check costs one property read here.
import type * as OtelApi from "@opentelemetry/api";
import type { BreakerState } from "./breaker.js";
import { withoutFrameworkContext } from "./intent.js";
import { clip, makeRedactor, type Redactor } from "./redact.js";

type Api = typeof OtelApi;

/** Through a variable: a bundler must not fail the build of an app that does not install it. */
const API_MODULE = "@opentelemetry/api";
// Where every 1.x copy of the API keeps what an SDK registered (the same key in each copy, so ESM
// and CJS copies share it). Unset: no SDK, nothing to do.
const OTEL_GLOBAL = Symbol.for("opentelemetry.js.api.1");
// State shared by the ESM, CJS and register bundles: one set of instruments, one breaker gauge.
const SHARED = Symbol.for("governor.telemetry");

const SPAN_NAME = "governor.enforce";
const DURATION_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];
const ARGUMENTS_MAX = 4096;

type TelemetryDecision = "allow" | "deny" | "none";
/** How the decision was had: enforce asked, the ALLOW cache, fail mode open, observe mode running a
 *  call enforce would have blocked (or could not decide), the local deny list. */
type DecisionSource = "enforced" | "cached" | "fail_open" | "observe" | "local";

export interface CheckNote {
  decision: TelemetryDecision;
  source: DecisionSource;
  outcome: "executed" | "blocked" | "error";
  requestId: string | null;
  denyCode: string | null;
  errorType: string | null;
}

export interface TelemetrySettings {
  /** Put the tool's arguments (redacted) on the span as `gen_ai.tool.call.arguments`. */
  arguments: boolean;
}

interface Instruments {
  provider: unknown;
  decisions: OtelApi.Counter | null;
  failOpen: OtelApi.Counter | null;
  duration: OtelApi.Histogram | null;
}

interface Shared {
  breakers: Set<WeakRef<{ breakerState(): BreakerState }>>;
  meter: Instruments | undefined;
  tracerOf: unknown;
  tracer: OtelApi.Tracer | null;
}

function shared(): Shared {
  const g = globalThis as { [SHARED]?: Shared };
  return (g[SHARED] ??= {
    breakers: new Set(),
    meter: undefined,
    tracerOf: undefined,
    tracer: null,
  });
}

let loading: Promise<Api | null> | undefined;
let api: Api | null | undefined;
let noopTracerProvider: unknown;
let noopMeter: unknown;

function load(): Promise<Api | null> {
  return (loading ??= import(API_MODULE).then(
    (m: Api & { default?: Api }) => {
      const a = (m.trace ? m : m.default) ?? null;
      if (a) {
        noopTracerProvider = new a.ProxyTracerProvider().getDelegate();
        noopMeter = a.createNoopMeter();
      }
      return (api = a);
    },
    () => (api = null),
  ));
}

/** GOVERNOR_OTEL_ARGUMENTS / the telemetry option. An unknown value keeps arguments off, loudly. */
export function telemetrySettings(
  option: { arguments?: boolean } | undefined,
  env: Record<string, string | undefined>,
  warn: (m: string) => void,
): TelemetrySettings {
  if (option?.arguments !== undefined) return { arguments: option.arguments === true };
  const raw = (env.GOVERNOR_OTEL_ARGUMENTS ?? "").trim();
  if (/^(1|true|yes|on)$/i.test(raw)) return { arguments: true };
  if (raw && !/^(0|false|no|off)$/i.test(raw))
    warn(
      `governor: GOVERNOR_OTEL_ARGUMENTS=${JSON.stringify(raw.slice(0, 40))} is not one of true or false: tool arguments stay off spans.`,
    );
  return { arguments: false };
}

const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, "half-open": 1, open: 2 };

function tracerNow(a: Api): OtelApi.Tracer | null {
  const tp = a.trace.getTracerProvider() as OtelApi.TracerProvider & { getDelegate?(): unknown };
  const real = typeof tp.getDelegate === "function" ? tp.getDelegate() : tp;
  const s = shared();
  if (real !== s.tracerOf) {
    s.tracerOf = real;
    s.tracer = real === noopTracerProvider ? null : a.trace.getTracer("governor");
  }
  return s.tracer;
}

function instrumentsNow(a: Api): Instruments {
  const provider = a.metrics.getMeterProvider();
  const s = shared();
  if (s.meter?.provider === provider) return s.meter;
  const meter = provider.getMeter("governor");
  if (meter === noopMeter)
    return (s.meter = { provider, decisions: null, failOpen: null, duration: null });
  const gauge = meter.createObservableGauge("governor.breaker.state", {
    description:
      "The worst breaker state of this process's governors: 0 closed, 1 half-open, 2 open",
  });
  gauge.addCallback((result) => {
    let worst = -1;
    for (const ref of s.breakers) {
      const gov = ref.deref();
      if (!gov) s.breakers.delete(ref);
      else worst = Math.max(worst, BREAKER_VALUE[gov.breakerState()]);
    }
    if (worst >= 0) result.observe(worst);
  });
  return (s.meter = {
    provider,
    decisions: meter.createCounter("governor.decisions", {
      description: "Gated calls decided, by decision, source and outcome",
    }),
    failOpen: meter.createCounter("governor.fail_open", {
      description:
        "Calls run without a decision because GOVERNOR_FAIL_MODE=open; anything but 0 needs a look",
    }),
    duration: meter.createHistogram("governor.enforce.duration", {
      description: "Time to decide a gated call",
      unit: "s",
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    }),
  });
}

/** One governor's telemetry. */
export class Telemetry {
  private redactor: Redactor | undefined;
  private readonly ref: WeakRef<{ breakerState(): BreakerState }>;

  constructor(
    private readonly settings: TelemetrySettings,
    private readonly secrets: (string | undefined)[],
    owner: { breakerState(): BreakerState },
  ) {
    this.ref = new WeakRef(owner);
    shared().breakers.add(this.ref);
  }

  /** What a check must wait for before it can begin(): the API's one load, started by the first
   *  check that finds an SDK registered (an app often registers it after governor loads). Without an
   *  SDK nothing is loaded: many apps have the API installed through a dependency and never use it. */
  pending(): Promise<unknown> | undefined {
    if (api !== undefined || (globalThis as { [OTEL_GLOBAL]?: unknown })[OTEL_GLOBAL] === undefined)
      return undefined;
    return load();
  }

  /** A probe for one gated call, or undefined when nothing would record it. A failing SDK costs
   *  the call its telemetry, never its decision. */
  begin(kind: "tool" | "scope", name: string, args: unknown): Probe | undefined {
    const a = api;
    if (!a || (globalThis as { [OTEL_GLOBAL]?: unknown })[OTEL_GLOBAL] === undefined) return;
    try {
      return this.start(a, kind, name, args);
    } catch {
      return undefined;
    }
  }

  private start(a: Api, kind: "tool" | "scope", name: string, args: unknown): Probe | undefined {
    const tracer = tracerNow(a);
    const meters = instrumentsNow(a);
    if (!tracer && !meters.decisions) return;
    let span: OtelApi.Span | undefined;
    let ctx: OtelApi.Context | undefined;
    if (tracer) {
      const parent = a.context.active();
      span = tracer.startSpan(
        SPAN_NAME,
        {
          kind: a.SpanKind.INTERNAL,
          attributes: kind === "tool" ? { "gen_ai.tool.name": name } : { "governor.scope": name },
        },
        parent,
      );
      ctx = a.trace.setSpan(parent, span);
      if (this.settings.arguments && kind === "tool" && span.isRecording())
        span.setAttribute("gen_ai.tool.call.arguments", this.argumentsText(args));
    }
    return new Probe(a, span, ctx, meters);
  }

  private argumentsText(args: unknown): string {
    const scrub = (this.redactor ??= makeRedactor(this.secrets));
    // Framework context (AI SDK options with the conversation, LangChain's config) is not the tool's.
    const data = Array.isArray(args) ? withoutFrameworkContext(args) : args;
    let text: string;
    try {
      text = JSON.stringify(Array.isArray(data) && data.length === 1 ? data[0] : data) ?? "null";
    } catch {
      return "[not serializable]";
    }
    // Whole text first (a "password": "..." pair is seen as a pair), then cut.
    return clip(scrub(text), ARGUMENTS_MAX);
  }

  close(): void {
    shared().breakers.delete(this.ref);
  }
}

export class Probe {
  private readonly started = performance.now();
  private done = false;

  constructor(
    private readonly a: Api,
    private readonly span: OtelApi.Span | undefined,
    private readonly ctx: OtelApi.Context | undefined,
    private readonly meters: Instruments,
  ) {}

  /** Run the check with the span active (the enforce request nests under it); a check that ends
   *  without a note (an unexpected throw) still ends its span. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.ctx ? this.a.context.with(this.ctx, fn) : fn();
    return p.then(
      (v) => {
        this.end(unnoted(null));
        return v;
      },
      (err: unknown) => {
        this.end(unnoted(err));
        throw err;
      },
    );
  }

  end(n: CheckNote): void {
    if (this.done) return;
    this.done = true;
    try {
      this.report(n);
    } catch {
      // A failing SDK: the call goes on as decided.
    }
  }

  private report(n: CheckNote): void {
    const span = this.span;
    if (span) {
      span.setAttribute("governor.decision", n.decision);
      span.setAttribute("governor.decision_source", n.source);
      if (n.requestId) span.setAttribute("governor.request_id", n.requestId);
      if (n.denyCode) span.setAttribute("governor.deny_code", n.denyCode);
      if (n.errorType) span.setAttribute("error.type", n.errorType);
      if (n.decision === "none")
        span.setStatus({ code: this.a.SpanStatusCode.ERROR, message: n.errorType ?? undefined });
      span.end();
    }
    const m = this.meters;
    if (!m.decisions) return;
    const attrs = { "governor.decision": n.decision, "governor.decision_source": n.source };
    m.decisions.add(1, { ...attrs, "governor.outcome": n.outcome });
    m.duration!.record((performance.now() - this.started) / 1000, attrs);
    if (n.source === "fail_open") m.failOpen!.add(1, { "error.type": n.errorType ?? "unknown" });
  }
}

function unnoted(err: unknown): CheckNote {
  const code = (err as { code?: unknown } | null)?.code;
  return {
    decision: "none",
    source: "enforced",
    outcome: "error",
    requestId: null,
    denyCode: null,
    errorType: typeof code === "string" ? code : err instanceof Error ? err.name : "unknown",
  };
}
