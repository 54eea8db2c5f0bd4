// governor/register: `node --import governor/register app.js` (or NODE_OPTIONS, or the first import
// of an entrypoint). Creates the default governor from the environment and validates it. A bad config
// prints one line to stderr and the app still starts; gated tools then fail closed with config_invalid.
// It also instruments the installed frameworks (src/runtime/instrument.ts); GOVERNOR_INSTRUMENT=off
// turns that off.
import { fileURLToPath } from "node:url";
import { getDefaultGovernor } from "./runtime/default.js";
import type { GovernorImpl } from "./runtime/governor.js";
import { startInstrumentation } from "./runtime/instrument.js";

// The CJS build (`-r`, require) has __filename and hooks require only; the ESM build (`--import`,
// import) also registers the ES module loader hook.
declare const __filename: string | undefined;
const cjs = typeof __filename === "string";
startInstrumentation({ esm: !cjs, here: cjs ? __filename! : fileURLToPath(import.meta.url) });

// Load the HTTP client in the background once the app is running, so the first tool call does not
// pay for it. An unref'd timer: a process that ends at once (a script, `node -e`) never pays either.
setTimeout(() => (getDefaultGovernor() as GovernorImpl).warm?.(), 0).unref();
// Judge the config once the entrypoint's other imports have run: `import "dotenv/config"` right after
// this one fills the environment in the same synchronous module evaluation.
setImmediate(() => {
  const governor = getDefaultGovernor() as GovernorImpl;
  if (!governor.configError) return;
  process.stderr.write(
    `governor: config invalid: ${governor.configError.problems.join("; ")}. Gated tool calls will be refused (config_invalid) until this is fixed.\n`,
  );
});
