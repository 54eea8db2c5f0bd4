import { isAbsolute, relative } from "node:path";
import { ENV_TEMPLATE_NAMES } from "./env-template.js";
import { CONFIG_FILE } from "./intent-map.js";
import type { Plan, PlannedFile } from "./plan.js";
import type { RuntimeToolReport } from "./runtime-tools.js";
import { preloadCommand, IMPORT_FLAG } from "../detectors/start-scripts.js";
import { NEXT_UNREACHABLE } from "../detectors/instrumentation.js";
import { unsupportedFix } from "../detectors/coverage.js";
import type { UnsupportedUse } from "../detectors/frameworks.js";
import type { PackageBelow } from "../detectors/packages-below.js";
import type { SkippedFile } from "../detectors/files.js";
import { frameworkSourcesOf } from "../detectors/project.js";
import type { TypecheckReport } from "./apply.js";
import type { RefusedWrite } from "./write-checks.js";

// The report: `--json` prints `jsonReport` exactly; people get `summaryText`.

export type FileAction = "update" | "create" | "unchanged";

export function fileAction(file: PlannedFile): FileAction {
  if (file.before === null) return "create";
  return file.before === file.after ? "unchanged" : "update";
}

/** Lines point into the files as they are when init ends: rewritten after a real run, as they were
 *  for a dry run or a refusal. */
const lineOf = (t: Plan["tools"][number], written: boolean) =>
  written ? (t.lineAfter ?? t.line) : t.line;

/** What the run adds to the plan's report: files it refused to write, `--typecheck`'s result. */
/** What happened when the plan met the disk: the plan is never changed after it is made, so the
 *  report prints both. */
export interface Outcome {
  refused?: RefusedWrite[];
  typecheck?: TypecheckReport[];
  /** What writing had to say (a type-check that found no tsconfig, an install that failed). */
  warnings?: string[];
  /** How the planned install went. */
  install?: "ran" | "failed";
}

/** The plan's dependencies with the install as it went. */
function dependenciesOf(plan: Plan, outcome: Outcome): Plan["dependencies"] {
  return plan.dependencies.map((d) =>
    d.install === "planned" && outcome.install ? { ...d, install: outcome.install } : { ...d },
  );
}

const warningsOf = (plan: Plan, outcome: Outcome) => [
  ...plan.warnings,
  ...(outcome.warnings ?? []),
];

/** Source files no package read that may hold tools, paths relative to the run root. */
export function skippedFiles(plan: Plan): SkippedFile[] {
  return (plan.detection?.packages ?? []).flatMap((p) =>
    (p.skipped ?? []).map((s) => ({ ...s, path: p.relDir ? `${p.relDir}/${s.path}` : s.path })),
  );
}

/** The warning for skipped files, or null: they are easy to miss in a long report. */
export function skippedNote(plan: Plan): string | null {
  const skipped = skippedFiles(plan);
  if (!skipped.length) return null;
  const shown =
    skipped
      .slice(0, 5)
      .map((s) => s.path)
      .join(", ") + (skipped.length > 5 ? `, and ${skipped.length - 5} more` : "");
  const one = skipped.length === 1;
  return `${skipped.length} file${one ? "" : "s"} that may hold tools ${one ? "was" : "were"} not read (${shown}): ${one ? "its" : "their"} tools are not gated; see "Skipped files" for why and what to do.`;
}

/** Said plainly when nothing was found to gate, so a plan of wiring-only edits is not a surprise. */
export function noToolsNote(plan: Plan): string | null {
  const unsupported = unsupportedFrameworks(plan).length > 0;
  if (plan.tools.length || (plan.runtimeTools ?? []).length || unsupported) return null;
  const scanned = plan.detection.packages.reduce((n, p) => n + p.sources.length, 0);
  // the "Left alone" warning says why
  if (!scanned && plan.detection.frameworkSources?.length) return null;
  const frameworks = plan.detection.packages.some((p) => p.frameworks.length > 0);
  return (
    `No tools found: init scanned ${scanned} source file${scanned === 1 ? "" : "s"} and found no tool definition${frameworks ? "" : " and no agent framework import"}. ` +
    "The edits planned only wire governor in (dependency, env template, register import); nothing is gated until there are tools. " +
    'If your tools live in files init does not scan (tests, build output, excluded paths), rerun with --include "<glob>".'
  );
}

export function jsonReport(plan: Plan, written = false, outcome: Outcome = {}) {
  return {
    tools: plan.tools.map((t) => ({
      file: t.file,
      line: lineOf(t, written),
      name: t.name,
      nameConfidence: t.nameConfidence,
      framework: t.framework,
      form: t.form,
      status: t.status,
      ...(t.reason !== undefined ? { reason: t.reason } : {}),
    })),
    runtimeTools: (plan.runtimeTools ?? []).map((t) => ({
      file: t.file,
      line: written ? (t.lineAfter ?? t.line) : t.line,
      kind: t.kind,
      framework: t.framework,
      name: t.name,
      what: t.what,
      gatedBy: t.gatedBy,
      ...(t.loadedBy !== undefined ? { loadedBy: t.loadedBy } : {}),
      ...(t.fix !== undefined ? { fix: t.fix } : {}),
      ...(t.byHand ? { byHand: true } : {}),
    })),
    unsupportedFrameworks: unsupportedFrameworks(plan).map(({ pkg, u }) => ({
      package: pkg,
      label: u.label,
      packages: [...u.packages],
      via: [...u.via],
      files: [...u.files],
      fix: unsupportedFix(u.tools),
    })),
    entrypoints: plan.entrypoints.map((e) => ({ file: e.file, status: e.status })),
    files: plan.files.map((f) => ({ path: f.path, action: fileAction(f) })),
    dependencies: dependenciesOf(plan, outcome),
    scripts: (plan.scripts ?? []).map((s) => ({
      package: s.package,
      script: s.script,
      before: s.before,
      after: s.after,
      how: s.how,
      status: s.status,
    })),
    skipped: skippedFiles(plan).map((s) => ({
      path: s.path,
      why: s.why,
      reason: s.reason,
      ...(s.target !== undefined ? { target: s.target } : {}),
    })),
    frameworkSources: frameworkSourcesOf(plan.detection),
    ...(outcome.refused ? { refused: outcome.refused.map((r) => ({ ...r })) } : {}),
    ...(outcome.typecheck ? { typecheck: outcome.typecheck.map((t) => ({ ...t })) } : {}),
    warnings: warningsOf(plan, outcome),
  };
}

/** Every agent framework found that governor does not support, with the package using it ("." the root). */
function unsupportedFrameworks(plan: Plan): { pkg: string; prefix: string; u: UnsupportedUse }[] {
  return (plan.detection?.packages ?? []).flatMap((p) =>
    (p.unsupported ?? []).map((u) => ({
      pkg: p.relDir || ".",
      prefix: p.relDir ? `${p.relDir}/` : "",
      u,
    })),
  );
}

/** `@inngest/agent-kit: dependency, imported by src/agent.ts` */
function unsupportedWhere(u: UnsupportedUse, prefix: string): string {
  const shown = u.files.slice(0, 3).map((f) => prefix + f);
  const more = u.files.length > 3 ? ` and ${u.files.length - 3} more` : "";
  const how = [
    u.via.includes("dependency") ? "dependency" : "",
    shown.length ? `imported by ${shown.join(", ")}${more}` : "",
  ].filter(Boolean);
  return `${u.packages.join(", ")}: ${how.join(", ")}`;
}

export function detectedText(plan: Plan): string {
  const lines: string[] = [];
  const pm = plan.detection.packageManager;
  lines.push(`package manager: ${pm.name} (${pm.source})`);
  if (plan.detection.workspace)
    lines.push(`workspace: ${plan.detection.workspace.packages.length} packages`);
  for (const pkg of plan.detection.packages) {
    const label = pkg.relDir || ".";
    const lang = pkg.language === "ts" ? "TypeScript" : "JavaScript";
    const kind = pkg.moduleType === "esm" ? "ESM" : "CommonJS";
    const unsupported = pkg.unsupported ?? [];
    const fws = pkg.frameworks.length
      ? pkg.frameworks.map((f) => `${f.framework} (${f.via.join(" + ")})`).join(", ")
      : unsupported.length
        ? "none governor supports"
        : "none found (plain Node)";
    lines.push(
      `${label}${pkg.name ? ` (${pkg.name})` : ""}: ${lang}, ${kind}${pkg.tsconfig ? ", tsconfig.json" : ""}; ${pkg.sources.length} source files`,
    );
    lines.push(`  frameworks: ${fws}`);
    if (unsupported.length)
      lines.push(
        `  not supported: ${unsupported.map((u) => `${u.label} (${u.packages.join(", ")}; ${u.via.join(" + ")})`).join(", ")}`,
      );
    lines.push(
      `  entrypoints: ${pkg.entrypoints.map((e) => `${e.file} (${e.reason})`).join(", ") || "none found"}`,
    );
  }
  return lines.join("\n");
}

export interface SummaryOptions {
  dryRun: boolean;
  applied: boolean;
}

export function summaryText(plan: Plan, options: SummaryOptions, outcome: Outcome = {}): string {
  const lines: string[] = [];
  const verb = options.applied
    ? ""
    : options.dryRun
      ? " (dry run: what a real run would do)"
      : " (planned)";
  lines.push(`Tools${verb}:`);
  // an unsupported framework's imports are listed once, with the framework, below
  const runtime = (plan.runtimeTools ?? []).filter((t) => t.kind !== "unsupported");
  const unsupported = unsupportedFrameworks(plan);
  if (!plan.tools.length)
    lines.push(
      runtime.length
        ? "  no tool definitions to rewrite"
        : unsupported.length
          ? "  none in the frameworks governor supports"
          : "  none found",
    );
  const byFramework = new Map<string, Map<string, number>>();
  for (const t of plan.tools) {
    const counts = byFramework.get(t.framework) ?? new Map<string, number>();
    counts.set(t.status, (counts.get(t.status) ?? 0) + 1);
    byFramework.set(t.framework, counts);
  }
  for (const [fw, counts] of [...byFramework].sort()) {
    lines.push(`  ${fw}: ${[...counts].map(([s, n]) => `${n} ${s}`).join(", ")}`);
  }
  if (runtime.length) {
    lines.push(
      "Tools init cannot rewrite (no definition in your code to gate; gated at run time, or not at all):",
    );
    for (const t of runtime)
      lines.push(
        `  ${t.file}:${options.applied ? (t.lineAfter ?? t.line) : t.line} ${t.name ? `${t.name}: ` : ""}${t.what}: ${runtimeStatus(t)}`,
      );
  }
  if (unsupported.length) {
    lines.push(
      "Agent frameworks governor does not support (their tools run ungated until you gate them by hand):",
    );
    for (const { pkg, prefix, u } of unsupported)
      lines.push(
        `  ${pkg === "." ? "" : `${pkg}: `}${u.label} (${unsupportedWhere(u, prefix)}): ${unsupportedFix(u.tools)}`,
      );
  }
  const entries = plan.entrypoints;
  if (entries.length) {
    lines.push('Entrypoints (import "governor/register"):');
    for (const e of entries) lines.push(`  ${e.file}: ${e.status}`);
  }
  const changed = plan.files.filter((f) => fileAction(f) !== "unchanged");
  lines.push(
    `Files: ${changed.filter((f) => f.before !== null).length} updated, ${changed.filter((f) => f.before === null).length} created, ` +
      `${plan.files.length - changed.length} unchanged`,
  );
  for (const f of changed) lines.push(`  ${fileAction(f) === "create" ? "+" : "~"} ${f.path}`);
  for (const d of dependenciesOf(plan, outcome)) {
    const how =
      d.status === "added"
        ? `added ${d.name}@${d.range}${d.source ? ` (from ${d.source})` : ""}; install ${d.install}${d.command ? ` (\`${d.command}\`)` : ""}`
        : `already declared (${d.range})`;
    lines.push(
      `Dependency ${d.name} in ${d.package === "." ? "package.json" : `${d.package}/package.json`}: ${how}`,
    );
  }
  const scripts = plan.scripts ?? [];
  if (scripts.length) {
    const added = scripts.every((x) => x.status === "added");
    lines.push(
      added
        ? "Start scripts (governor/register preloaded):"
        : `Start scripts (${scriptsNote(scripts[0].status, options)}):`,
    );
    for (const x of scripts)
      lines.push(
        `  ${x.package === "." ? "" : `${x.package}: `}scripts.${x.script}: ${added ? x.after : `${x.before}  ->  ${x.after}`}`,
      );
  }
  // Gated, but the intent map cannot hold an entry for them: the user should know which ones.
  const runtimeNamed = plan.tools.filter((t) => t.status !== "manual" && t.name === null);
  if (runtimeNamed.length) {
    lines.push(
      `Named only at run time (gated, but ${CONFIG_FILE} has no entry; add one per name the model can call):`,
    );
    for (const t of runtimeNamed)
      lines.push(`  ${t.file}:${lineOf(t, options.applied)}: ${t.reason ?? t.form}`);
  }
  // A name guessed from a variable is the one policy sees: the user should confirm it.
  const guessed = plan.tools.filter(
    (t) => t.status !== "manual" && t.name !== null && t.nameConfidence === "low",
  );
  if (guessed.length) {
    lines.push(
      "Names guessed (no tools object registering them was found; check they are the names the model calls):",
    );
    for (const t of guessed)
      lines.push(`  ${t.file}:${lineOf(t, options.applied)} ${t.name}: ${t.reason ?? t.form}`);
  }
  // Manual sites a run-time layer gates are listed with the tools init cannot rewrite, not here.
  const atRunTime = new Set(
    runtime
      .filter((r) => r.gatedBy && (r.kind === "manual" || r.kind === "as-tool"))
      .map((r) => `${r.file}:${r.line}`),
  );
  const manual = plan.tools.filter(
    (t) => t.status === "manual" && !atRunTime.has(`${t.file}:${t.line}`),
  );
  if (manual.length) {
    lines.push("Manual sites (marked `// governor:` in the code; gate these by hand):");
    for (const t of manual)
      lines.push(
        `  ${t.file}:${lineOf(t, options.applied)} ${t.name ?? "(unnamed)"}: ${t.reason ?? t.form}`,
      );
  }
  const skipped = skippedFiles(plan);
  if (skipped.length) {
    lines.push(
      "Skipped files (may hold tools; not read or rewritten, so their tools are not gated):",
    );
    for (const s of skipped) lines.push(`  ${s.path}: ${s.reason}`);
  }
  if (outcome.refused?.length) {
    lines.push("Refused (init will not write these; nothing was written):");
    for (const r of outcome.refused) lines.push(`  ${r.path} ${r.reason}; fix: ${r.fix}`);
  }
  for (const t of outcome.typecheck ?? [])
    lines.push(
      `Type-check (tsc --noEmit) of ${t.package === "." ? "the project" : t.package}: ${typecheckText(t)}`,
    );
  const warnings = warningsOf(plan, outcome);
  if (warnings.length) {
    lines.push("Warnings:");
    for (const w of warnings) lines.push(`  ! ${w}`);
  }
  return lines.join("\n");
}

function typecheckText(t: TypecheckReport): string {
  const n = `${t.errors} error${t.errors === 1 ? "" : "s"}`;
  if (t.before === "unavailable") return "not run (no TypeScript compiler found)";
  if (t.before === "failed") return `failed before init (${n}); the after-check was skipped`;
  if (t.after === "passed") return "passed before and after init";
  return t.after === "failed"
    ? `passed before init, failed after (${n}); every change was rolled back`
    : "passed before init";
}

function runtimeStatus(t: RuntimeToolReport): string {
  if (t.gatedBy === "registration") return "gated by registration (govern* in your code)";
  if (t.gatedBy === "instrumentation") return `gated by instrumentation (${t.loadedBy})`;
  return `NOT gated: ${t.fix}`;
}

function scriptsNote(status: string, options: SummaryOptions): string {
  if (status === "declined") return "left as they are, as you chose";
  if (options.dryRun) return "init would offer to add --import governor/register";
  if (options.applied)
    return "left as they are: --yes does not change how your app starts; edit them as shown to preload instrumentation";
  return "init will ask whether to add --import governor/register";
}

/** How to preload instrumentation, per package: the scripts init changed or would change, else the command. */
function preloadSteps(plan: Plan): string[] {
  const steps: string[] = [];
  for (const pkg of plan.detection.packages) {
    const label = pkg.relDir ? ` in ${pkg.relDir}` : "";
    if (pkg.nextjs) {
      steps.push(
        `${NEXT_UNREACHABLE}${label}: gate what init could not rewrite with governTools(...) / governMcpClient(...) from governor/runtime.`,
      );
      continue;
    }
    const mine = (plan.scripts ?? []).filter((s) => s.package === (pkg.relDir || "."));
    if (mine.length && mine.every((s) => s.status === "added")) {
      steps.push(
        `Instrumentation is preloaded by ${mine.map((s) => `scripts.${s.script}`).join(", ")}${label}: tools init could not rewrite or wrap are gated too.`,
      );
      continue;
    }
    const entry =
      plan.entrypoints.find(
        (e) => e.status !== "skipped" && (pkg.relDir ? e.file.startsWith(pkg.relDir + "/") : true),
      )?.file ?? null;
    const shown = entry && pkg.relDir ? entry.slice(pkg.relDir.length + 1) : entry;
    const cmd = mine[0]?.after ?? preloadCommand(shown, pkg.language === "ts");
    steps.push(
      `Preload instrumentation${label} so tools init could not rewrite or wrap (built at run time, or in code it did not see) are gated too: \`${cmd}\`` +
        (mine.length ? ` (scripts.${mine[0].script})` : "") +
        `; a runner that starts node for you takes NODE_OPTIONS='${IMPORT_FLAG}'. (\`import "governor/register"\` in an ESM entrypoint runs after its imports are linked: it patches class prototypes (LangChain tools, OpenAI Agents and Mastra agents, MCP), not exported functions such as AI SDK generateText/streamText.)`,
    );
  }
  return steps;
}

export function nextStepsText(plan: Plan, outcome: Outcome = {}): string {
  const base = (p: string) => p.slice(p.lastIndexOf("/") + 1);
  const envs = plan.files
    .filter((f) => ENV_TEMPLATE_NAMES.includes(base(f.path)))
    .map((f) => f.path);
  const configs = plan.files.filter((f) => base(f.path) === CONFIG_FILE).map((f) => f.path);
  const steps = [
    `Set GOVERNOR_ENFORCE_URL and GOVERNOR_API_KEY in your environment (documented in ${envs.join(", ") || ".env.example"}).`,
  ];
  if (configs.length) steps.push(`Review ${configs.join(", ")}: one intent entry per tool.`);
  if (plan.detection.packages.some((p) => p.tsconfig)) {
    steps.push(
      "Type-check as usual (`npx tsc --noEmit`): the gates keep inferred types. (`--typecheck` makes init do this before and after, and roll back on a new error.)",
    );
  }
  const unsupported = unsupportedFrameworks(plan);
  if (unsupported.length) {
    const labels = [...new Set(unsupported.map((x) => x.u.label))];
    steps.push(
      `Gate the tools of ${labels.join(", ")} by hand (governor does not support ${labels.length > 1 ? "them" : "it"} yet): wrap each tool function in gate("<name>", fn) from governor/runtime; the summary above says where.`,
    );
  }
  steps.push(...preloadSteps(plan));
  steps.push("Run `governor doctor` to check the setup end to end.");
  steps.push(
    "Using a coding agent or an MCP host? `governor mcp init --client claude|cursor|vscode|codex` connects it to enforce (add `--dev` for the integration tools).",
  );
  const deps = dependenciesOf(plan, outcome);
  if (deps.some((d) => d.install === "skipped" || d.install === "failed")) {
    const cmd = deps.find((d) => d.command)?.command;
    steps.unshift(`Install the runtime: \`${cmd ?? "npm install"}\`.`);
  }
  steps.push("Changed your mind? `governor init --undo` restores every file.");
  return "Next steps:\n" + steps.map((s, i) => `  ${i + 1}. ${s}`).join("\n");
}

/** What init says at a directory with no package.json but packages below it: each package with
 *  the frameworks it uses, and the command for each that uses one (`cd` is the shell's directory). */
export function packagesBelowReport(root: string, below: PackageBelow[], cd: string) {
  const command = (p: PackageBelow) => {
    const rel = relative(cd, p.abs);
    return `governor init --cwd ${!rel ? "." : rel.startsWith("..") || isAbsolute(rel) ? p.abs : rel}`;
  };
  const targets = below.filter((p) => p.frameworks.length > 0);
  const describe = (p: PackageBelow) => {
    if (p.error) return `cannot be read: ${p.error}`;
    const parts = [
      p.frameworks.length
        ? p.frameworks.join(", ")
        : p.unsupported.length
          ? "no framework governor supports"
          : "no agent framework found",
    ];
    if (p.unsupported.length) parts.push(`not supported: ${p.unsupported.join(", ")}`);
    if (p.workspacePackages !== undefined)
      parts.push(
        `workspace root of ${p.workspacePackages} package${p.workspacePackages === 1 ? "" : "s"}`,
      );
    return parts.join("; ");
  };
  const shown = below
    .slice(0, 30)
    .map((p) => `  ${p.dir}${p.name ? ` (${p.name})` : ""}: ${describe(p)}`);
  if (below.length > 30)
    shown.push(`  ... and ${below.length - 30} more (see them all with --json)`);
  const message =
    `No package.json in ${root}, but ${below.length} package${below.length === 1 ? "" : "s"} below it. ` +
    `init works on one package (or workspace root) at a time and does not guess which:\n${shown.join("\n")}`;
  const fix = targets.length
    ? `Run init in each package that uses an agent framework:\n${targets.map((p) => `  ${command(p)}`).join("\n")}`
    : `None of them uses an agent framework governor supports: run \`governor init --cwd <dir>\` in the package that runs your agent's tools${below.some((p) => p.unsupported.length) ? ', and gate the tools of the unsupported frameworks by hand with gate("<name>", fn) from governor/runtime' : ""}.`;
  const json = below.map((p) => ({
    dir: p.dir,
    name: p.name,
    frameworks: [...p.frameworks],
    unsupportedFrameworks: [...p.unsupported],
    ...(p.workspacePackages !== undefined ? { workspacePackages: p.workspacePackages } : {}),
    ...(p.error ? { error: p.error } : {}),
    ...(p.frameworks.length ? { command: command(p) } : {}),
  }));
  return { message, fix, packages: json };
}
