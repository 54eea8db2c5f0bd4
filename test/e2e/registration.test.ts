// Registration sites of issue 9 (shapes 5, 6, 8) with the real framework packages: tools init cannot
// gate at their definition are gated where they are registered. `governor init` rewrites each
// fixture app, the app runs against a real `governor serve` (allows lookup_order, denies
// refund_payment) and again with enforce down, with governor/register's instrumentation turned off so
// the rewrite alone is what gates. Each tool body logs its name when it really runs.
//   ai-registration: a hand-built project factory (createAiTool, gated in place) and a per-request
//     tool() factory keyed only at run time (Object.fromEntries registry spread into `tools`:
//     the site becomes governTools({...})).
//   agents-registration: a LangGraph createReactAgent whose tools hold a prebuilt tool class instance
//     from a compiled library (package.json "imports" -> vendor/.../dist), and an OpenAI Agents Agent
//     with an agent.asTool() beside a hosted webSearchTool(): both sites become governTools(...).
//   mcp-task-registration: a task-based tool (experimental.tasks.registerToolTask) beside a
//     registerTool: the server's construction becomes governMcpServer(new McpServer(...)).
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

const CASES = [
  {
    name: "ai-registration",
    what: "AI SDK: hand-built factory + run-time keyed registry (TS)",
    ts: true,
    tools: ["lookup_order:helper:gated", "null:registration:gated"],
    rewritten: { file: "src/index.ts", holds: "tools: governTools({ ...buildRegistry(" },
    // the registry's refund tool is asked by the registration wrapper, the hand-built one at its definition
    gatedBy: { lookup_order: "definition", refund_payment: "registration" },
  },
  {
    name: "agents-registration",
    what: "LangGraph prebuilt tool instance + OpenAI Agents asTool (TS)",
    ts: true,
    tools: [
      "lookup_order:tool:gated",
      "null:registration:gated",
      "refund_payment:registration:gated",
    ],
    rewritten: {
      file: "src/graph.ts",
      holds: "createReactAgent({ llm, tools: governTools(tools) })",
    },
    // every tool is asked once, by the wrapper: it gates each LangChain tool's _call, outside the
    // gate init put inside lookup_order's function (which then sees the call decided)
    gatedBy: { lookup_order: "registration", refund_payment: "registration" },
  },
  {
    name: "mcp-task-registration",
    what: "MCP: registerToolTask + registerTool on one server (JS)",
    ts: false,
    // the app's own in-process MCP Client is a registration site too: governMcpClient(new Client(...))
    tools: [
      "lookup_order:registerTool:gated",
      "null:registration:gated",
      "refund_payment:registerToolTask:gated",
    ],
    rewritten: {
      file: "server.mjs",
      holds: "export const server = governMcpServer(new McpServer(",
    },
    gatedBy: { refund_payment: "registration", lookup_order: "registration" },
  },
];

const WAIT = 120_000;
const TSC = join(REPO, "node_modules", "typescript", "bin", "tsc");
const REASON = "Refunds need a human approver.";

type AppRun = Awaited<ReturnType<typeof runApp>> & {
  calls: string[];
  audit: Record<string, any>[];
  auditText: string;
};
interface Outcome {
  project: Project;
  init: ProcResult & { report: any };
  tscBefore: ProcResult | null;
  tsc: ProcResult | null;
  gated: AppRun;
  closed: AppRun;
  second: ProcResult & { report: any };
}

let serve: RunningServe;
const outcomes = new Map<string, Promise<Outcome>>();
const projects: Project[] = [];

async function runGated(
  project: Project,
  label: string,
  enforceUrl: string,
  timeoutMs: number,
): Promise<AppRun> {
  const callsLog = join(project.dir, `${label}.calls.log`);
  const auditLog = join(project.dir, `${label}.audit.jsonl`);
  // Instrumentation off: what init wrote (definition gates, registration wrappers) must gate alone.
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

async function prepare(name: string, ts: boolean, closedUrl: string): Promise<Outcome> {
  const project = copyFixture(name);
  projects.push(project);
  const tsc = () =>
    ts ? run([TSC, "--noEmit", "-p", "."], { cwd: project.dir }) : Promise.resolve(null);
  const tscBefore = await tsc();
  const init = await runInit(project, ["--json"]);
  const [tscAfter, gated, closed] = await Promise.all([
    tsc(),
    runGated(project, "gated", serve.url, 5000),
    runGated(project, "closed", closedUrl, 500),
  ]);
  const second = await runInit(project, ["--json", "--dry-run"]);
  return {
    project,
    init: { ...init, report: json(init) },
    tscBefore,
    tsc: tscAfter,
    gated,
    closed,
    second: { ...second, report: json(second) },
  };
}

const show = (r: AppRun) =>
  `exit ${r.code}\nstdout: ${r.stdout.slice(-2000)}\nstderr: ${r.stderr.slice(-2000)}`;

beforeAll(async () => {
  assertBuilt();
  serve = await startServe(join(FIXTURES, "policy.yaml"));
  const closedUrl = await closedPortUrl();
  for (const c of CASES) outcomes.set(c.name, prepare(c.name, c.ts, closedUrl));
  for (const p of outcomes.values()) p.catch(() => {});
});

afterAll(async () => {
  await Promise.allSettled(outcomes.values());
  await serve?.stop();
  for (const p of projects) p.remove();
});

describe.each(CASES)("$what", (c) => {
  const outcome = () => outcomes.get(c.name)!;

  it(
    "governor init wraps the registration site and reports every tool gated; a second init changes nothing",
    async () => {
      const { project, init, second } = await outcome();
      expect(init.code, `init failed:\n${init.stdout}\n${init.stderr}`).toBe(0);
      const tools = (init.report?.tools ?? [])
        .map((t: any) => `${t.name}:${t.form}:${t.status}`)
        .sort();
      expect(tools).toEqual([...c.tools].sort());
      expect(readFileSync(join(project.dir, c.rewritten.file), "utf8")).toContain(
        c.rewritten.holds,
      );
      expectSecondInitNoop(second, c.tools.length);
    },
    WAIT,
  );

  it(
    "runs the allowed tool, never the denied one, and hands back the refusal",
    async () => {
      const { gated } = await outcome();
      expect(gated.code, show(gated)).toBe(0);
      expect(gated.calls, show(gated)).toEqual(["lookup_order"]);
      expect(gated.summary?.toolResults.lookup_order, show(gated)).toContain("ORD-7731");
      expect(gated.summary?.toolResults.refund_payment, show(gated)).toContain(REASON);
      expect(gated.summary?.toolResults.refund_payment).not.toMatch(/Refunded/);
      const asked = gated.audit.map((a) => `${a.tool}:${a.decision}:${a.outcome}`);
      expect(asked, gated.auditText).toContain("lookup_order:ALLOW:executed");
      expect(asked, gated.auditText).toContain("refund_payment:DENY:blocked");
      for (const [tool, by] of Object.entries(c.gatedBy))
        expect(gated.audit.find((a) => a.tool === tool)?.gatedBy, gated.auditText).toBe(by);
    },
    WAIT,
  );

  it(
    "fails closed when enforce is down: no tool runs and the app still finishes",
    async () => {
      const { closed } = await outcome();
      expect(closed.calls, show(closed)).toEqual([]);
      expect(closed.code, show(closed)).toBe(0);
      expect(closed.summary?.toolResults.refund_payment ?? "", show(closed)).not.toMatch(
        /Refunded/,
      );
    },
    WAIT,
  );
});

describe.each(CASES.filter((c) => c.ts))("$what", (c) => {
  it(
    "the project type-checks before and after init",
    async () => {
      const { tscBefore, tsc } = await outcomes.get(c.name)!;
      expect(tscBefore!.code, tscBefore!.stdout).toBe(0);
      expect(tsc!.code, tsc!.stdout).toBe(0);
    },
    WAIT,
  );
});
