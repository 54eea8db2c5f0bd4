// One typed error for CLI commands: what happened, what to do, which exit code. Printed by one handler.
import { ZodError } from "zod";
import { EXIT } from "./exit.js";
import { paint } from "./output.js";

export class CliError extends Error {
  constructor(
    message: string,
    readonly fix?: string,
    readonly exitCode: number = EXIT.error,
    readonly code: string = "cli_error",
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** Zod option errors as one readable line per problem, e.g. "--port: expected a number between 0 and 65535". */
export function optionError(err: ZodError, command: string): CliError {
  const lines = err.issues.map((i) => {
    const flag = i.path.length
      ? `--${String(i.path[0]).replace(/[A-Z]/g, (c) => "-" + c.toLowerCase())}`
      : "options";
    return `${flag}: ${i.message}`;
  });
  return new CliError(
    `invalid options:\n  ${lines.join("\n  ")}`,
    `Run \`governor ${command} --help\` for usage.`,
    EXIT.error,
    "invalid_options",
  );
}

/** Prints an error for people (or as JSON) and exits. Stack traces only with GOVERNOR_DEBUG. */
export function handleError(err: unknown, opts: { json?: boolean; command: string }): never {
  const e =
    err instanceof CliError
      ? err
      : err instanceof ZodError
        ? optionError(err, opts.command)
        : new CliError(
            err instanceof Error ? err.message : String(err),
            "Run again with GOVERNOR_DEBUG=1 for details, and report it if it persists.",
          );
  if (opts.json) {
    process.stdout.write(
      JSON.stringify({ error: { code: e.code, message: e.message, fix: e.fix } }) + "\n",
    );
  } else {
    const c = paint(process.stderr);
    process.stderr.write(`${c.red("error")} ${e.message}\n`);
    if (e.fix) process.stderr.write(`${c.dim("fix:")} ${e.fix}\n`);
  }
  if (process.env.GOVERNOR_DEBUG && err instanceof Error && err.stack)
    process.stderr.write(err.stack + "\n");
  process.exitCode = e.exitCode;
  process.exit(e.exitCode);
}

/** commander's own usage errors (unknown option, bad choice) exit 2 like ours; help and version exit 0. */
export function usageExit(err: { exitCode: number; code: string }): never {
  process.exit(err.exitCode === 0 ? 0 : 2);
}
