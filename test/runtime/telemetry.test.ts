// OpenTelemetry with the real SDK (in-memory span exporter, a pull metric reader, the async-hooks
// context manager so parenting works) against a real local enforce server.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { context, metrics, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from "@opentelemetry/sdk-trace-base";
import { MeterProvider, MetricReader, type MetricData } from "@opentelemetry/sdk-metrics";
import {
  allow,
  closedUrl,
  deny,
  startEnforce,
  type EnforceServer,
} from "../support/enforce-server.js";
import { closeAll, makeGovernor } from "./helpers.js";

class PullReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

const spans = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({
  spanProcessors: [new SimpleSpanProcessor(spans)],
});
const reader = new PullReader();
const meterProvider = new MeterProvider({ readers: [reader] });
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
});
afterAll(async () => {
  await meterProvider.shutdown();
  await tracerProvider.shutdown();
  trace.disable();
  metrics.disable();
  context.disable();
});

let server: EnforceServer | undefined;
afterEach(async () => {
  await closeAll();
  await server?.close();
  server = undefined;
  spans.reset();
});

const enforceSpans = (): ReadableSpan[] =>
  spans.getFinishedSpans().filter((s) => s.name === "governor.enforce");

async function metric(name: string): Promise<MetricData | undefined> {
  const { resourceMetrics } = await reader.collect();
  for (const scope of resourceMetrics.scopeMetrics)
    for (const m of scope.metrics) if (m.descriptor.name === name) return m;
  return undefined;
}

/** The counter's value for the data point whose attributes include `attrs`. */
function countWhere(m: MetricData | undefined, attrs: Record<string, string>): number {
  let n = 0;
  for (const p of (m?.dataPoints ?? []) as { attributes: Record<string, unknown>; value: any }[])
    if (Object.entries(attrs).every(([k, v]) => p.attributes[k] === v)) n += p.value as number;
  return n;
}

describe("telemetry with an OpenTelemetry SDK registered", () => {
  it("an allow, a deny, a cached allow, a local deny and a fail-open: spans under the active span, and metrics", async () => {
    server = await startEnforce((req) =>
      req.body.action === "delete" ? deny("req-d", { reason: "never" }) : allow("req-a"),
    );
    const t = makeGovernor({
      enforceUrl: server.url,
      cacheTtlMs: 60_000,
      config: { deny: ["admin_*"] },
    });
    const ran: string[] = [];
    const tool = (name: string) =>
      t.governor.gate(name, async (_a: { path: string }) => ran.push(name), { onDeny: "return" });
    const readFile = tool("read_file");
    const deleteFile = tool("delete_file");
    const adminUsers = tool("admin_users");
    const down = makeGovernor({
      enforceUrl: await closedUrl(),
      failMode: "open",
      retry: { maxAttempts: 1 },
    });
    const openTool = down.governor.gate("read_report", async () => ran.push("read_report"));

    // The framework's execute_tool span is active around each call, as AI SDK / LangChain make one.
    const tracer = trace.getTracer("framework");
    const parents: string[] = [];
    const underParent = (fn: () => Promise<unknown>) =>
      tracer.startActiveSpan("execute_tool", async (parent) => {
        parents.push(parent.spanContext().spanId);
        try {
          return await fn();
        } finally {
          parent.end();
        }
      });
    // The first call is made at once: the API is still loading, and its span must not be lost.
    await underParent(() => readFile({ path: "a" }));
    await underParent(() => readFile({ path: "a" }));
    const refusal = await underParent(() => deleteFile({ path: "b" }));
    const local = await underParent(() => adminUsers({ path: "c" }));
    await underParent(() => openTool());

    expect(ran).toEqual(["read_file", "read_file", "read_report"]);
    expect(refusal).toContain("blocked by policy");
    expect(local).toContain('matches "admin_*" in the local deny list');
    const got = enforceSpans();
    expect(got).toHaveLength(5);
    const parentIds = got.map((s) => s.parentSpanContext?.spanId);
    expect(parentIds).toEqual(parents);
    expect(got.every((s) => s.kind === SpanKind.INTERNAL)).toBe(true);
    expect(got.map((s) => s.attributes)).toEqual([
      {
        "gen_ai.tool.name": "read_file",
        "governor.decision": "allow",
        "governor.decision_source": "enforced",
        "governor.request_id": "req-a",
      },
      {
        "gen_ai.tool.name": "read_file",
        "governor.decision": "allow",
        "governor.decision_source": "cached",
        "governor.request_id": "req-a",
      },
      {
        "gen_ai.tool.name": "delete_file",
        "governor.decision": "deny",
        "governor.decision_source": "enforced",
        "governor.request_id": "req-d",
        "governor.deny_code": "policy_denied",
      },
      {
        "gen_ai.tool.name": "admin_users",
        "governor.decision": "deny",
        "governor.decision_source": "local",
        "governor.deny_code": "local_deny",
      },
      {
        "gen_ai.tool.name": "read_report",
        "governor.decision": "none",
        "governor.decision_source": "fail_open",
        "error.type": "enforce_unavailable",
      },
    ]);
    // A decision is not an error; no decision is, even when fail mode open ran the tool.
    expect(got.map((s) => s.status.code)).toEqual([
      SpanStatusCode.UNSET,
      SpanStatusCode.UNSET,
      SpanStatusCode.UNSET,
      SpanStatusCode.UNSET,
      SpanStatusCode.ERROR,
    ]);
    // Only the first read_file and delete_file reached enforce (cache; local deny asks nothing).
    expect(server.requests).toHaveLength(2);

    const decisions = await metric("governor.decisions");
    const d = (decision: string, source: string, outcome: string) =>
      countWhere(decisions, {
        "governor.decision": decision,
        "governor.decision_source": source,
        "governor.outcome": outcome,
      });
    expect(d("allow", "enforced", "executed")).toBe(1);
    expect(d("allow", "cached", "executed")).toBe(1);
    expect(d("deny", "enforced", "blocked")).toBe(1);
    expect(d("deny", "local", "blocked")).toBe(1);
    expect(d("none", "fail_open", "executed")).toBe(1);
    // No tool names on metrics: their cardinality is the app's, not ours.
    for (const p of decisions!.dataPoints) expect(p.attributes["gen_ai.tool.name"]).toBeUndefined();

    const failOpen = await metric("governor.fail_open");
    expect(countWhere(failOpen, {})).toBe(1);
    expect(countWhere(failOpen, { "error.type": "enforce_unavailable" })).toBe(1);

    const duration = await metric("governor.enforce.duration");
    expect(duration?.descriptor.unit).toBe("s");
    const points = duration!.dataPoints as { value: { count: number; buckets: any } }[];
    expect(points.reduce((n, p) => n + p.value.count, 0)).toBe(5);
    expect(points[0].value.buckets.boundaries[0]).toBe(0.0005);
  });

  it("governor.breaker.state: 0 while closed, 2 once a breaker opened; no decision is an ERROR span", async () => {
    const g = makeGovernor({
      enforceUrl: await closedUrl(),
      retry: { maxAttempts: 1 },
      breaker: { minimumRequests: 2, failureRatio: 0.5, windowMs: 60_000, coolDownMs: 60_000 },
    });
    const gauge = async () => {
      const m = await metric("governor.breaker.state");
      return (m?.dataPoints[0] as { value: number } | undefined)?.value;
    };
    const call = g.governor.gate("read_report", async () => "ran", { onDeny: "return" });
    expect(await gauge()).toBe(0);
    const refusals = [await call(), await call(), await call()];
    expect(refusals.every((r) => r.includes("was not run"))).toBe(true);
    expect(g.governor.stats().breaker).toBe("open");
    expect(await gauge()).toBe(2);
    const got = enforceSpans();
    expect(got.map((s) => s.attributes["error.type"])).toEqual([
      "enforce_unavailable",
      "enforce_unavailable",
      "circuit_open",
    ]);
    expect(got.every((s) => s.status.code === SpanStatusCode.ERROR)).toBe(true);
    expect(got.every((s) => s.attributes["governor.decision"] === "none")).toBe(true);
  });

  it("observe mode and intent scopes: a denied call run by observe, a scope's span named by its action", async () => {
    server = await startEnforce((req) =>
      req.body.action === "delete" ? deny("req-d") : allow("req-s"),
    );
    const t = makeGovernor({ enforceUrl: server.url, mode: "observe" });
    const out = await t.governor.gate("delete_file", async () => "ran")();
    expect(out).toBe("ran");
    const inner = await trace.getTracer("app").startActiveSpan("job", async (job) => {
      const v = await t.governor.intentScope({ action: "export", resource: "report" }, () => 7);
      job.end();
      return [v, job.spanContext().spanId];
    });
    expect(inner[0]).toBe(7);
    const [observed, scope] = enforceSpans();
    expect(observed.attributes).toMatchObject({
      "governor.decision": "deny",
      "governor.decision_source": "observe",
    });
    expect(scope.attributes).toEqual({
      "governor.scope": "export",
      "governor.decision": "allow",
      "governor.decision_source": "enforced",
      "governor.request_id": "req-s",
    });
    expect(scope.parentSpanContext?.spanId).toBe(inner[1]);
    const decisions = await metric("governor.decisions");
    expect(
      countWhere(decisions, {
        "governor.decision": "deny",
        "governor.decision_source": "observe",
        "governor.outcome": "executed",
      }),
    ).toBe(1);
  });

  const secretArgs = {
    path: "/srv/reports/q3.csv",
    api_key: "sk-live0123456789abcdefghij",
    note: "password=correct-horse-battery",
  };

  it("puts no argument values on spans unless asked", async () => {
    server = await startEnforce(() => allow("req-a"));
    const t = makeGovernor({ enforceUrl: server.url });
    await t.governor.gate("read_file", async (_a: typeof secretArgs) => "ok")(secretArgs);
    const [span] = enforceSpans();
    const text = JSON.stringify(span.attributes);
    expect(text).not.toContain("q3.csv");
    expect(text).not.toContain("sk-live");
    expect(span.attributes["gen_ai.tool.call.arguments"]).toBeUndefined();
  });

  it.each([
    ["the telemetry option", { telemetry: { arguments: true } }],
    ["GOVERNOR_OTEL_ARGUMENTS=true", { env: { GOVERNOR_OTEL_ARGUMENTS: "true" } }],
  ])("with %s, arguments are on the span, redacted", async (_label, opts) => {
    server = await startEnforce(() => allow("req-a"));
    const t = makeGovernor({ enforceUrl: server.url, ...opts });
    const signal = new AbortController().signal;
    // The AI SDK's options (the conversation) follow the input: framework context, never exported.
    await t.governor.gate("read_file", async (_a: typeof secretArgs, _o: unknown) => "ok")(
      secretArgs,
      { abortSignal: signal, messages: [{ role: "user", content: "private chat" }] },
    );
    const [span] = enforceSpans();
    const args = String(span.attributes["gen_ai.tool.call.arguments"]);
    expect(JSON.parse(args)).toMatchObject({ path: "/srv/reports/q3.csv" });
    expect(args).not.toContain("sk-live0123456789");
    expect(args).not.toContain("correct-horse");
    expect(args).toContain("[redacted]");
    expect(args).not.toContain("private chat");
  });
});
