// Issue 9 follow-ups with the real packages (@langchain/core + langchain, openai), instrumentation off
// so what init wrote is what gates. Fixture app `factories` (TS):
//   - a project-own factory (ToolRegistry.registerTool(name, ...) builds new DynamicStructuredTool({ name, func }))
//     called from another class through `this.toolRegistry`: gated inside the factory under its name
//     parameter, each call site reported with its literal name (and put into the intent map);
//   - a single-shot route (one model call, `switch` branches that set the reply's variables):
//     each branch gated whole, a refusal thrown and reported by the route's own catch.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { assertBuilt, FIXTURES, REPO } from "./support/paths.js";
import { closedPortUrl, startServe, type RunningServe } from "./support/serve.js";
import {
  copyFixture,
  json,
  readLines,
  run,
  runApp,
  runInit,
  type ProcResult,
  type Project,
  expectSecondInitNoop,
} from "./support/project.js";

const WAIT = 120_000;
const TSC = join(REPO, "node_modules", "typescript", "bin", "tsc");
const REASON = "Refunds need a human approver.";

type AppRun = Awaited<ReturnType<typeof runApp>> & {
  calls: string[];
  audit: Record<string, any>[];
  auditText: string;
};

let serve: RunningServe;
let project: Project;
let outcome: Promise<{
  init: ProcResult & { report: any };
  tscBefore: ProcResult;
  tsc: ProcResult;
  gated: AppRun;
  closed: AppRun;
  second: ProcResult & { report: any };
}>;

async function runGated(label: string, enforceUrl: string, timeoutMs: number): Promise<AppRun> {
  const callsLog = join(project.dir, `${label}.calls.log`);
  const auditLog = join(project.dir, `${label}.audit.jsonl`);
  const env = {
    GOVERNOR_INSTRUMENT: "off",
    GOVERNOR_ENFORCE_URL: enforceUrl,
    GOVERNOR_AUDIT_LOG: auditLog,
    GOVERNOR_TIMEOUT_MS: String(timeoutMs),
    TOOL_CALLS_LOG: callsLog,
  };
  const res = await runApp(project, env);
  const lines = readLines(auditLog);
  return {
    ...res,
    calls: readLines(callsLog),
    audit: lines.map((l) => JSON.parse(l)),
    auditText: lines.join("\n"),
  };
}

const show = (r: AppRun) =>
  `exit ${r.code}\nstdout: ${r.stdout.slice(-2000)}\nstderr: ${r.stderr.slice(-2000)}`;

beforeAll(async () => {
  assertBuilt();
  serve = await startServe(join(FIXTURES, "policy.yaml"));
  const closedUrl = await closedPortUrl();
  project = copyFixture("factories");
  const tsc = () => run([TSC, "--noEmit", "-p", "."], { cwd: project.dir });
  outcome = (async () => {
    const tscBefore = await tsc();
    const init = await runInit(project, ["--json"]);
    const [tscAfter, gated, closed] = await Promise.all([
      tsc(),
      runGated("gated", serve.url, 5000),
      runGated("closed", closedUrl, 500),
    ]);
    const second = await runInit(project, ["--json", "--dry-run"]);
    return {
      init: { ...init, report: json(init) },
      tscBefore,
      tsc: tscAfter,
      gated,
      closed,
      second: { ...second, report: json(second) },
    };
  })();
  outcome.catch(() => {});
});

afterAll(async () => {
  await outcome?.catch(() => {});
  await serve?.stop();
  project?.remove();
});

describe("project-own factory and single-shot route (TS)", () => {
  it(
    "init gates the factory under its name parameter and each route branch whole; every tool is reported by name and in the intent map; a second init changes nothing",
    async () => {
      const { init, second } = await outcome;
      expect(init.code, `init failed:\n${init.stdout}\n${init.stderr}`).toBe(0);
      const tools = (init.report?.tools ?? [])
        .map((t: any) => `${t.file}:${t.name}:${t.form}:${t.status}`)
        .sort();
      expect(tools).toEqual([
        "src/agent-tools.ts:lookup_order:factory-call:gated",
        "src/agent-tools.ts:refund_payment:factory-call:gated",
        "src/route.ts:lookup_order:switch:gated",
        "src/route.ts:refund_payment:switch:gated",
      ]);
      expect(readFileSync(join(project.dir, "src/registry.ts"), "utf8")).toContain(
        'func: gate(name, func, { onDeny: "return" })',
      );
      expect(readFileSync(join(project.dir, "src/route.ts"), "utf8")).toContain(
        'await gate("refund_payment", async (_args: unknown) => {',
      );
      const config = JSON.parse(readFileSync(join(project.dir, "governor.config.json"), "utf8"));
      expect(Object.keys(config.tools).sort()).toEqual(["lookup_order", "refund_payment"]);
      expectSecondInitNoop(second, init.report.tools.length);
    },
    WAIT,
  );

  it(
    "runs the allowed tools, never the denied ones; the agent reads the refusal, the route reports it",
    async () => {
      const { gated } = await outcome;
      expect(gated.code, show(gated)).toBe(0);
      expect(gated.calls, show(gated)).toEqual(["lookup_order", "route:lookup_order"]);
      const r = gated.summary?.toolResults ?? {};
      expect(r.lookup_order, show(gated)).toContain("ORD-7731");
      expect(r.refund_payment, show(gated)).toContain(REASON);
      expect(r["route:lookup_order"], show(gated)).toBe("Order ORD-7731 is in transit");
      expect(r["route:refund_payment"], show(gated)).toContain(REASON);
      expect(JSON.stringify(r)).not.toMatch(/Refunded/);
      // Each call asked once: at the definition, or by the governTools wrapper init put on the agent's
      // tools (which then decides for the definition gate inside it).
      const asked = gated.audit.map((a) => `${a.tool}:${a.decision}:${a.outcome}`);
      expect(asked.sort(), gated.auditText).toEqual([
        "lookup_order:ALLOW:executed",
        "lookup_order:ALLOW:executed",
        "refund_payment:DENY:blocked",
        "refund_payment:DENY:blocked",
      ]);
      expect(
        gated.audit.every((a) => a.gatedBy === "definition" || a.gatedBy === "registration"),
        gated.auditText,
      ).toBe(true);
    },
    WAIT,
  );

  it(
    "fails closed when enforce is down: no tool runs and the app still finishes",
    async () => {
      const { closed } = await outcome;
      expect(closed.calls, show(closed)).toEqual([]);
      expect(closed.code, show(closed)).toBe(0);
      expect(JSON.stringify(closed.summary?.toolResults ?? {}), show(closed)).not.toMatch(
        /Refunded|in transit/,
      );
    },
    WAIT,
  );

  it(
    "the project type-checks before and after init",
    async () => {
      const { tscBefore, tsc } = await outcome;
      expect(tscBefore.code, tscBefore.stdout).toBe(0);
      expect(tsc.code, tsc.stdout).toBe(0);
    },
    WAIT,
  );
});
