// governor_plan / governor_apply: init's own dry run and `init --yes`, run through runInit, with a
// plan id that binds the plan to the tree it was computed from. Loaded inside the handlers (ts-morph).
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { gateSources } from "../../init/cached-gate.js";
import { detectProject } from "../../detectors/project.js";
import { LOCKFILE_NAMES, type PackageManager } from "../../detectors/package-manager.js";
import type { Framework } from "../../init/codemods.js";
import { detectSpec, explicitSpec, type DependencySpec } from "../../init/dependency-spec.js";
import { uncommittedChanges } from "../../init/git.js";
import { buildPlan, changedFiles, type Plan } from "../../init/plan.js";
import { runInit, type InitOptions } from "../../init/run.js";
import { unifiedDiff } from "../../init/writer.js";
import { inferIntentEntry } from "../../runtime/intent.js";
import { DevToolError } from "./result.js";

/** What a plan was made with; apply runs init with exactly these. */
export interface PlanOptions {
  framework?: Framework[];
  include?: string[];
  exclude?: string[];
  install: boolean;
  packageManager?: PackageManager;
  allowEdge: boolean;
}

export interface StoredPlan {
  cwd: string;
  options: PlanOptions;
  /** Every file the plan read or would write: path (from the project) -> content hash, or "absent". */
  files: Record<string, string>;
}

const sha = (text: string | Buffer) => createHash("sha256").update(text).digest("hex");

/** The governor spec init writes, as `governor init` picks it (src/commands/init.ts). */
function dependencySpec(env: NodeJS.ProcessEnv, serverCwd: string): DependencySpec {
  const given = env.GOVERNOR_PACKAGE_SPEC;
  if (given !== undefined && given !== "")
    return explicitSpec(given, serverCwd, "GOVERNOR_PACKAGE_SPEC");
  return detectSpec(import.meta.url);
}

interface InitRun {
  report: Record<string, unknown> | null;
  error?: { code: string; message: string; fix: string };
  stderr: string;
}

/** runInit with its output captured (stdout carries JSON-RPC): its JSON report, and its error if it
 *  stopped. Takes both the outcome object and a thrown error (the CLI's code/message/fix). */
async function init(
  options: InitOptions,
  env: NodeJS.ProcessEnv,
  serverCwd: string,
): Promise<InitRun> {
  let printed = "";
  let stderr = "";
  let result: unknown;
  let thrown: unknown;
  try {
    result = await runInit(options, {
      gateSources,
      inferIntent: inferIntentEntry,
      dependencySpec: dependencySpec(env, serverCwd),
      interactive: false,
      out: (text) => void (printed += text),
      err: (text) => void (stderr += text),
    });
  } catch (e) {
    thrown = e;
  }
  let report: Record<string, unknown> | null = null;
  try {
    report = printed.trim() ? (JSON.parse(printed) as Record<string, unknown>) : null;
  } catch {
    report = null;
  }
  const stopped =
    thrown ??
    (result && typeof result === "object" && (result as { ok?: unknown }).ok === false
      ? (result as { error: unknown }).error
      : undefined);
  if (stopped === undefined) return { report, stderr };
  const e = stopped as { code?: string; message?: string; fix?: string };
  if (typeof e.code !== "string" || typeof e.fix !== "string") throw stopped;
  return { report, stderr, error: { code: e.code, message: String(e.message), fix: e.fix } };
}

function initOptions(
  cwd: string,
  o: PlanOptions,
  apply?: { allowDirty: boolean; typecheck: boolean },
) {
  return {
    cwd,
    yes: Boolean(apply),
    dryRun: !apply,
    json: true,
    install: o.install,
    allowDirty: apply?.allowDirty ?? false,
    packageManager: o.packageManager,
    framework: o.framework,
    include: o.include,
    exclude: o.exclude,
    undo: false,
    typecheck: apply?.typecheck ?? false,
    allowEdge: o.allowEdge,
  } satisfies InitOptions;
}

/** Files the plan reads besides sources and planned files: what decides modules, aliases and installs. */
const SETTINGS = [...LOCKFILE_NAMES, "tsconfig.json", "pnpm-workspace.yaml", ".gitignore"];

function fingerprint(plan: Plan, report: unknown): Record<string, string> {
  const root = plan.root;
  const rel = (abs: string) => path.relative(root, abs).split(path.sep).join("/") || ".";
  const files: Record<string, string> = {};
  const hashFile = (abs: string) => {
    files[rel(abs)] = existsSync(abs) ? sha(readFileSync(abs)) : "absent";
  };
  const dirs = new Set([root, plan.detection.packageManager.root]);
  if (plan.detection.workspace) dirs.add(plan.detection.workspace.root);
  for (const pkg of plan.detection.packages) {
    dirs.add(pkg.dir);
    for (const s of pkg.sources) files[rel(path.join(pkg.dir, s.path))] = sha(s.text);
    for (const s of pkg.skipped ?? []) files[rel(path.join(pkg.dir, s.path))] = `skipped:${s.why}`;
    files[rel(path.join(pkg.dir, "package.json"))] = sha(pkg.packageJsonText);
  }
  for (const dir of dirs) for (const name of SETTINGS) hashFile(path.join(dir, name));
  for (const f of plan.files) {
    files[rel(f.abs)] = f.before === null ? "absent" : sha(f.before);
  }
  // what the plan would write and report: a change in anything it reads shows here too
  files["(plan)"] = sha(
    JSON.stringify([plan.files.map((f) => [f.path, f.after]), plan.install, report]),
  );
  return Object.fromEntries(Object.entries(files).sort(([a], [b]) => a.localeCompare(b)));
}

export function planIdOf(stored: StoredPlan): string {
  return "plan_" + sha(JSON.stringify([stored.cwd, stored.options, stored.files])).slice(0, 24);
}

export interface Planned {
  id: string;
  stored: StoredPlan;
  report: Record<string, unknown>;
  diff: string;
  uncommitted: string[] | null;
  /** What each changed file holds once written (absolute path -> text). */
  after: Map<string, string>;
}

/** init's dry run for `cwd`: the report `init --dry-run --json` prints, the unified diff, the id. */
export async function planProject(
  cwd: string,
  options: PlanOptions,
  env: NodeJS.ProcessEnv,
  serverCwd: string,
): Promise<Planned> {
  const dry = await init(initOptions(cwd, options), env, serverCwd);
  if (dry.error)
    throw new DevToolError(dry.error.code, dry.error.message, dry.error.fix, {
      cwd,
      options,
      ...(dry.report && { report: dry.report }),
    });
  if (!dry.report)
    throw new DevToolError(
      "internal",
      "governor init --dry-run printed no report.",
      "Run `governor init --dry-run --json` in the project to see what it prints, and report it.",
      { cwd, stderr: dry.stderr },
    );
  // The same plan once more, as data: the diff and the files it reads (runInit keeps them inside).
  const detection = detectProject(cwd, {
    include: options.include,
    exclude: options.exclude,
    packageManager: options.packageManager,
  });
  const plan = buildPlan(detection, {
    gateSources,
    inferIntent: inferIntentEntry,
    dependencySpec: dependencySpec(env, serverCwd),
    install: options.install,
    frameworks: options.framework,
  });
  const stored: StoredPlan = { cwd, options, files: fingerprint(plan, dry.report) };
  return {
    id: planIdOf(stored),
    stored,
    report: dry.report,
    diff: changedFiles(plan).map(unifiedDiff).join(""),
    uncommitted: await uncommittedChanges(cwd),
    after: new Map(changedFiles(plan).map((f) => [f.abs, f.after])),
  };
}

/** Paths whose hash differs between two fingerprints (names only). */
export function changedPaths(a: Record<string, string>, b: Record<string, string>): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => k !== "(plan)" && a[k] !== b[k]).sort();
}

export interface Applied {
  report: Record<string, unknown> | null;
  stderr: string;
  /** Planned files whose text on disk is not what the plan showed (changed while init ran). */
  differs: string[];
}

/** `governor init --yes` with the plan's options, once the tree is shown to be the planned one. */
export async function applyPlan(
  stored: StoredPlan,
  id: string,
  apply: { allowDirty: boolean; typecheck: boolean },
  env: NodeJS.ProcessEnv,
  serverCwd: string,
): Promise<Applied> {
  const now = await planProject(stored.cwd, stored.options, env, serverCwd);
  if (now.id !== id) {
    const changed = changedPaths(stored.files, now.stored.files);
    throw new DevToolError(
      "tree_changed",
      changed.length
        ? `The project changed since plan ${id} was made (${changed.slice(0, 10).join(", ")}${changed.length > 10 ? `, and ${changed.length - 10} more` : ""}); nothing was written.`
        : `What init would do changed since plan ${id} was made; nothing was written.`,
      "Call governor_plan again, review the new diff, then apply its plan_id.",
      { plan_id: id, current_plan_id: now.id, changed },
    );
  }
  const run = await init(initOptions(stored.cwd, stored.options, apply), env, serverCwd);
  if (run.error)
    throw new DevToolError(run.error.code, run.error.message, run.error.fix, {
      plan_id: id,
      cwd: stored.cwd,
      ...(run.report && { report: run.report }),
    });
  // init planned once more inside runInit: check that what it wrote is what the agent was shown
  const differs = [...now.after]
    .filter(([abs, text]) => !existsSync(abs) || readFileSync(abs, "utf8") !== text)
    .map(([abs]) => path.relative(stored.cwd, abs).split(path.sep).join("/"));
  return { report: run.report, stderr: run.stderr, differs };
}
