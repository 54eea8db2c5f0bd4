// The whole chain on the real framework packages: `governor init` rewrites a fixture agent app, the
// app runs against a real `governor serve`, and a policy allows lookup_order and denies refund_payment.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { assertBuilt, FIXTURES, REPO } from "./support/paths.js";
import { closedPortUrl, startServe, type RunningServe } from "./support/serve.js";
import {
  copyFixture,
  readLines,
  run,
  runApp,
  runInit,
  type ProcResult,
  type Project,
} from "./support/project.js";
import { limit } from "./support/limit.js";

// `instrument`: the framework is one governor/register instruments, so the untouched app (before
// init) is also run with `--import governor/register` alone. Raw SDK loops have no framework tools
// to hook: init's rewrite of the dispatch is what gates them.
const CASES: {
  name: string;
  what: string;
  ts: boolean;
  instrument: boolean;
  alsoGated?: string[];
}[] = [
  {
    name: "ai-generate-text",
    what: "Vercel AI SDK generateText (TS, ESM)",
    ts: true,
    instrument: true,
  },
  {
    name: "ai-tool-loop-agent",
    what: "Vercel AI SDK ToolLoopAgent (JS, CJS)",
    ts: false,
    instrument: true,
  },
  {
    name: "langchain-create-agent",
    what: "LangChain createAgent (TS, ESM)",
    ts: true,
    instrument: true,
  },
  {
    name: "langgraph-tool-node",
    what: "LangGraph StateGraph + ToolNode (JS, ESM)",
    ts: false,
    instrument: true,
  },
  {
    name: "openai-agents",
    what: "OpenAI Agents Agent + run (TS, ESM)",
    ts: true,
    instrument: true,
  },
  // The app's in-process Client is wrapped too (governMcpClient): a registration site with no name.
  {
    name: "mcp-server",
    what: "MCP McpServer.registerTool via Client + InMemoryTransport (JS, CJS)",
    ts: false,
    instrument: true,
    alsoGated: ["null:gated"],
  },
  {
    name: "openai-chat-loop",
    what: "openai chat.completions loop, switch dispatch (JS, .mjs)",
    ts: false,
    instrument: false,
  },
  {
    name: "anthropic-messages-loop",
    what: "@anthropic-ai/sdk messages loop, handler map (TS, CJS)",
    ts: true,
    instrument: false,
  },
];

// Each case is prepared (init, type-check, two app runs) in the background from beforeAll; a test
// waits for its case, which on a loaded 2-core CI machine can take a while.
const WAIT = 120_000;
const TSC = join(REPO, "node_modules", "typescript", "bin", "tsc");
const REASON = "Refunds need a human approver."; // from the policy's deny rule
const ARG_VALUE = "ORD-7731"; // every fixture passes it as an argument; it must never reach the audit log

type AppRun = Awaited<ReturnType<typeof runApp>> & {
  calls: string[];
  audit: Record<string, any>[];
  auditText: string;
};
interface Outcome {
  project: Project;
  init: { code: number | null; stdout: string; stderr: string; report: any };
  gated: AppRun;
  closed: AppRun;
  /** `tsc --noEmit` on the gated project (TS fixtures only; each type-checks before init). */
  tsc: ProcResult | null;
  /** The untouched app (before init) run with `--import governor/register`: against serve, and with
   *  enforce down. Null for cases without instrumentation. */
  instrumented: { gated: AppRun; closed: AppRun } | null;
}

let serve: RunningServe;
const outcomes = new Map<string, Promise<Outcome>>();
const projects: Project[] = [];

async function runGated(
  project: Project,
  label: string,
  enforceUrl: string,
  timeoutMs: number,
  preload = false,
): Promise<AppRun> {
  const callsLog = join(project.dir, `${label}.calls.log`);
  const auditLog = join(project.dir, `${label}.audit.jsonl`);
  const env = {
    GOVERNOR_ENFORCE_URL: enforceUrl,
    GOVERNOR_AUDIT_LOG: auditLog,
    GOVERNOR_TIMEOUT_MS: String(timeoutMs),
    TOOL_CALLS_LOG: callsLog,
  };
  const res = await runApp(project, env, preload ? ["--import", "governor/register"] : []);
  const auditText = readLines(auditLog).join("\n");
  return {
    ...res,
    calls: readLines(callsLog),
    audit: readLines(auditLog).map((l) => JSON.parse(l)),
    auditText,
  };
}

async function prepare(
  name: string,
  ts: boolean,
  instrument: boolean,
  closedUrl: string,
): Promise<Outcome> {
  const project = copyFixture(name);
  projects.push(project);
  // Instrumentation alone first, on the app as its author wrote it.
  const instrumented = instrument
    ? await Promise.all([
        runGated(project, "inst-gated", serve.url, 5000, true),
        runGated(project, "inst-closed", closedUrl, 500, true),
      ]).then(([gated, closed]) => ({ gated, closed }))
    : null;
  const init = await runInit(project, ["--json"]);
  let report: any = null;
  try {
    report = JSON.parse(init.stdout);
  } catch {
    report = null;
  }
  const [tsc, gated, closed] = await Promise.all([
    ts ? run([TSC, "--noEmit", "-p", "."], { cwd: project.dir }) : null,
    runGated(project, "gated", serve.url, 5000), // roomy: a loaded CI machine must not turn ALLOW into a timeout
    runGated(project, "closed", closedUrl, 500), // retries a refused connection until the deadline; keep it short
  ]);
  return { project, init: { ...init, report }, gated, closed, tsc, instrumented };
}

function show(run: AppRun): string {
  return `exit ${run.code}\nstdout: ${run.stdout.slice(-2000)}\nstderr: ${run.stderr.slice(-2000)}`;
}

beforeAll(async () => {
  assertBuilt();
  serve = await startServe(join(FIXTURES, "policy.yaml"));
  const closedUrl = await closedPortUrl();
  const slot = limit(4); // 2 cores: a few apps at once keeps the suite short without thrashing
  for (const c of CASES)
    outcomes.set(
      c.name,
      slot(() => prepare(c.name, c.ts, c.instrument, closedUrl)),
    );
  // Surface a failed preparation in the tests that need it, not as an unhandled rejection.
  for (const p of outcomes.values()) p.catch(() => {});
});

afterAll(async () => {
  await Promise.allSettled(outcomes.values());
  await serve?.stop();
  for (const p of projects) p.remove();
});

describe.each(CASES)("$what", ({ name, ts, instrument, alsoGated }) => {
  const outcome = () => outcomes.get(name)!;

  if (instrument) {
    it(
      "before init, with --import governor/register alone: the allowed tool runs, the denied one never does, the model gets the refusal",
      async () => {
        const { gated } = (await outcome()).instrumented!;
        expect(gated.code, show(gated)).toBe(0);
        expect(gated.calls, show(gated)).toEqual(["lookup_order"]);
        expect(gated.summary?.toolResults.refund_payment, show(gated)).toContain(REASON);
        expect(
          gated.audit.map((a) => [a.tool, a.decision, a.gatedBy]).sort(),
          gated.auditText,
        ).toEqual([
          ["lookup_order", "ALLOW", "instrumentation"],
          ["refund_payment", "DENY", "instrumentation"],
        ]);
        expect(gated.auditText).not.toContain(ARG_VALUE);
      },
      WAIT,
    );

    it(
      "before init, with --import governor/register alone and enforce down: no tool runs",
      async () => {
        const { closed } = (await outcome()).instrumented!;
        expect(closed.code, show(closed)).toBe(0);
        expect(closed.calls, show(closed)).toEqual([]);
        expect(closed.audit.map((a) => [a.tool, a.outcome]).sort(), closed.auditText).toEqual([
          ["lookup_order", "error"],
          ["refund_payment", "error"],
        ]);
      },
      WAIT,
    );
  }

  it(
    "governor init gates both tools",
    async () => {
      const { init } = await outcome();
      expect(init.code, `init failed:\n${init.stdout}\n${init.stderr}`).toBe(0);
      const tools = (init.report?.tools ?? []).map((t: any) => `${t.name}:${t.status}`).sort();
      expect(tools).toEqual(
        ["lookup_order:gated", ...(alsoGated ?? []), "refund_payment:gated"].sort(),
      );
    },
    WAIT,
  );

  if (ts)
    it(
      "the gated project still type-checks against the framework's types",
      async () => {
        const { tsc } = await outcome();
        expect(tsc?.code, tsc?.stdout).toBe(0);
      },
      WAIT,
    );

  it(
    "runs the allowed tool, never the denied one, and the agent finishes",
    async () => {
      const { gated } = await outcome();
      expect(gated.code, show(gated)).toBe(0);
      expect(gated.calls).toEqual(["lookup_order"]);
      expect(gated.summary, show(gated)).not.toBeNull();
    },
    WAIT,
  );

  it(
    "hands the model the allowed result and the refusal with its reason",
    async () => {
      const { gated } = await outcome();
      expect(gated.summary?.toolResults.lookup_order, show(gated)).toContain(ARG_VALUE);
      expect(gated.summary?.toolResults.refund_payment, show(gated)).toContain(REASON);
      expect(gated.summary?.toolResults.refund_payment).not.toMatch(/Refunded/);
    },
    WAIT,
  );

  it(
    "writes one audit line per attempt, with the server's request id and no argument values",
    async () => {
      const { gated } = await outcome();
      expect(gated.audit.map((a) => a.tool).sort(), gated.auditText).toEqual([
        "lookup_order",
        "refund_payment",
      ]);
      const allowed = gated.audit.find((a) => a.tool === "lookup_order")!;
      const denied = gated.audit.find((a) => a.tool === "refund_payment")!;
      expect([allowed.decision, allowed.outcome]).toEqual(["ALLOW", "executed"]);
      expect([denied.decision, denied.outcome]).toEqual(["DENY", "blocked"]);
      for (const a of [allowed, denied]) {
        expect(a.requestId, gated.auditText).toMatch(/\S/);
        expect(serve.stderr()).toContain(a.requestId);
      }
      // The refusal the model read names the same decision, so a user's report can be traced.
      expect(gated.summary?.toolResults.refund_payment).toContain(denied.requestId);
      expect(gated.auditText).not.toContain(ARG_VALUE);
    },
    WAIT,
  );

  it(
    "fails closed when enforce is down: no tool runs and the agent still finishes",
    async () => {
      const { closed } = await outcome();
      expect(closed.calls, show(closed)).toEqual([]);
      // Refused connections are retried inside the deadline, so the code is either of the two.
      expect(
        closed.audit.map((a) => [a.tool, a.decision, a.outcome]).sort(),
        closed.auditText,
      ).toEqual([
        ["lookup_order", null, "error"],
        ["refund_payment", null, "error"],
      ]);
      for (const a of closed.audit)
        expect(["enforce_unavailable", "timeout"]).toContain(a.errorCode);
      expect(closed.code, show(closed)).toBe(0);
      // The model was told something for each call, and it was not the tool's output.
      for (const tool of ["lookup_order", "refund_payment"]) {
        expect(closed.summary?.toolResults[tool], show(closed)).toMatch(/\S/);
        expect(closed.summary?.toolResults[tool]).not.toMatch(/Refunded|"status"/);
      }
    },
    WAIT,
  );
});
