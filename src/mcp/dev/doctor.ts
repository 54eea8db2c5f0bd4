// governor_doctor: runDoctor's report as data (the same checks as `governor doctor --json`).
import path from "node:path";
import { gateSources } from "../../init/cached-gate.js";
import { runDoctor } from "../../doctor/run.js";
import { DevToolError, readRegularFile } from "./result.js";

export interface DoctorArgs {
  strict: boolean;
  samples: number;
  timeout?: number;
  probes?: string;
}

/**
 * The probes file the agent named, once it is a regular JSON file: doctor's own reader would quote
 * the start of any other file in its parse error (and block on a FIFO).
 */
function probesFile(cwd: string, given: string | undefined): string | undefined {
  if (!given) return undefined;
  const file = path.resolve(cwd, given);
  let text: string;
  try {
    text = readRegularFile(file, 1024 * 1024);
  } catch (err) {
    throw new DevToolError(
      "probes_unreadable",
      `The probes file ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? "error"}).`,
      "Pass `probes`: a JSON file of probes (governor.probes.json), or leave it out.",
      { probes: file },
    );
  }
  try {
    JSON.parse(text);
  } catch {
    throw new DevToolError(
      "probes_invalid",
      `The probes file ${file} is not JSON.`,
      'Pass `probes`: a JSON file like { "probes": [ { "tool": "...", "expect": "deny" } ] }, or leave it out.',
      { probes: file },
    );
  }
  return file;
}

export async function doctorReport(cwd: string, a: DoctorArgs, env: NodeJS.ProcessEnv) {
  const report = await runDoctor({
    cwd,
    probes: probesFile(cwd, a.probes),
    samples: a.samples,
    timeout: a.timeout,
    strict: a.strict,
    // the key comes from the environment (GOVERNOR_API_KEY / _FILE), as the app's gate reads it
    env,
    gateSources,
  });
  const count = (s: string) => report.checks.filter((c) => c.status === s).length;
  return {
    ok: report.ok,
    strict: a.strict,
    counts: { pass: count("pass"), warn: count("warn"), fail: count("fail"), skip: count("skip") },
    checks: report.checks,
  };
}
