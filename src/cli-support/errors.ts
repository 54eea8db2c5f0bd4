// The CLI's one error type: a stable code, what happened, what to do, and its exit code from one
// policy (EXIT). Every command prints it through handleError, as text on stderr or JSON on stdout.
import { ZodError } from "zod";
import { EXIT, type ExitCode } from "./exit.js";
import { paint } from "./output.js";
import { debugOn as runtimeDebugOn } from "../runtime/debug.js";

export class CliError extends Error {
  readonly exitCode: ExitCode;
  constructor(
    readonly code: string,
    message: string,
    readonly fix: string,
    options: { exit?: ExitCode; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "CliError";
    this.exitCode = options.exit ?? EXIT.error;
  }
}

/** `--debug` only turns on GOVERNOR_DEBUG, the one switch the CLI and the runtime both read. */
export function debugOn(flag: unknown): boolean {
  if (flag) process.env.GOVERNOR_DEBUG = "1";
  return runtimeDebugOn();
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
    "invalid_options",
    `invalid options:\n  ${lines.join("\n  ")}`,
    `Run \`governor ${command} --help\` for usage.`,
  );
}

/** Anything thrown, as a CliError: ours as is, zod's as an options error, the rest as internal. */
export function asCliError(err: unknown, command: string): CliError {
  if (err instanceof CliError) return err;
  if (err instanceof ZodError) return optionError(err, command);
  return new CliError(
    "internal",
    err instanceof Error ? err.message : String(err),
    "Run again with GOVERNOR_DEBUG=1 for details, and report it if it persists.",
    { cause: err },
  );
}

/** The error as JSON: `{ error: { code, message, fix } }`, the shape every command's --json prints. */
export function errorJson(e: CliError): { code: string; message: string; fix: string } {
  return { code: e.code, message: e.message, fix: e.fix };
}

/** The error as text: `error [code]: message` and `fix: ...`. */
export function errorText(e: CliError, color = paint(process.stderr)): string {
  const lines = [`${color.red("error")} [${e.code}]: ${e.message}`];
  if (e.fix) lines.push(`${color.dim("fix:")} ${e.fix}`);
  return lines.join("\n");
}

export interface HandleOptions {
  command: string;
  json?: boolean;
  /** The command already printed its JSON report (which carries the error): print none on stdout. */
  reported?: boolean;
}

/**
 * Prints an error and exits with its code: as text on stderr, and with --json also as one JSON
 * document on stdout (unless the report already carried it). Stack traces only with GOVERNOR_DEBUG.
 */
export function handleError(err: unknown, opts: HandleOptions): never {
  const e = asCliError(err, opts.command);
  if (opts.json && !opts.reported)
    process.stdout.write(JSON.stringify({ error: errorJson(e) }) + "\n");
  process.stderr.write(errorText(e) + "\n");
  if (debugOn(false) && err instanceof Error && err.stack) process.stderr.write(err.stack + "\n");
  process.exitCode = e.exitCode;
  process.exit(e.exitCode);
}

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
