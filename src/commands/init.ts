import { Command, Option } from "commander";
import { PACKAGE_MANAGERS } from "../detectors/package-manager.js";
import { FRAMEWORK_IDS } from "../frameworks.js";
import { usageExit } from "../cli-support/usage-exit.js";

// Only the definition: `governor init --help` loads commander, this and two lists of names; its
// action loads the rest.

const collect = (value: string, previous: string[] = []) => [...previous, value];

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
      ...FRAMEWORK_IDS,
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
    const { initAction } = await import("./init-action.js");
    await initAction(raw);
  });
