// Imported for its effect by the runtime's entry and governor/register: GOVERNOR_GUARD set in the
// environment installs the guards now, before the app's own code runs.
import { stderrWarn } from "../config.js";
import { installGuardsFromEnv } from "./install.js";

if (process.env.GOVERNOR_GUARD) installGuardsFromEnv(stderrWarn);
