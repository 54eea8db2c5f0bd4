import { releaseParses } from "../detectors/parse.js";
import { existsSync } from "node:fs";
import { join, relative } from "node:path";
import { findPackagesBelow } from "../detectors/packages-below.js";
import { detectProject } from "../detectors/project.js";
import type { PackageManager } from "../detectors/package-manager.js";
import { applyFiles } from "./apply.js";
import { Backup, undoLatest } from "./backup.js";
import type { Framework, GateSources } from "./codemods.js";
import type { DependencySpec } from "./dependency-spec.js";
import { asCliError, CliError, errorJson } from "../cli-support/errors.js";
import { dirtyTreeError, uncommittedChanges } from "./git.js";
import { displayCommand } from "./install.js";
import { acceptScripts, buildPlan, changedFiles, edgeRouteError, type Plan } from "./plan.js";
import {
  detectedText,
  jsonReport,
  nextStepsText,
  packagesBelowReport,
  summaryText,
  type Outcome,
} from "./report.js";
import { refusedError, refusedWrites } from "./write-checks.js";
import { diskWriter, dryRunWriter, unifiedDiff } from "./writer.js";

// governor init: detect -> plan -> (confirm) -> apply -> verify -> install -> report.

export interface InitOptions {
  cwd: string;
  yes: boolean;
  dryRun: boolean;
  json: boolean;
  install: boolean;
  allowDirty: boolean;
  packageManager?: PackageManager;
  framework?: Framework[];
  include?: string[];
  exclude?: string[];
  undo: boolean;
  typecheck: boolean;
  /** Gate tools that Next.js Edge routes reach anyway, instead of refusing (edge_route). */
  allowEdge?: boolean;
}

export interface InitDeps {
  gateSources: GateSources;
  inferIntent: (toolName: string) => unknown;
  /** Which spec installs this governor (src/init/dependency-spec.ts). */
  dependencySpec: DependencySpec;
  interactive: boolean;
  out: (text: string) => void;
  err: (text: string) => void;
}

const PREVIEW_LINES = 80;

function previewDiffs(plan: Plan): string {
  const lines = changedFiles(plan).map(unifiedDiff).join("\n").split("\n");
  if (lines.length <= PREVIEW_LINES) return lines.join("\n");
  return [
    ...lines.slice(0, PREVIEW_LINES),
    `... ${lines.length - PREVIEW_LINES} more lines (see them all with --dry-run)`,
  ].join("\n");
}

async function runUndo(options: InitOptions, deps: InitDeps): Promise<InitOutcome> {
  const { files, ignored, manifestChanged } = undoLatest(options.cwd, options.allowDirty);
  if (options.json) {
    deps.out(
      JSON.stringify(
        {
          restored: files.filter((f) => f.action === "update").map((f) => f.path),
          deleted: files.filter((f) => f.action === "create").map((f) => f.path),
          ignoredBackups: ignored,
        },
        null,
        2,
      ) + "\n",
    );
  } else {
    deps.out(`Undid the last governor init (${files.length} files):\n`);
    for (const f of files)
      deps.out(`  ${f.action === "create" ? "deleted " : "restored"} ${f.path}\n`);
    deps.out("Packages already installed in node_modules were left in place.\n");
    if (manifestChanged)
      deps.out(
        "Its manifest.json had changed since init wrote it; undo used init's own record instead.\n",
      );
    if (ignored.length) {
      deps.out(
        `Left alone (not made by governor init here, so never used): ${ignored.map((n) => `.governor/backup/${n}`).join(", ")}. Delete ${ignored.length === 1 ? "it" : "them"} if you did not make ${ignored.length === 1 ? "it" : "them"}.\n`,
      );
    }
  }
  return DONE;
}

/** What init did: done, or stopped by an error that the printed report may already carry. */
export type InitOutcome = { ok: true } | { ok: false; error: CliError; reported: boolean };
const DONE: InitOutcome = { ok: true };

export async function runInit(options: InitOptions, deps: InitDeps): Promise<InitOutcome> {
  if (options.undo) return runUndo(options, deps);
  const { out } = deps;
  const interactive = deps.interactive && !options.json;

  // A repository root holding packages side by side: name them rather than stop at "no package.json".
  if (!existsSync(join(options.cwd, "package.json"))) {
    const below = findPackagesBelow(options.cwd, {
      include: options.include,
      exclude: options.exclude,
    });
    if (below.length) {
      const report = packagesBelowReport(options.cwd, below, process.cwd());
      const error = new CliError("not_a_package", report.message, report.fix);
      if (options.json) {
        out(
          JSON.stringify(
            {
              error: { code: error.code, message: error.message, fix: error.fix },
              packages: report.packages,
            },
            null,
            2,
          ) + "\n",
        );
      }
      return { ok: false, error, reported: options.json };
    }
  }

  if (!options.dryRun && !options.allowDirty) {
    const dirty = await uncommittedChanges(options.cwd);
    if (dirty && dirty.length) throw dirtyTreeError(dirty);
  }

  const detection = detectProject(options.cwd, {
    include: options.include,
    exclude: options.exclude,
    packageManager: options.packageManager,
  });
  const plan = buildPlan(detection, {
    gateSources: deps.gateSources,
    inferIntent: deps.inferIntent,
    dependencySpec: deps.dependencySpec,
    install: options.install,
    frameworks: options.framework,
  });
  releaseParses(); // the plan holds every text it needs; the trees can go
  // an Edge route cannot load the gate: refuse before anything is shown as applied or written
  if (plan.edgeRoutes.length && !options.allowEdge) {
    const error = edgeRouteError(plan.edgeRoutes);
    if (options.json) {
      out(
        JSON.stringify(
          {
            error: { code: error.code, message: error.message, fix: error.fix },
            edgeRoutes: plan.edgeRoutes,
          },
          null,
          2,
        ) + "\n",
      );
    }
    return { ok: false, error, reported: options.json };
  }
  let changed = changedFiles(plan);
  // the start-script offer is a question: only a person at a terminal can take it
  const offerScripts = interactive && !options.yes && plan.scripts.length > 0;
  // what writing brings: the plan itself stays as it was made
  const outcome: Outcome = {};
  // with --json, a report that ends in an error carries it: one document, whatever happened
  const printReport = (applied: boolean, error?: CliError) => {
    if (options.json)
      out(
        JSON.stringify(
          { ...jsonReport(plan, applied, outcome), ...(error && { error: errorJson(error) }) },
          null,
          2,
        ) + "\n",
      );
    else out(summaryText(plan, { dryRun: options.dryRun, applied }, outcome) + "\n");
  };

  // a write that would leave the project or lose bytes: refused before anything is written, dry run too
  const refused = refusedWrites(plan.root, changed, plan.install);
  if (refused.length) {
    outcome.refused = refused;
    const error = refusedError(refused);
    if (options.json)
      out(
        JSON.stringify(
          {
            ...jsonReport(plan, false, outcome),
            error: { code: error.code, message: error.message, fix: error.fix },
          },
          null,
          2,
        ) + "\n",
      );
    else
      out(
        `Detected:\n${detectedText(plan)}\n\n${summaryText(plan, { dryRun: options.dryRun, applied: false }, outcome)}\n`,
      );
    return { ok: false, error, reported: true };
  }

  if (options.dryRun) {
    const writer = dryRunWriter(options.json ? null : (text) => out(text));
    if (!options.json) out(`Detected:\n${detectedText(plan)}\n\n`);
    await applyFiles(plan, writer, null, { typecheck: false });
    if (plan.install) await writer.install(plan.install);
    printReport(false);
    if (!options.json)
      out("\nThis was a dry run: nothing was written. Rerun without --dry-run to apply.\n");
    return DONE;
  }

  if (changed.length === 0 && !plan.install && !offerScripts) {
    printReport(true);
    if (!options.json) out("\nAlready set up: nothing to change.\n");
    return DONE;
  }

  // prompts and the spinner load only when someone is at a terminal to see them
  const clack = interactive ? await import("@clack/prompts") : undefined;
  if (!options.yes) {
    if (!clack) {
      if (!options.json) out(`Detected:\n${detectedText(plan)}\n\n`);
      const refusal = new CliError(
        "needs_confirmation",
        `Not writing anything: this is a non-interactive run (${process.env.CI ? "CI is set" : "not attached to a terminal"}) and --yes was not passed.`,
        "Review the plan above (or see the diffs with --dry-run), then rerun with --yes to apply it.",
      );
      printReport(false, refusal);
      return { ok: false, error: refusal, reported: true };
    }
    clack.intro("governor init");
    clack.note(detectedText(plan), "Detected");
    clack.note(summaryText(plan, { dryRun: false, applied: false }), "Plan");
    if (offerScripts) {
      const shown = plan.scripts
        .map(
          (x) =>
            `${x.package === "." ? "" : `${x.package}/`}package.json scripts.${x.script}: ${x.after}`,
        )
        .join("\n");
      clack.note(shown, "Preload instrumentation");
      const add = await clack.confirm({
        message:
          "Add --import governor/register to these scripts? (gates what init could not rewrite or wrap: tools built at run time, code it did not see)",
        initialValue: true,
      });
      if (clack.isCancel(add)) {
        clack.cancel("Nothing was written.");
        throw new CliError(
          "cancelled",
          "Cancelled: nothing was written.",
          "Rerun governor init when you are ready (add --yes to skip the question).",
        );
      }
      if (add === true) acceptScripts(plan);
      else for (const x of plan.scripts) x.status = "declined";
      changed = changedFiles(plan);
      if (changed.length === 0 && !plan.install) {
        clack.outro("Already set up: nothing to change.");
        return DONE;
      }
    }
    clack.log.message(previewDiffs(plan));
    if (plan.install)
      clack.log.info(`Then runs: ${displayCommand(plan.install)} (in ${plan.install.cwd})`);
    const answer = await clack.confirm({
      message: `Apply these changes to ${changed.length} files?`,
    });
    if (clack.isCancel(answer) || answer !== true) {
      clack.cancel("Nothing was written.");
      throw new CliError(
        "cancelled",
        "Cancelled: nothing was written.",
        "Rerun governor init when you are ready (add --yes to skip the question).",
      );
    }
  }

  const backup = new Backup(plan.root);
  const writer = diskWriter(plan.root, backup);
  const spinner = clack?.spinner() ?? null;
  spinner?.start("Writing changes");
  // Ctrl-C while the type-check runs must not leave half-verified edits behind
  const onSignal = (signal: NodeJS.Signals) => {
    try {
      backup.rollback();
      deps.err(`\nInterrupted (${signal}): every change was rolled back.\n`);
    } catch (e) {
      // The rollback's own error says where the originals are and to run --undo.
      const fix = e instanceof CliError && e.fix ? `\n${e.fix}` : "";
      deps.err(`\nInterrupted (${signal}): ${(e as Error).message}${fix}\n`);
    }
    process.exit(130);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  let applied;
  try {
    applied = await applyFiles(plan, writer, backup, {
      typecheck: options.typecheck,
      onProgress: (m) => spinner?.message(m),
    });
  } catch (e) {
    spinner?.error("Rolled back");
    throw e;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  const warnings = [...applied.warnings];
  if (applied.typecheck.length) outcome.typecheck = applied.typecheck;
  else if (options.typecheck)
    warnings.push("--typecheck: no package here has a tsconfig.json, so nothing was type-checked.");

  let installError: unknown = null;
  if (plan.install) {
    spinner?.message(`Running ${displayCommand(plan.install)}`);
    try {
      await writer.install(plan.install);
      outcome.install = "ran";
    } catch (e) {
      installError = e;
      outcome.install = "failed";
      warnings.push(
        `The install did not run to completion: run \`${displayCommand(plan.install)}\` yourself.`,
      );
    }
  }
  spinner?.stop("Done");
  outcome.warnings = warnings;

  const failedInstall = installError ? asCliError(installError, "init") : undefined;
  printReport(true, failedInstall);
  if (!options.json) {
    const saved = relative(plan.root, backup.dir);
    // the backup carries its own .gitignore: nothing for the user to add
    out(
      `\nOriginals saved in ${saved}/ (ignored by git; \`governor init --undo\` restores them).\n`,
    );
    out("\n" + nextStepsText(plan, outcome) + "\n");
  }
  if (failedInstall) return { ok: false, error: failedInstall, reported: true };
  clack?.outro("governor is wired in. Run `governor doctor` next.");
  return DONE;
}
