// governor/register: `node --import governor/register app.js` (or NODE_OPTIONS, or the first import
// of an entrypoint). Creates the default governor from the environment and validates it. A bad config
// prints one line to stderr and the app still starts; gated tools then fail closed with config_invalid.
import { getDefaultGovernor } from "./runtime/default.js";
import type { GovernorImpl } from "./runtime/governor.js";

const governor = getDefaultGovernor() as GovernorImpl;
// Load the HTTP client in the background now, so the first tool call does not pay for it.
governor.warm?.();
if (governor.configError) {
  process.stderr.write(
    `governor: config invalid: ${governor.configError.problems.join("; ")}. Gated tool calls will be refused (config_invalid) until this is fixed.\n`,
  );
}
