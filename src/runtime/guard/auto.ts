// Imported for its effect by the runtime's entry and governor/register: GOVERNOR_GUARD set in the
// environment installs the guards now, before the app's own code runs.
import { stderrWarn } from "../config.js";
import { installGuardsFromEnv } from "./install.js";

// governor's own CLI (serve, mcp, doctor) is not the app: it marks itself, and its requests to
// enforce are not side effects to refuse.
const cli = (globalThis as Record<symbol, unknown>)[Symbol.for("governor.cli")] === true;
if (process.env.GOVERNOR_GUARD && !cli) installGuardsFromEnv(stderrWarn);
