import { Command } from "commander";
import { createRequire } from "node:module";

// Before any command loads the runtime: GOVERNOR_GUARD in the environment is for the app, not for
// governor's own requests (src/runtime/guard/auto.ts).
(globalThis as Record<symbol, unknown>)[Symbol.for("governor.cli")] = true;

const pkg = createRequire(import.meta.url)("../package.json") as { version: string };

// Only the asked command's definition loads (all of them for the root's help); each action loads its
// implementation (src/commands/<name>-action.ts), so no `--help` or `--version` loads ts-morph or zod.
const commands: Record<string, () => Promise<Command>> = {
  init: () => import("./commands/init.js").then((m) => m.init),
  serve: () => import("./commands/serve.js").then((m) => m.serve),
  doctor: () => import("./commands/doctor.js").then((m) => m.doctor),
  "test-intent": () => import("./commands/test-intent.js").then((m) => m.testIntent),
  mcp: () => import("./commands/mcp.js").then((m) => m.mcp),
};

const program = new Command()
  .name("governor")
  .description("Put a policy gate in front of every tool call your AI agent makes.")
  .version(pkg.version, "-v, --version")
  // a subcommand's options are its own: `governor mcp init --cwd p` is init's --cwd, not mcp's
  .enablePositionalOptions();

const asked = process.argv[2];
const names = asked && asked in commands ? [asked] : Object.keys(commands);
for (const name of names) program.addCommand(await commands[name]());

await program.parseAsync(process.argv);
