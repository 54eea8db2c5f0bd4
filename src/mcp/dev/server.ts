// `governor mcp --dev`: the integration server for coding agents. It returns data, diffs and commands;
// it writes only through governor_apply, which exists only with --allow-apply. Creating it and
// answering tools/list load no ts-morph, init or doctor: each handler imports its module when called.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { FRAMEWORK_IDS, FRAMEWORKS, type FrameworkId } from "../../frameworks.js";
import { readFileSync } from "node:fs";
import path from "node:path";
import { DevToolError, failed, ok, projectDir, scrubber } from "./result.js";
import { packageRoot } from "./resources.js";
import type { StoredPlan } from "./plan.js";

export interface DevServerOptions {
  /** The directory tools work on when a call gives no `cwd`. */
  cwd: string;
  /** Register governor_apply (`governor mcp --dev --allow-apply`). */
  allowApply: boolean;
  env?: NodeJS.ProcessEnv;
}

const PACKAGE_MANAGERS = ["npm", "pnpm", "yarn", "bun"] as const;
const MAX_PLANS = 32;

const cwdArg = z
  .string()
  .optional()
  .describe(
    "The project directory (absolute, or relative to the server's). Default: the server's.",
  );

const planArgs = {
  cwd: cwdArg,
  framework: z
    .array(z.enum(FRAMEWORK_IDS as [FrameworkId, ...FrameworkId[]]))
    .optional()
    .describe("Only gate tools of these frameworks (init --framework)."),
  include: z.array(z.string()).optional().describe("Only scan files matching these globs."),
  exclude: z.array(z.string()).optional().describe("Skip files matching these globs."),
  install: z
    .boolean()
    .default(true)
    .describe("Run the package manager after adding the dependency (false: --no-install)."),
  packageManager: z.enum(PACKAGE_MANAGERS).optional(),
  allowEdge: z
    .boolean()
    .default(false)
    .describe("Gate tools Next.js Edge routes reach anyway (init --allow-edge)."),
};

function ownVersion(): string {
  try {
    return JSON.parse(readFileSync(path.join(packageRoot(), "package.json"), "utf8")).version;
  } catch {
    return "0.0.0";
  }
}

/** A word for a POSIX shell: a directory name in a command an agent runs must stay one argument. */
const q = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** The `governor init` command that writes the same plan, for a person (or a read-only server). */
function initCommand(cwd: string, o: StoredPlan["options"]): string {
  return [
    "governor init --yes",
    `--cwd ${q(cwd)}`,
    ...(o.install ? [] : ["--no-install"]),
    ...(o.framework?.length ? [`--framework ${o.framework.join(" ")}`] : []),
    ...(o.include ?? []).map((g) => `--include ${q(g)}`),
    ...(o.exclude ?? []).map((g) => `--exclude ${q(g)}`),
    ...(o.packageManager ? [`--package-manager ${o.packageManager}`] : []),
    ...(o.allowEdge ? ["--allow-edge"] : []),
  ].join(" ");
}

/** What outlives one server instance: the plans shown and the one write at a time. Over HTTP each
 *  request gets a server of its own, so they share this. */
export interface DevState {
  plans: Map<string, StoredPlan>;
  applying: Promise<unknown>;
}

export function devState(): DevState {
  return { plans: new Map(), applying: Promise.resolve() };
}

export function createDevMcpServer(
  options: DevServerOptions,
  state: DevState = devState(),
): McpServer {
  const env = options.env ?? process.env;
  const scrub = scrubber(env);
  const { plans } = state;
  const server = new McpServer(
    { name: "governor-dev", version: ownVersion() },
    {
      instructions:
        "Adds governor (a policy gate in front of every tool call an agent makes) to a project. Start with governor_scan, show the user governor_plan's diff" +
        (options.allowApply
          ? ", apply it with governor_apply and its plan_id"
          : " and the `governor init` command it returns") +
        ", then work through governor_checklist. Resources: one guide per framework, the environment variables, the enforce contract.",
    },
  );

  /** Runs a handler; every answer, error or not, leaves with the environment's secrets removed. */
  const handle =
    <A extends { cwd?: string }>(fn: (dir: string, args: A) => Promise<CallToolResult>) =>
    async (args: A): Promise<CallToolResult> => {
      try {
        return scrub(await fn(projectDir(args.cwd, options.cwd), args));
      } catch (err) {
        return scrub(failed(err));
      }
    };
  const readOnly = { readOnlyHint: true, destructiveHint: false, openWorldHint: false };

  server.registerTool(
    "governor_scan",
    {
      title: "Scan tool coverage",
      description:
        "Every agent tool in the project, per framework, with file:line and whether a governor layer (definition gate, registration wrapper, instrumentation) gates it; and what is not gated, with why and what would gate it. Read only.",
      inputSchema: { cwd: cwdArg },
      annotations: { ...readOnly, idempotentHint: true },
    },
    handle(async (dir) => {
      const { scanProject } = await import("./scan.js");
      const data = scanProject(dir, env);
      const s = data.summary as { tools: number; gated: number; notGated: number };
      return ok(data, `${s.tools} tool(s): ${s.gated} gated, ${s.notGated} not gated.`);
    }),
  );

  server.registerTool(
    "governor_plan",
    {
      title: "Plan governor init",
      description:
        "What `governor init` would change (its --dry-run --json report) and the unified diff, with a plan_id bound to the files it read. Writes nothing. Show the diff to the user before applying." +
        (options.allowApply ? " Apply with governor_apply and this plan_id." : ""),
      inputSchema: planArgs,
      annotations: { ...readOnly, idempotentHint: true },
    },
    handle(async (dir, a) => {
      const { planProject } = await import("./plan.js");
      const o = {
        framework: a.framework,
        include: a.include,
        exclude: a.exclude,
        install: a.install,
        packageManager: a.packageManager,
        allowEdge: a.allowEdge,
      };
      const p = await planProject(dir, o, env, options.cwd);
      plans.delete(p.id);
      plans.set(p.id, p.stored);
      // a long session plans many times: keep the newest
      for (const old of plans.keys()) if (plans.size > MAX_PLANS) plans.delete(old);
      const files = (p.report.files as { action: string }[] | undefined) ?? [];
      const changing = files.filter((f) => f.action !== "unchanged").length;
      const dirty = p.uncommitted?.length ? p.uncommitted : null;
      return ok(
        {
          plan_id: p.id,
          cwd: dir,
          options: o,
          report: p.report,
          diff: p.diff,
          ...(dirty && { uncommitted: dirty }),
          apply: options.allowApply
            ? `governor_apply with plan_id ${p.id}${dirty ? " and allowDirty: true (the git tree has uncommitted changes), or commit first" : ""}`
            : "governor_apply is off (the server was started without --allow-apply): run the command below in a terminal",
          command: initCommand(dir, o),
        },
        `Plan ${p.id}: ${changing} file(s) would change.`,
      );
    }),
  );

  if (options.allowApply)
    server.registerTool(
      "governor_apply",
      {
        title: "Apply a governor plan",
        description:
          "Writes exactly the plan governor_plan returned (as `governor init --yes` with its options): refused if any file it read changed since, or the plan_id is unknown. Keeps originals for `governor init --undo`.",
        inputSchema: {
          cwd: cwdArg,
          plan_id: z.string().describe("The plan_id governor_plan returned and the user approved."),
          allowDirty: z
            .boolean()
            .default(false)
            .describe("Apply even with uncommitted git changes (init --allow-dirty)."),
          typecheck: z
            .boolean()
            .default(false)
            .describe("Run tsc before and after; roll back if it newly fails (init --typecheck)."),
        },
        annotations: {
          readOnlyHint: false,
          destructiveHint: true,
          idempotentHint: false,
          openWorldHint: false,
        },
      },
      handle(async (dir, a) => {
        const stored = plans.get(a.plan_id);
        if (!stored)
          throw new DevToolError(
            "plan_unknown",
            `No plan ${a.plan_id} was made by this server.`,
            "Call governor_plan, show its diff to the user, then pass its plan_id.",
            { plan_id: a.plan_id, known: plans.size },
          );
        if (a.cwd !== undefined && stored.cwd !== dir)
          throw new DevToolError(
            "plan_other_project",
            `Plan ${a.plan_id} was made for ${stored.cwd}, not ${dir}.`,
            "Call governor_plan for this directory, or leave cwd out.",
            { plan_id: a.plan_id, planned: stored.cwd, cwd: dir },
          );
        const { applyPlan } = await import("./plan.js");
        // one write at a time: two applies must not interleave their files and backups
        const run = state.applying.then(() =>
          applyPlan(
            stored,
            a.plan_id,
            { allowDirty: a.allowDirty, typecheck: a.typecheck },
            env,
            options.cwd,
          ),
        );
        state.applying = run.catch(() => undefined);
        const done = await run;
        plans.delete(a.plan_id);
        return ok(
          {
            applied: true,
            plan_id: a.plan_id,
            cwd: stored.cwd,
            report: done.report,
            ...(done.stderr && { messages: done.stderr }),
            ...(done.differs.length && {
              differs: done.differs,
              warning: `These files changed while init ran, so they hold something other than the plan's diff: ${done.differs.join(", ")}. Review them, or undo with the command below.`,
            }),
            undo: `governor init --undo --cwd ${q(stored.cwd)}`,
          },
          `Applied ${a.plan_id}. Next: governor_checklist.`,
        );
      }),
    );

  server.registerTool(
    "governor_doctor",
    {
      title: "Run governor doctor",
      description:
        "governor doctor's checks as data: configuration, enforce reachable and answering, probes, latency, the register import, every tool gated. Reads the enforce URL and key from this server's environment; never returns the key.",
      inputSchema: {
        cwd: cwdArg,
        strict: z.boolean().default(false).describe("Warnings fail too (as --strict in CI)."),
        samples: z
          .number()
          .int()
          .min(1)
          .max(100)
          .default(3)
          .describe("Calls used to measure latency."),
        timeout: z.number().int().positive().optional().describe("Per-check network timeout, ms."),
        probes: z
          .string()
          .optional()
          .describe("A probes file (default governor.probes.json if present)."),
      },
      annotations: { ...readOnly, openWorldHint: true },
    },
    handle(async (dir, a) => {
      const { doctorReport } = await import("./doctor.js");
      const r = await doctorReport(dir, a, env);
      return ok(
        r,
        `doctor: ${r.ok ? "ok" : "not ok"} (${r.counts.pass} passed, ${r.counts.warn} warning(s), ${r.counts.fail} failed, ${r.counts.skip} skipped).`,
      );
    }),
  );

  server.registerTool(
    "governor_test_intent",
    {
      title: "Ask enforce one question",
      description:
        "Asks the enforce server (GOVERNOR_ENFORCE_URL of this server's environment) about one intent, by fields or as a tool call the gate would build from the project's intent map. Argument values are only used to build the intent: never sent, never returned.",
      inputSchema: {
        cwd: cwdArg,
        tool: z
          .string()
          .min(1)
          .optional()
          .describe("A tool name: the intent the gate builds for it."),
        args: z
          .record(z.string(), z.unknown())
          .optional()
          .describe("The tool call's arguments (never sent)."),
        action: z.string().min(1).optional(),
        resource: z.string().min(1).optional().describe("<type>[:<name>], e.g. database:users"),
        actor: z.string().min(1).optional(),
        actorType: z.string().min(1).optional(),
        sensitivity: z.string().optional().describe("Comma-separated labels."),
        pii: z.boolean().optional(),
        volume: z.enum(["single", "bulk"]).optional(),
        authn: z.string().min(1).optional(),
        layer: z.string().min(1).optional(),
        timeout: z.number().int().positive().optional(),
      },
      annotations: { ...readOnly, idempotentHint: true, openWorldHint: true },
    },
    handle(async (dir, a) => {
      const { testIntent } = await import("./intent.js");
      const { cwd: _cwd, ...flags } = a;
      const r = await testIntent(dir, flags, env);
      return ok(r, `${r.decision}${r.reason ? `: ${r.reason}` : ""}`);
    }),
  );

  server.registerTool(
    "governor_explain_denial",
    {
      title: "Explain a denial",
      description:
        "What a denial means and what to change (the tool's intent map entry or a policy rule): from a request id in the project's audit log (GOVERNOR_AUDIT_LOG), or a tool name with its deny code or reason. Give `policy` (a governor serve policy file) to name the deciding rule.",
      inputSchema: {
        cwd: cwdArg,
        request_id: z.string().min(1).optional(),
        tool: z.string().min(1).optional(),
        deny_code: z.string().min(1).optional(),
        reason: z.string().optional(),
        policy: z.string().min(1).optional(),
        auditLog: z
          .string()
          .min(1)
          .optional()
          .describe("The app's audit log file (default: GOVERNOR_AUDIT_LOG of this server)."),
      },
      annotations: { ...readOnly, idempotentHint: true },
    },
    handle(async (dir, a) => {
      const { explainDenial } = await import("./explain.js");
      const r = explainDenial(dir, a, env);
      return ok(r, `${r.tool}: ${r.means}.`);
    }),
  );

  server.registerTool(
    "governor_checklist",
    {
      title: "What to verify after a change",
      description:
        "The commands to run after governor was added or a tool changed: typecheck and tests with the project's package manager, governor doctor --strict, and governor init --dry-run showing nothing left to gate.",
      inputSchema: { cwd: cwdArg },
      annotations: { ...readOnly, idempotentHint: true },
    },
    handle(async (dir) => {
      const { checklist } = await import("./checklist.js");
      return ok(checklist(dir), "Run each command; each says what to expect.");
    }),
  );

  for (const f of FRAMEWORKS)
    server.registerResource(
      `guide-${f.id}`,
      `governor://dev/guide/${f.id}`,
      {
        title: `Gating ${f.label} tools`,
        description: `How governor init and governor/register gate ${f.label} tools.`,
        mimeType: "text/markdown",
      },
      async (uri) => {
        const { frameworkGuide } = await import("./resources.js");
        return {
          contents: [{ uri: uri.href, mimeType: "text/markdown", text: frameworkGuide(f.id) }],
        };
      },
    );
  server.registerResource(
    "env",
    "governor://dev/env",
    {
      title: "Environment variables",
      description:
        "Every GOVERNOR_* variable the gate reads, and the .env.example template init writes.",
      mimeType: "text/markdown",
    },
    async (uri) => {
      const { envGuide } = await import("./resources.js");
      return { contents: [{ uri: uri.href, mimeType: "text/markdown", text: envGuide() }] };
    },
  );
  server.registerResource(
    "enforce-contract",
    "governor://dev/enforce-contract",
    {
      title: "The enforce API",
      description: "POST /api/v2/enforce: the intent governor sends and the decision it expects.",
      mimeType: "text/markdown",
    },
    async (uri) => {
      const { enforceContract } = await import("./resources.js");
      return { contents: [{ uri: uri.href, mimeType: "text/markdown", text: enforceContract() }] };
    },
  );
  return server;
}
