import { Command } from "commander";
import path from "node:path";
import { existsSync } from "node:fs";
import { z } from "zod";
import {
  CliError,
  debugOn,
  EXIT,
  handleError,
  usageExit,
  inGitHubActions,
  print,
} from "../cli-support/index.js";
import { gateSources } from "../codemods/index.js";
import { runDoctor } from "../doctor/run.js";
import { renderAnnotations, renderText } from "../doctor/report.js";
import { resolveKey } from "../cli-support/secrets.js";

export const doctorOptionsSchema = z.object({
  cwd: z.string().min(1),
  url: z.string().min(1).optional(),
  apiKey: z.string().min(1).optional(),
  apiKeyFile: z.string().min(1).optional(),
  probes: z.string().min(1).optional(),
  maxLatency: z.coerce
    .number({ error: "expected a number" })
    .positive("expected a positive number of milliseconds")
    .optional(),
  samples: z.coerce
    .number({ error: "expected a number" })
    .int()
    .min(1, "expected at least 1")
    .max(1000, "expected at most 1000"),
  timeout: z.coerce
    .number({ error: "expected a number" })
    .int()
    .positive("expected a positive number of milliseconds")
    .optional(),
  strict: z.boolean().optional(),
  json: z.boolean().optional(),
});
export type DoctorCommandOptions = z.infer<typeof doctorOptionsSchema>;

export async function runDoctorCommand(
  o: DoctorCommandOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const cwd = path.resolve(o.cwd);
  if (!existsSync(cwd))
    throw new CliError(
      "cwd_missing",
      `--cwd ${o.cwd} does not exist.`,
      "Pass the directory of your project.",
    );
  const apiKey = resolveKey(
    { flag: "--api-key", env: "GOVERNOR_API_KEY" },
    { value: o.apiKey, file: o.apiKeyFile },
  );
  const report = await runDoctor({
    cwd,
    url: o.url,
    apiKey,
    probes: o.probes ? path.resolve(cwd, o.probes) : undefined,
    maxLatency: o.maxLatency,
    samples: o.samples,
    timeout: o.timeout,
    strict: Boolean(o.strict),
    env,
    gateSources,
  });
  if (o.json) print(JSON.stringify(report));
  else print(renderText(report, Boolean(o.strict)));
  if (inGitHubActions(env)) {
    // With --json, stdout stays one JSON document; the runner reads annotations from stderr too.
    const out = o.json ? process.stderr : process.stdout;
    for (const line of renderAnnotations(report, Boolean(o.strict))) out.write(line + "\n");
  }
  return report.ok ? EXIT.ok : EXIT.failed;
}

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
    debugOn(opts.debug);
    try {
      const options = doctorOptionsSchema.parse(opts);
      process.exitCode = await runDoctorCommand(options);
    } catch (err) {
      handleError(err, { json: opts.json, command: "doctor" });
    }
  });
