// governor_doctor: runDoctor's report as data (the same checks as `governor doctor --json`).
import path from "node:path";
import { gateSources } from "../../codemods/index.js";
import { runDoctor } from "../../doctor/run.js";

export interface DoctorArgs {
  strict: boolean;
  samples: number;
  timeout?: number;
  probes?: string;
}

export async function doctorReport(cwd: string, a: DoctorArgs, env: NodeJS.ProcessEnv) {
  const report = await runDoctor({
    cwd,
    probes: a.probes ? path.resolve(cwd, a.probes) : undefined,
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
