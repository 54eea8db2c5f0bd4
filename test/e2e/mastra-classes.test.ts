// Shapes the rewrite reaches since issue 9, on the real framework packages: Mastra createTool tools
// (@mastra/core 0.24.9, an offline model) and LangChain tool classes through the project's own base
// class in another file, one of them inheriting its _call. `governor init` rewrites the app, which
// then runs against a real `governor serve` (policy: allow lookup_order, deny refund_payment) and
// with enforce down: as init leaves it (its `import "governor/register"` in the entrypoint, so the
// run-time layer and the rewrite are both in, and each call must still be asked once), and with that
// import taken out, so the rewrite alone decides.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
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

const CASES = [
  {
    name: "mastra-agent",
    what: "Mastra Agent.generate with createTool tools (TS, ESM)",
    entry: "src/index.ts",
    tools: ["lookup_order:gated", "refund_payment:gated"],
  },
  {
    name: "langchain-class-tools",
    what: "LangChain createAgent with StructuredTool classes through a base in another file (TS, ESM)",
    entry: "src/index.ts",
    // PaymentTool defines the _call RefundPaymentTool inherits: gated once, under this.name.
    tools: ["lookup_order:gated", "payment:gated", "refund_payment:gated"],
  },
];

const WAIT = 120_000;
const TSC = join(REPO, "node_modules", "typescript", "bin", "tsc");
const REASON = "Refunds need a human approver."; // from the policy's deny rule
const ARG_VALUE = "ORD-7731"; // passed as an argument; it must never reach the audit log
const REGISTER_IMPORT = /^import "governor\/register";\r?\n/m;

type AppRun = Awaited<ReturnType<typeof runApp>> & {
  calls: string[];
  audit: Record<string, any>[];
  auditText: string;
};
interface Outcome {
  init: ProcResult & { report: any; entryImportsRegister: boolean };
  tsc: ProcResult;
  /** As init left the app. */
  layered: { gated: AppRun; closed: AppRun };
  /** The entrypoint's governor/register import removed: the rewrite alone. */
  rewrite: { gated: AppRun; closed: AppRun };
}

let serve: RunningServe;
let closedUrl: string;
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

const runBoth = async (project: Project, prefix: string) => {
  const [gated, closed] = await Promise.all([
    runGated(project, `${prefix}-gated`, serve.url, 5000),
    runGated(project, `${prefix}-closed`, closedUrl, 500),
  ]);
  return { gated, closed };
};

async function prepare(name: string, entry: string): Promise<Outcome> {
  const project = copyFixture(name);
  projects.push(project);
  const init = await runInit(project, ["--json"]);
  let report: any = null;
  try {
    report = JSON.parse(init.stdout);
  } catch {
    report = null;
  }
  const entryFile = join(project.dir, entry);
  const entryText = readFileSync(entryFile, "utf8");
  const [tsc, layered] = await Promise.all([
    run([TSC, "--noEmit", "-p", "."], { cwd: project.dir }),
    runBoth(project, "layered"),
  ]);
  writeFileSync(entryFile, entryText.replace(REGISTER_IMPORT, ""));
  const rewrite = await runBoth(project, "rewrite");
  return {
    init: { ...init, report, entryImportsRegister: REGISTER_IMPORT.test(entryText) },
    tsc,
    layered,
    rewrite,
  };
}

function show(r: AppRun): string {
  return `exit ${r.code}\nstdout: ${r.stdout.slice(-2000)}\nstderr: ${r.stderr.slice(-2000)}\naudit: ${r.auditText}`;
}

beforeAll(async () => {
  assertBuilt();
  serve = await startServe(join(FIXTURES, "policy.yaml"));
  closedUrl = await closedPortUrl();
  const slot = limit(2);
  for (const c of CASES)
    outcomes.set(
      c.name,
      slot(() => prepare(c.name, c.entry)),
    );
  for (const p of outcomes.values()) p.catch(() => {});
});

afterAll(async () => {
  await Promise.allSettled(outcomes.values());
  await serve?.stop();
  for (const p of projects) p.remove();
});

describe.each(CASES)("$what", ({ name, tools }) => {
  const outcome = () => outcomes.get(name)!;

  it(
    "governor init gates every tool at its definition and imports governor/register in the entrypoint",
    async () => {
      const { init } = await outcome();
      expect(init.code, `init failed:\n${init.stdout}\n${init.stderr}`).toBe(0);
      expect((init.report?.tools ?? []).map((t: any) => `${t.name}:${t.status}`).sort()).toEqual(
        tools,
      );
      expect(init.entryImportsRegister).toBe(true);
    },
    WAIT,
  );

  it(
    "the gated project still type-checks against the framework's types",
    async () => {
      const { tsc } = await outcome();
      expect(tsc.code, tsc.stdout).toBe(0);
    },
    WAIT,
  );

  for (const variant of ["layered", "rewrite"] as const) {
    const label =
      variant === "layered"
        ? "as init leaves it (rewrite and governor/register)"
        : "by the rewrite alone";
    it(
      `${label}: the allowed tool runs, the denied one never does, the model gets the refusal as the tool's result`,
      async () => {
        const { gated } = (await outcome())[variant];
        expect(gated.code, show(gated)).toBe(0);
        expect(gated.calls, show(gated)).toEqual(["lookup_order"]);
        expect(gated.summary?.toolResults.lookup_order, show(gated)).toContain(ARG_VALUE);
        expect(gated.summary?.toolResults.refund_payment, show(gated)).toContain(REASON);
        expect(gated.summary?.toolResults.refund_payment).not.toMatch(/Refunded/);
      },
      WAIT,
    );

    it(
      `${label}: each call is asked exactly once, under the name the model called`,
      async () => {
        const { gated } = (await outcome())[variant];
        expect(
          gated.audit.map((a) => [a.tool, a.decision, a.outcome]).sort(),
          gated.auditText,
        ).toEqual([
          ["lookup_order", "ALLOW", "executed"],
          ["refund_payment", "DENY", "blocked"],
        ]);
        if (variant === "rewrite")
          for (const a of gated.audit) expect(a.gatedBy, gated.auditText).toBe("definition");
        // Built from the tool's input alone: the customer's email in Mastra's runtime context is not data.
        for (const a of gated.audit) expect(a.intent?.data?.pii, gated.auditText).toBe(false);
        expect(gated.auditText).not.toContain(ARG_VALUE);
      },
      WAIT,
    );

    it(
      `${label}, enforce down: no tool runs and the agent still finishes`,
      async () => {
        const { closed } = (await outcome())[variant];
        expect(closed.code, show(closed)).toBe(0);
        expect(closed.calls, show(closed)).toEqual([]);
        expect(closed.audit.map((a) => [a.tool, a.outcome]).sort(), closed.auditText).toEqual([
          ["lookup_order", "error"],
          ["refund_payment", "error"],
        ]);
        for (const tool of ["lookup_order", "refund_payment"]) {
          expect(closed.summary?.toolResults[tool], show(closed)).toMatch(/\S/);
          expect(closed.summary?.toolResults[tool]).not.toMatch(/Refunded|"status"/);
        }
      },
      WAIT,
    );
  }
});
