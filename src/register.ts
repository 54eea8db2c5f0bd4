// governor/register, CommonJS build: `node -r governor/register app.js`, or `require("governor/register")`
// first in an entrypoint. Creates the default governor from the environment and validates it (a bad
// config prints one line to stderr; gated tools then fail closed with config_invalid), and instruments
// the frameworks as they are required (src/runtime/instrument.ts; GOVERNOR_INSTRUMENT=off turns it off).
// GOVERNOR_GUARD: the guards go on first, before anything else loads.
import "./runtime/guard/auto.js";
import { patchAlreadyLoaded } from "./runtime/instrument-loaded.js";
import { start } from "./register/start.js";

start({ esm: false, here: __filename });
// Required after some frameworks already were: patch those now (CJS is synchronous, nothing to wait).
void patchAlreadyLoaded(process.argv[1], false);
