import { Command } from "commander";
import { usageExit } from "../cli-support/usage-exit.js";

// Only the definition: `governor doctor --help` loads commander and this; its action loads the
// rest.
export type { DoctorCommandOptions } from "./doctor-action.js";

export const doctor = new Command("doctor")
  .description(
    "Check that the gate will work here: config, enforce reachable and answering, probes, latency, repo wiring.",
  )
  .option("--cwd <dir>", "project directory", process.cwd())
  .option("--url <url>", "enforce base URL (default GOVERNOR_ENFORCE_URL)")
  .option("--api-key <key>", "bearer key (default GOVERNOR_API_KEY)")
  .option(
    "--api-key-file <path>",
    "bearer key from this file, not visible in `ps` (or GOVERNOR_API_KEY_FILE)",
  )
  .option(
    "--probes <file>",
    "intents or tool calls with expected decisions (default governor.probes.json if present)",
  )
  .option("--max-latency <ms>", "fail when the p95 latency of enforce is above this")
  .option("--samples <n>", "calls used to measure latency", "5")
  .option(
    "--timeout <ms>",
    "per-check network timeout (default GOVERNOR_TIMEOUT_MS, at least 2000 for connecting)",
  )
  .option("--strict", "warnings fail too (for CI)")
  .option(
    "--json",
    'print { "ok", "checks": [ { "id", "status", "message", "fix"?, "details"? } ] }',
  )
  .addHelpText(
    "after",
    "\nExit code: 0 nothing failed, 1 a check failed, 2 doctor itself could not run.\nExample: governor doctor --url http://127.0.0.1:8787 --strict",
  )
  .option("--debug", "print stack traces on errors (sets GOVERNOR_DEBUG=1)")
  .showHelpAfterError("fix: run `governor doctor --help` for usage.")
  .exitOverride(usageExit)
  .action(async (opts) => {
    const { doctorAction } = await import("./doctor-action.js");
    await doctorAction(opts);
  });
