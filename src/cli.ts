import { Command } from "commander";
import { createRequire } from "node:module";
import { serve } from "./commands/serve.js";
import { testIntent } from "./commands/test-intent.js";
import { doctor } from "./commands/doctor.js";
import { init } from "./commands/init.js";

const pkg = createRequire(import.meta.url)("../package.json") as { version: string };

const program = new Command()
  .name("governor")
  .description("Put a policy gate in front of every tool call your AI agent makes.")
  .version(pkg.version, "-v, --version")
  .addCommand(init)
  .addCommand(serve)
  .addCommand(doctor)
  .addCommand(testIntent);

await program.parseAsync(process.argv);
