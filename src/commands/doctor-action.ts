// What `governor doctor` does, loaded by its action (src/commands/doctor.ts).
import type { OptionValues } from "commander";
import path from "node:path";
import { existsSync } from "node:fs";
import { z } from "zod";
import {
  CliError,
  debugOn,
  EXIT,
  handleError,
  inGitHubActions,
  print,
} from "../cli-support/index.js";
import { gateSources } from "../init/cached-gate.js";
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

export async function doctorAction(opts: OptionValues): Promise<void> {
  debugOn(opts.debug);
  try {
    const options = doctorOptionsSchema.parse(opts);
    process.exitCode = await runDoctorCommand(options);
  } catch (err) {
    handleError(err, { json: opts.json, command: "doctor" });
  }
}
