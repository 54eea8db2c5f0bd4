// What governor/register does in both builds: instrument the frameworks, warm the HTTP client, and
// judge the config once the entrypoint's imports have run.
import { getDefaultGovernor } from "../runtime/default.js";
import type { GovernorImpl } from "../runtime/governor.js";
import { startInstrumentation, type InstrumentationStatus } from "../runtime/instrument.js";

export function start(opts: { esm: boolean; here: string }): InstrumentationStatus {
  const status = startInstrumentation(opts);
  // Load the HTTP client in the background once the app is running, so the first tool call does not
  // pay for it. Unref'd and not at once: a process that ends soon (a script, `node -e`, a CLI that
  // NODE_OPTIONS reaches) never pays; the setImmediate below would keep a 0 ms timer alive.
  setTimeout(() => (getDefaultGovernor() as GovernorImpl).warm?.(), 100).unref();
  // Judge the config once the entrypoint's other imports have run: `import "dotenv/config"` right after
  // this one fills the environment in the same synchronous module evaluation.
  setImmediate(() => {
    const governor = getDefaultGovernor() as GovernorImpl;
    if (!governor.configError) return;
    process.stderr.write(
      `governor: config invalid: ${governor.configError.problems.join("; ")}. Gated tool calls will be refused (config_invalid) until this is fixed.\n`,
    );
  });
  return status;
}
