// The CLI's one error type, on its own so that commands can name it (and commander's usage errors
// can print it) without loading what prints errors: `governor --help` loads this and commander only.
import { EXIT, type ExitCode } from "./exit.js";

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

/** The error as JSON: `{ error: { code, message, fix } }`, the shape every command's --json prints. */
export function errorJson(e: CliError): { code: string; message: string; fix: string } {
  return { code: e.code, message: e.message, fix: e.fix };
}
