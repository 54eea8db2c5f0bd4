import { join } from "node:path";
import type { ProjectDetection, PackageProject } from "../detectors/project.js";
import type { Framework, GateSources } from "./codemods.js";
import { CliError } from "../cli-support/errors.js";
import { mergeEnvTemplate, readEnvTemplate } from "./env-template.js";
import { isBareRegistrySpec, type DependencySpec } from "./dependency-spec.js";
import { installStep, type InstallStep } from "./install.js";
import { CONFIG_FILE, mergeIntentMap } from "./intent-map.js";
import { addDependency, declaredRange, RUNTIME_PACKAGE } from "./package-json.js";
import { applyEdits, type Edit } from "../codemods/edits.js";
import { lineAfterEdits, lineAfterMoves } from "../codemods/line-after.js";
import { eolOf } from "../runtime/shared.js";
import { findEdgeRoutes, toolsReached } from "../detectors/edge-routes.js";
import { planScripts, setScript, type ScriptReport } from "./start-scripts.js";
import { noToolsNote, skippedNote } from "./report.js";
import { planRuntimeTools, type RuntimeToolReport } from "./runtime-tools.js";
import { entryFacts, factsOf } from "./entry-facts.js";

// Computes every change init would make, as data: nothing here writes.

export type ToolStatus = "gated" | "already-gated" | "manual";

export interface ToolReport {
  file: string;
  line: number;
  name: string | null;
  framework: string;
  form: string;
  /** How sure the name is: "high" (a name field or a tools-object key), lower when inferred. */
  nameConfidence: "high" | "medium" | "low";
  status: ToolStatus;
  reason?: string;
  /** The definition's line once the rewrite is written (imports and markers shift lines). */
  lineAfter?: number;
}

export type EntrypointStatus = "added" | "already-present" | "skipped";

export interface EntrypointReport {
  file: string;
  status: EntrypointStatus;
  reason: string;
}

export interface DependencyReport {
  name: string;
  /** The spec in package.json (a file: path, git URL, tarball, or registry range). */
  range: string;
  /** Where an added spec points, in words: "the local checkout at /src/governor". */
  source?: string;
  /** Package directory relative to the run root ("." for the root). */
  package: string;
  status: "added" | "already-declared";
  install: "planned" | "ran" | "skipped" | "failed" | "not-needed";
  command: string | null;
}

/** An Edge-runtime file whose module graph holds tools or would import governor (paths from the run root). */
export interface EdgeRouteReport {
  file: string;
  why: string;
  /** Tool definitions it reaches: "lib/tools.ts:5 (refund_payment)". */
  tools: string[];
  /** Files it reaches that import governor once init has written them. */
  governor: string[];
}

export interface PlannedFile {
  /** Relative to the run root, posix. */
  path: string;
  abs: string;
  /** null: the file does not exist yet. */
  before: string | null;
  after: string;
}

export interface Plan {
  root: string;
  detection: ProjectDetection;
  tools: ToolReport[];
  /** Tools init cannot rewrite, and the layer that gates each at run time (or that none does). */
  runtimeTools: RuntimeToolReport[];
  entrypoints: EntrypointReport[];
  files: PlannedFile[];
  dependencies: DependencyReport[];
  install: InstallStep | null;
  /** Start scripts that could preload governor/register (written only once accepted). */
  scripts: ScriptReport[];
  /** Edge routes that reach tools: init refuses them (edge_route) unless --allow-edge. */
  edgeRoutes: EdgeRouteReport[];
  warnings: string[];
}

export interface PlanOptions {
  gateSources: GateSources;
  /** inferIntentEntry from the runtime: the governor.config.json entry for a tool name. */
  inferIntent: (toolName: string) => unknown;
  /** Which spec installs this governor (never a bare range for the npm name `governor`). */
  dependencySpec: DependencySpec;
  install: boolean;
  frameworks?: Framework[];
}

const join2 = (relDir: string, p: string) => (relDir ? `${relDir}/${p}` : p);

function planPackage(
  pkg: PackageProject,
  plan: Plan,
  options: PlanOptions,
  envTemplate: string,
): boolean {
  const originals = new Map(pkg.sources.map((s) => [join2(pkg.relDir, s.path), s.text]));
  const inputs = pkg.sources.map((s) => ({ path: join2(pkg.relDir, s.path), text: s.text }));
  const strip = (p: string) => (pkg.relDir ? p.slice(pkg.relDir.length + 1) : p);
  // tsconfig paths are relative to the package; inputs are relative to the run root.
  const paths = (pkg.pathAliases ?? []).map((a) => ({
    pattern: a.pattern,
    targets: a.targets.map((t) => join2(pkg.relDir, t)),
  }));
  const result = options.gateSources(inputs, {
    frameworks: options.frameworks,
    moduleKind: (p) => pkg.moduleKind(strip(p)),
    paths,
  });
  plan.warnings.push(...result.warnings);
  const texts = new Map<string, string>();
  for (const f of result.files) texts.set(f.path, f.after);
  // each finding carries its line after the edit, from the codemod's own edit offsets (and the
  // register import's, below)
  const tools = result.tools.map((t) => ({ ...t }));
  plan.tools.push(...tools);

  const entries = pkg.entrypoints.map((entry) => {
    const path = join2(pkg.relDir, entry.file);
    const original = originals.get(path) ?? "";
    return {
      path,
      original,
      current: texts.get(path) ?? original,
      kind: pkg.moduleKind(entry.file),
    };
  });
  const facts = entryFacts(entries);
  const registered = new Map<string, { current: string; edit: Edit }>();
  pkg.entrypoints.forEach((entry, i) => {
    const { path, original, kind } = entries[i];
    // a file listed twice sees its first listing's register import
    const current = texts.get(path) ?? original;
    const { broken, edge, edit, envWarning } =
      current === entries[i].current ? facts[i] : factsOf({ path, original, current, kind });
    if (broken) {
      plan.entrypoints.push({ file: path, status: "skipped", reason: entry.reason });
      plan.warnings.push(
        `${path} does not parse (${broken}); skipped it. Add \`import "governor/register"\` by hand once it does.`,
      );
      return;
    }
    if (edge) {
      plan.entrypoints.push({ file: path, status: "skipped", reason: entry.reason });
      plan.warnings.push(
        `${path} runs on the Edge runtime, where governor cannot load (it needs Node.js): no register import was added and its own tools are marked by hand. ` +
          `Tools it imports from other files are gated and will not load there either; set \`export const runtime = "nodejs"\` for this route.`,
      );
      return;
    }
    const next = edit ? applyEdits(current, [edit]) : current;
    if (edit) {
      registered.set(path, { current, edit });
      for (const t of tools)
        if (t.file === path) t.lineAfter = lineAfterEdits(current, [edit], t.lineAfter ?? t.line);
    }
    if (envWarning) plan.warnings.push(envWarning);
    plan.entrypoints.push({
      file: path,
      status: next === current ? "already-present" : "added",
      reason: entry.reason,
    });
    texts.set(path, next);
  });

  // where a line of a source lands after init's edits: the codemod's (its offsets), then the
  // register import's; no second scan of the rewritten files
  const moved = new Map(result.files.map((f) => [f.path, f]));
  const lineAfter = (path: string, line: number): number => {
    const f = moved.get(path);
    const l = f ? lineAfterMoves(f.before, f.moves, line) : line;
    const r = registered.get(path);
    return r ? lineAfterEdits(r.current, [r.edit], l) : l;
  };

  const touched = new Set([...texts.keys(), ...result.tools.map((t) => t.file)]);
  for (const path of [...touched].sort()) {
    const before = originals.get(path);
    if (before === undefined) continue;
    plan.files.push({ path, abs: join(plan.root, path), before, after: texts.get(path) ?? before });
  }

  const envName = pkg.files.envTemplate.name;
  const envBefore = pkg.files.envTemplate.text;
  plan.files.push({
    path: join2(pkg.relDir, envName),
    abs: join(pkg.dir, envName),
    before: envBefore,
    after: mergeEnvTemplate(envBefore, envTemplate),
  });

  const names = result.tools
    .filter((t) => t.status !== "manual" && t.name)
    .map((t) => t.name as string);
  const configAbs = join(pkg.dir, CONFIG_FILE);
  const configBefore = pkg.files.intentMap;
  const configAfter = mergeIntentMap(
    configBefore,
    names,
    options.inferIntent,
    join2(pkg.relDir, CONFIG_FILE),
  );
  if (configAfter !== null) {
    plan.files.push({
      path: join2(pkg.relDir, CONFIG_FILE),
      abs: configAbs,
      before: configBefore,
      after: configAfter,
    });
  }

  const declared = declaredRange(pkg.packageJson);
  const spec = declared === null ? options.dependencySpec.specFor(pkg.dir) : declared;
  const pkgPath = join2(pkg.relDir, "package.json");
  plan.files.push({
    path: pkgPath,
    abs: join(pkg.dir, "package.json"),
    before: pkg.packageJsonText,
    after: declared === null ? addDependency(pkg.packageJsonText, spec) : pkg.packageJsonText,
  });
  if (declared !== null && isBareRegistrySpec(declared) && !options.dependencySpec.registry)
    plan.warnings.push(bareRangeWarning(pkgPath, declared, pkg.dir, options.dependencySpec));
  const scripts = planScripts(pkg);
  plan.scripts.push(...scripts);
  plan.runtimeTools.push(...planRuntimeTools(pkg, result.tools, texts, scripts, lineAfter));
  plan.dependencies.push({
    name: RUNTIME_PACKAGE,
    range: spec,
    ...(declared === null && { source: options.dependencySpec.source }),
    package: pkg.relDir || ".",
    status: declared === null ? "added" : "already-declared",
    install: "not-needed",
    command: null,
  });
  return declared === null;
}

/** A declared bare range installs the npm package named `governor`, not this one (older inits wrote it). */
function bareRangeWarning(
  pkgPath: string,
  declared: string,
  dir: string,
  spec: DependencySpec,
): string {
  let instead: string;
  try {
    instead = `"${spec.specFor(dir)}" (${spec.source})`;
  } catch {
    instead = "the spec you installed governor from (a file: path, tarball or git URL)";
  }
  return `${pkgPath} declares governor "${declared}", a registry range: the npm package named "governor" is not this project, so an install fetches someone else's code. Replace it with ${instead}.`;
}

/** Edge routes whose module graph, as init would leave it, holds tools or imports governor. An Edge
 *  entrypoint already has its own warning; any other (a page under an Edge layout, middleware) gets one. */
function planEdgeRoutes(detection: ProjectDetection, plan: Plan): void {
  const after = new Map(plan.files.map((f) => [f.path, f.after]));
  const entries = new Set(
    detection.packages.flatMap((p) => p.entrypoints.map((e) => join2(p.relDir, e.file))),
  );
  const before = new Map(
    detection.packages.flatMap((p) =>
      p.sources.map((s) => [join2(p.relDir, s.path), s.text] as const),
    ),
  );
  const text = (relDir: string, path: string) =>
    after.get(join2(relDir, path)) ?? before.get(join2(relDir, path)) ?? "";
  for (const route of findEdgeRoutes(detection.packages, (p, path) => text(p.relDir, path))) {
    const report = {
      file: route.file,
      why: route.why,
      tools: toolsReached(route, plan.tools),
      governor: route.governor,
    };
    if (!report.tools.length && !report.governor.length) continue;
    plan.edgeRoutes.push(report);
    if (!entries.has(route.file)) {
      plan.warnings.push(
        `${report.file} runs on the Edge runtime (${route.why}), where governor cannot load, and reaches ${edgeReach(report)}; set \`export const runtime = "nodejs"\` for it.`,
      );
    }
  }
}

/** "tools (lib/tools.ts:5 (refund_payment)) and governor (lib/tools.ts)", shortened. */
export function edgeReach(r: EdgeRouteReport): string {
  const few = (xs: string[]) =>
    xs.slice(0, 3).join(", ") + (xs.length > 3 ? `, and ${xs.length - 3} more` : "");
  return [
    r.tools.length ? `tools: ${few(r.tools)}` : "",
    r.governor.length ? `governor imports in ${few(r.governor)}` : "",
  ]
    .filter(Boolean)
    .join("; ");
}

/** The refusal when Edge routes reach tools and --allow-edge was not given. */
export function edgeRouteError(routes: EdgeRouteReport[]): CliError {
  const list = routes.map((r) => `\n  ${r.file} (${r.why}) reaches ${edgeReach(r)}`).join("");
  return new CliError(
    "edge_route",
    `${routes.length} file(s) run on the Edge runtime, where governor cannot load (it needs Node.js), and reach tools:${list}\n` +
      "Gating those tools would break the route; leaving them would run them ungated. Nothing was written.",
    'Set `export const runtime = "nodejs"` in each (or have it call a Node.js route that runs the tools), then rerun governor init; ' +
      "or rerun with --allow-edge to gate the tools anyway (the Edge route will not load until it runs on Node.js).",
  );
}

/** Keeps init's backups out of commits: `.governor/` goes into an existing .gitignore at the run root. */
function planGitignore(root: string, before: string | null): PlannedFile | null {
  const abs = join(root, ".gitignore");
  if (before === null) return null;
  const listed = before.split(/\r?\n/).some((l) => /^\/?\.governor\/?(\*\*?)?$/.test(l.trim()));
  if (listed) return { path: ".gitignore", abs, before, after: before };
  const eol = eolOf(before);
  const sep = before === "" || before.endsWith("\n") ? "" : eol;
  return {
    path: ".gitignore",
    abs,
    before,
    after: `${before}${sep}# governor init backups (governor init --undo)${eol}.governor/${eol}`,
  };
}

export function buildPlan(detection: ProjectDetection, options: PlanOptions): Plan {
  const plan: Plan = {
    root: detection.root,
    detection,
    tools: [],
    runtimeTools: [],
    entrypoints: [],
    files: [],
    dependencies: [],
    install: null,
    scripts: [],
    edgeRoutes: [],
    warnings: [...detection.warnings],
  };
  const envTemplate = readEnvTemplate();
  let needsInstall = false;
  for (const pkg of detection.packages) {
    if (planPackage(pkg, plan, options, envTemplate)) needsInstall = true;
    if (pkg.entrypoints.length === 0) {
      plan.warnings.push(
        `No entrypoint found in ${pkg.relDir || "the project"}; start your app with \`node --import governor/register\` ` +
          `or add \`import "governor/register"\` as the first line of its entry file.`,
      );
    }
  }
  planEdgeRoutes(detection, plan);
  const gitignore = planGitignore(detection.root, detection.gitignore);
  if (gitignore) plan.files.push(gitignore);
  if (needsInstall) {
    const cwd = detection.workspace?.root ?? detection.packageManager.root;
    const step = installStep(detection.packageManager.name, cwd);
    for (const d of plan.dependencies) {
      if (d.status !== "added") continue;
      d.command = [step.command, ...step.args].join(" ");
      d.install = options.install ? "planned" : "skipped";
    }
    if (options.install) plan.install = step;
  }
  // easy to miss in a long report: said as warnings, computed once with the plan
  for (const note of [noToolsNote(plan), skippedNote(plan)]) if (note) plan.warnings.push(note);
  return plan;
}

/** Accepts the start-script offer: each script is edited in its package.json's planned file, so the
 *  same writer, backup and `--undo` cover it. */
export function acceptScripts(plan: Plan): void {
  for (const s of plan.scripts) {
    const path = s.package === "." ? "package.json" : `${s.package}/package.json`;
    const file = plan.files.find((f) => f.path === path);
    if (!file) continue;
    file.after = setScript(file.after, s.script, s.after);
    s.status = "added";
  }
  // what the preloaded scripts gate now
  for (const t of plan.runtimeTools) {
    if (!t.byScripts || !plan.scripts.some((s) => s.package === t.package && s.status === "added"))
      continue;
    t.gatedBy = "instrumentation";
    t.loadedBy = t.byScripts;
    delete t.fix;
  }
}

export function changedFiles(plan: Plan): PlannedFile[] {
  return plan.files.filter((f) => f.before !== f.after);
}
