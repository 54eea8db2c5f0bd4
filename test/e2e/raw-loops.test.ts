// Hand-written loops over the real openai / @anthropic-ai/sdk clients, in the shapes of issue 9:
// a dispatcher in another module, a handler map exported by another module, if-chains, and
// synchronous forEach loops (rewritten to for-of). `governor init` rewrites each fixture app, the
// app runs every loop against a real `governor serve` (allows lookup_order, denies refund_payment),
// and again with enforce down. Each tool body logs "<loop>:<tool>" when it really runs.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
    name: "raw-openai-modules",
    what: "openai chat loops: dispatcher module via a barrel, exported handler map, sync forEach (TS, ESM)",
    loops: ["dispatcher", "map", "foreach"],
  },
  {
    name: "raw-anthropic-mts",
    what: "@anthropic-ai/sdk loops: if-chains pushing tool results, sync forEach (.mts in a CJS package, .cts services)",
    loops: ["ifchain", "foreach"],
  },
];

const WAIT = 120_000;
const TSC = join(REPO, "node_modules", "typescript", "bin", "tsc");
const REASON = "Refunds need a human approver."; // from the policy's deny rule

type AppRun = Awaited<ReturnType<typeof runApp>> & {
  calls: string[];
  audit: Record<string, any>[];
  auditText: string;
};
interface Outcome {
  init: ProcResult & { report: any };
  tscBefore: ProcResult;
  tsc: ProcResult;
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
  const env = {
    GOVERNOR_ENFORCE_URL: enforceUrl,
    GOVERNOR_AUDIT_LOG: auditLog,
    GOVERNOR_TIMEOUT_MS: String(timeoutMs),
    TOOL_CALLS_LOG: callsLog,
  };
  const res = await runApp(project, env);
  const auditText = readLines(auditLog).join("\n");
  return {
    ...res,
    calls: readLines(callsLog),
    audit: readLines(auditLog).map((l) => JSON.parse(l)),
    auditText,
  };
}

async function prepare(name: string, closedUrl: string): Promise<Outcome> {
  const project = copyFixture(name);
  projects.push(project);
  const tscBefore = await run([TSC, "--noEmit", "-p", "."], {
    cwd: project.dir,
  });
  const init = await runInit(project, ["--json"]);
  const [tsc, gated, closed] = await Promise.all([
    run([TSC, "--noEmit", "-p", "."], { cwd: project.dir }),
    runGated(project, "gated", serve.url, 5000),
    runGated(project, "closed", closedUrl, 500),
  ]);
  const second = await runInit(project, ["--json", "--dry-run"]);
  return {
    init: { ...init, report: json(init) },
    tscBefore,
    tsc,
    gated,
    closed,
    second: { ...second, report: json(second) },
  };
}

function show(r: AppRun): string {
  return `exit ${r.code}\nstdout: ${r.stdout.slice(-2000)}\nstderr: ${r.stderr.slice(-2000)}`;
}

beforeAll(async () => {
  assertBuilt();
  serve = await startServe(join(FIXTURES, "policy.yaml"));
  const closedUrl = await closedPortUrl();
  for (const c of CASES) outcomes.set(c.name, prepare(c.name, closedUrl));
  for (const p of outcomes.values()) p.catch(() => {});
});

afterAll(async () => {
  await Promise.allSettled(outcomes.values());
  await serve?.stop();
  for (const p of projects) p.remove();
});

describe.each(CASES)("$what", ({ name, loops }) => {
  const outcome = () => outcomes.get(name)!;

  it(
    "governor init gates both tools in every loop, and a second init changes nothing",
    async () => {
      const { init, second } = await outcome();
      expect(init.code, `init failed:\n${init.stdout}\n${init.stderr}`).toBe(0);
      const tools = (init.report?.tools ?? []).map((t: any) => `${t.name}:${t.status}`).sort();
      expect(tools).toEqual(
        loops.flatMap(() => ["lookup_order:gated", "refund_payment:gated"]).sort(),
      );
      expectSecondInitNoop(second, loops.length * 2);
    },
    WAIT,
  );

  it(
    "the project type-checks before and after init",
    async () => {
      const { tscBefore, tsc } = await outcome();
      expect(tscBefore.code, tscBefore.stdout).toBe(0);
      expect(tsc.code, tsc.stdout).toBe(0);
    },
    WAIT,
  );

  it(
    "runs the allowed tool in every loop, never the denied one, and hands the model the refusal",
    async () => {
      const { gated } = await outcome();
      expect(gated.code, show(gated)).toBe(0);
      expect(gated.calls, show(gated)).toEqual(loops.map((l) => `${l}:lookup_order`));
      for (const loop of loops) {
        const seen = (gated.summary?.toolResults as any)?.[loop];
        expect(seen?.lookup_order, show(gated)).toContain("ORD-7731");
        expect(seen?.refund_payment, show(gated)).toContain(REASON);
        expect(seen?.refund_payment).not.toMatch(/Refunded/);
      }
      expect(
        gated.audit.map((a) => `${a.tool}:${a.decision}:${a.outcome}`).sort(),
        gated.auditText,
      ).toEqual(
        loops.flatMap(() => ["lookup_order:ALLOW:executed", "refund_payment:DENY:blocked"]).sort(),
      );
      expect(gated.auditText).not.toContain("ORD-7731");
    },
    WAIT,
  );

  it(
    "fails closed when enforce is down: no tool runs in any loop and the app still finishes",
    async () => {
      const { closed } = await outcome();
      expect(closed.calls, show(closed)).toEqual([]);
      expect(closed.code, show(closed)).toBe(0);
      expect(closed.audit.map((a) => `${a.tool}:${a.outcome}`).sort(), closed.auditText).toEqual(
        loops.flatMap(() => ["lookup_order:error", "refund_payment:error"]).sort(),
      );
    },
    WAIT,
  );
});
