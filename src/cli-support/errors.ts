// The CLI's one error type (CliError, in cli-error.ts): a stable code, what happened, what to do, and
// its exit code from one policy (EXIT). Every command prints it through handleError, as text on
// stderr or JSON on stdout.
import type { ZodError } from "zod";
import { CliError, errorJson } from "./cli-error.js";
import { paint } from "./output.js";
import { debugOn as runtimeDebugOn } from "../runtime/debug.js";

export { CliError, errorJson } from "./cli-error.js";
export { usageExit } from "./usage-exit.js";

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

// By its shape, not `instanceof`: importing zod here would cost every command ~70 ms to load, and
// `governor serve` validates its options without it (src/commands/serve-options.ts).
function isZodError(err: unknown): err is ZodError {
  return err instanceof Error && err.name === "ZodError" && Array.isArray((err as ZodError).issues);
}

/** Anything thrown, as a CliError: ours as is, zod's as an options error, the rest as internal. */
export function asCliError(err: unknown, command: string): CliError {
  if (err instanceof CliError) return err;
  if (isZodError(err)) return optionError(err, command);
  return new CliError(
    "internal",
    err instanceof Error ? err.message : String(err),
    "Run again with GOVERNOR_DEBUG=1 for details, and report it if it persists.",
    { cause: err },
  );
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
