// commander's exit hook for every command, a leaf: each command's definition names it, and
// `governor <command> --help` must load nothing of what the command does.
import { CliError, errorJson } from "./cli-error.js";
import { EXIT } from "./exit.js";

/** commander's own usage errors (unknown option, bad choice) exit 2 like ours, and with --json also
 *  print the one error document; help and version exit 0. */
export function usageExit(err: { exitCode: number; code: string; message: string }): never {
  if (err.exitCode === 0) process.exit(0);
  if (process.argv.includes("--json")) {
    const e = new CliError(
      "invalid_options",
      err.message.replace(/^error: /, ""),
      "Run the command with --help for usage.",
    );
    process.stdout.write(JSON.stringify({ error: errorJson(e) }) + "\n");
  }
  process.exit(EXIT.error);
}
