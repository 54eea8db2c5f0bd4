// governor/register, ES module build: `node --import governor/register app.js` (any app, ESM or CJS),
// or `import "governor/register"` first in an entrypoint. Same as the CJS build, plus the ES module
// loader hook. Imported by the app (not preloaded), the entrypoint's static imports were linked before
// this runs: the top-level await patches what still can be (class prototypes) before the
// entrypoint's own code starts, and names what cannot.
// GOVERNOR_GUARD: the guards go on first, before anything else loads.
import "./runtime/guard/auto.js";
import { fileURLToPath } from "node:url";
import { patchAlreadyLoaded } from "./runtime/instrument-loaded.js";
import { start } from "./register/start.js";

const status = start({ esm: true, here: fileURLToPath(import.meta.url) });
if (status.mode === "import") await patchAlreadyLoaded(process.argv[1], true);
