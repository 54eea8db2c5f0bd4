// Live checks against enforce, all through the runtime's own client: auth, contract, probes, latency.
import { buildIntent, type Actor, type Intent, type IntentMap } from "../runtime/index.js";
import { explainNoDecision, type CliDecision, type CliGovernor } from "../cli-support/enforce.js";
import type { Probe } from "./probes-file.js";
import { fail, pass, skip, warn, type CheckResult } from "./types.js";

/** Harmless: a read of a resource nothing real is called, so any decision is fine. */
export const READ_PROBE: Intent = {
  action: "read",
  actor: { id: "governor-doctor", type: "agent" },
  resource: { type: "database", name: "governor-doctor-probe" },
  data: { sensitivity: ["public"], pii: false, volume: "single" },
};

export async function checkContract(
  g: CliGovernor,
  url: string,
  signed: boolean,
  apiKeySet = true,
): Promise<{ auth: CheckResult; contract: CheckResult; ok: boolean }> {
  let d: CliDecision;
  try {
    d = await g.check(READ_PROBE);
  } catch (err) {
    const why = explainNoDecision(err, url, { apiKeySet });
    if (why.kind === "auth")
      return {
        ok: false,
        auth: fail(
          "enforce.auth",
          apiKeySet
            ? `enforce rejected the credentials (HTTP ${why.status ?? "401/403"})`
            : `enforce requires an API key and none is set (HTTP ${why.status ?? "401/403"})`,
          why.fix,
        ),
        contract: skip("enforce.contract", "needs accepted credentials"),
      };
    // Only a 200 proves the request got past authentication; a 404 or 5xx may come before it.
    const authOk = why.kind === "protocol" && why.status === 200;
    return {
      ok: false,
      auth: authOk
        ? pass("enforce.auth", "credentials accepted (the server answered past authentication)")
        : skip("enforce.auth", "no answer from enforce to judge the credentials by"),
      contract: fail("enforce.contract", `no decision for a read probe: ${why.message}`, why.fix, {
        code: why.code,
        ...(why.status && { status: why.status }),
      }),
    };
  }
  const auth = pass("enforce.auth", "credentials accepted");
  if (signed && d.denyCode === "decision_unverified")
    return {
      ok: false,
      auth,
      contract: fail(
        "enforce.contract",
        "signed decisions are on, but the ALLOW's decision token did not verify",
        "Give enforce and the gate the same GOVERNOR_DECISION_KEY (for governor serve: --decision-key), and check the clocks.",
      ),
    };
  const details = {
    decision: d.decision,
    request_id: d.requestId,
    reason: d.reason,
    trace_entries: d.trace.length,
  };
  if (!d.requestId)
    return {
      ok: true,
      auth,
      contract: warn(
        "enforce.contract",
        `answered ${d.decision} but without metadata.request_id`,
        "Have the management plane return metadata.request_id so denials can be traced in its logs.",
        details,
      ),
    };
  return {
    ok: true,
    auth,
    contract: pass(
      "enforce.contract",
      `read probe answered ${d.decision} (request ${d.requestId}, ${d.trace.length} canonicalization entries)`,
      details,
    ),
  };
}

export async function checkProbes(
  g: CliGovernor,
  probes: Probe[] | undefined,
  map: IntentMap | null,
  actor: Actor | null,
  file: string | undefined,
  url: string,
): Promise<CheckResult> {
  if (!probes)
    return skip(
      "probes",
      "no governor.probes.json: only the contract was checked with a harmless read",
      "Add governor.probes.json (or pass --probes <file>) listing intents or tool calls with the decision each must get.",
    );
  const results: Record<string, unknown>[] = [];
  const wrong: string[] = [];
  const invalid: string[] = [];
  for (const p of probes) {
    const intent = p.tool
      ? buildIntent(p.tool, p.args ?? {}, { map, actor })
      : (p.intent as unknown as Intent);
    try {
      const d = await g.check(intent);
      const codeOk = !p.denyCode || d.denyCode === p.denyCode;
      const ok = d.decision === p.expect && codeOk;
      results.push({
        name: p.name,
        expected: p.expect,
        got: d.decision,
        deny_code: d.denyCode,
        request_id: d.requestId,
        ok,
      });
      if (!ok)
        wrong.push(
          `"${p.name}": expected ${p.expect}${p.denyCode ? ` (${p.denyCode})` : ""}, got ${d.decision}${d.denyCode ? ` (${d.denyCode})` : ""}${d.reason ? ` - ${d.reason}` : ""}`,
        );
    } catch (err) {
      const why = explainNoDecision(err, url);
      results.push({
        name: p.name,
        expected: p.expect,
        got: null,
        error: why.code,
        ...(why.status && { status: why.status }),
        ok: false,
      });
      wrong.push(`"${p.name}": no decision (${why.message.replace(/\.$/, "")})`);
      // 422: enforce read the probe's intent and found it invalid; the file, not the policy, needs fixing.
      if (why.status === 422) invalid.push(p.name);
    }
  }
  if (wrong.length) {
    const fix = invalid.length
      ? `Fix the intent of ${invalid.map((n) => `"${n}"`).join(", ")} in ${file}: an intent needs "action", "actor" and "resource": { "type" } (the 422 detail above names the field).`
      : `Fix the policy, or the expectation in ${file}, so every probe gets the decision it should.`;
    return fail(
      "probes",
      `${wrong.length} of ${probes.length} probe(s) not answered as expected: ${wrong.join("; ")}`,
      fix,
      { file, probes: results },
    );
  }
  return pass("probes", `${probes.length} probe(s) answered as expected`, {
    file,
    probes: results,
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export async function checkLatency(
  g: CliGovernor,
  samples: number,
  maxLatency: number | undefined,
  url: string,
): Promise<CheckResult> {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    try {
      times.push((await g.check(READ_PROBE)).latencyMs);
    } catch (err) {
      const why = explainNoDecision(err, url);
      return fail(
        "latency",
        `call ${i + 1} of ${samples} got no decision: ${why.message}`,
        why.fix,
      );
    }
  }
  times.sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 10) / 10;
  const p50 = round(percentile(times, 50));
  const p95 = round(percentile(times, 95));
  const details = {
    samples,
    p50_ms: p50,
    p95_ms: p95,
    max_ms: round(times[times.length - 1]),
    ...(maxLatency !== undefined && { max_latency_ms: maxLatency }),
  };
  const msg = `p50 ${p50} ms, p95 ${p95} ms over ${samples} calls`;
  if (maxLatency !== undefined && p95 > maxLatency)
    return fail(
      "latency",
      `${msg}: above --max-latency ${maxLatency} ms`,
      "Every tool call waits this long: move enforce closer to the agent, or find what slows it (its logs have the request ids).",
      details,
    );
  if (maxLatency === undefined && p95 > 250)
    return warn(
      "latency",
      `${msg}: slow for a check before every tool call`,
      "Move enforce closer to the agent; use --max-latency <ms> to make this a failure.",
      details,
    );
  return pass("latency", msg, details);
}
