import { Command, Option } from "commander";
import { resolve } from "node:path";
import { z } from "zod";
import { PACKAGE_MANAGERS } from "../detectors/package-manager.js";
import { gateSources } from "../codemods/index.js";
import { FRAMEWORKS } from "../init/codemods.js";
import { detectSpec, explicitSpec, type DependencySpec } from "../init/dependency-spec.js";
import { CliError, debugOn, handleError, usageExit } from "../cli-support/index.js";
import { runInit } from "../init/run.js";
import { inferIntentEntry } from "../runtime/intent.js";

export const initOptionsSchema = z.object({
  cwd: z.string(),
  yes: z.boolean(),
  dryRun: z.boolean(),
  json: z.boolean(),
  install: z.boolean(),
  allowDirty: z.boolean(),
  packageManager: z.enum(PACKAGE_MANAGERS).optional(),
  framework: z.array(z.enum(FRAMEWORKS as [string, ...string[]])).optional(),
  include: z.array(z.string()).optional(),
  exclude: z.array(z.string()).optional(),
  undo: z.boolean(),
  typecheck: z.boolean(),
  debug: z.boolean(),
  allowEdge: z.boolean(),
  governorSpec: z.string().optional(),
});

/** --governor-spec, then GOVERNOR_PACKAGE_SPEC, then where this running governor was installed from. */
function dependencySpec(flag: string | undefined): DependencySpec {
  if (flag !== undefined) return explicitSpec(flag, process.cwd(), "--governor-spec");
  const env = process.env.GOVERNOR_PACKAGE_SPEC;
  if (env !== undefined && env !== "")
    return explicitSpec(env, process.cwd(), "GOVERNOR_PACKAGE_SPEC");
  return detectSpec(import.meta.url);
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function isInteractive(): boolean {
  const ci = process.env.CI;
  // prompts need a person at a terminal on both ends (`init | tee log` must not wait on an unseen prompt)
  return (
    Boolean(process.stdin.isTTY && process.stdout.isTTY) && (!ci || ci === "0" || ci === "false")
  );
}

export const init = new Command("init")
  .description(
    "Detect your agent's stack and gate every tool definition (plan, confirm, apply, report).",
  )
  .option("--cwd <dir>", "project or workspace directory", process.cwd())
  .option("-y, --yes", "apply without asking (required when not interactive)", false)
  .option("--dry-run", "write nothing; print unified diffs of what would change", false)
  .option("--json", "print the report as JSON", false)
  .option("--no-install", "do not run the package manager after adding the dependency")
  .option("--allow-dirty", "run even when the git working tree has uncommitted changes", false)
  .addOption(
    new Option("--package-manager <name>", "package manager to install with").choices([
      ...PACKAGE_MANAGERS,
    ]),
  )
  .addOption(
    new Option("--framework <name...>", "only gate tools of these frameworks").choices([
      ...FRAMEWORKS,
    ]),
  )
  .option("--include <glob>", "only scan files matching this glob (repeatable)", collect)
  .option("--exclude <glob>", "skip files matching this glob (repeatable)", collect)
  .option(
    "--undo",
    "restore every file the last init changed and delete the ones it created",
    false,
  )
  .option(
    "--typecheck",
    "run tsc --noEmit before and after; roll back if it passed before and fails after",
    false,
  )
  .option(
    "--allow-edge",
    "gate tools that Next.js Edge routes reach anyway (governor cannot load on the Edge runtime)",
    false,
  )
  .option(
    "--governor-spec <spec>",
    "the governor dependency to write (file:<path>, a .tgz, a git URL, npm:<name>@<range>); default: where this governor was installed from",
  )
  .option("--debug", "print stack traces on errors (sets GOVERNOR_DEBUG=1)", false)
  .addHelpText(
    "after",
    "\nExit code: 0 done (or nothing to do), 1 the type-check failed after the edit (rolled back), 2 init could not run.",
  )
  .showHelpAfterError("fix: run `governor init --help` for usage.")
  .exitOverride(usageExit)
  .action(async (raw: Record<string, unknown>) => {
    debugOn(raw.debug);
    const json = Boolean(raw.json);
    try {
      const parsed = initOptionsSchema.safeParse({
        ...raw,
        cwd: resolve(String(raw.cwd ?? process.cwd())),
      });
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new CliError(
          "invalid_option",
          `Invalid option --${issue?.path.join(".")}: ${issue?.message}.`,
          "Run `governor init --help` for the accepted values.",
        );
      }
      const { governorSpec, ...options } = parsed.data;
      const outcome = await runInit(
        { ...options, framework: options.framework as never },
        {
          gateSources,
          inferIntent: inferIntentEntry,
          // --undo writes no dependency: a bad GOVERNOR_PACKAGE_SPEC must not block it
          dependencySpec: options.undo ? detectSpec(import.meta.url) : dependencySpec(governorSpec),
          interactive: isInteractive(),
          out: (text) => process.stdout.write(text),
          err: (text) => process.stderr.write(text),
        },
      );
      if (!outcome.ok)
        handleError(outcome.error, { command: "init", json, reported: outcome.reported });
    } catch (e) {
      handleError(e, { command: "init", json });
    }
  });
