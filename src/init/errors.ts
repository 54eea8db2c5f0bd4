// Typed errors for `governor init`: each carries a stable code and the fix, printed by one handler.

export type InitErrorCode =
  | "not_a_package"
  | "invalid_option"
  | "dirty_tree"
  | "needs_confirmation"
  | "cancelled"
  | "config_invalid"
  | "package_json_invalid"
  | "file_changed"
  | "reparse_failed"
  | "typecheck_failed"
  | "install_failed"
  | "nothing_to_undo"
  | "undo_failed"
  | "undo_conflict"
  | "undo_unverified"
  | "undo_unsafe"
  | "backup_unsafe"
  | "write_failed"
  | "write_refused"
  | "governor_spec_unknown"
  | "edge_route";

export class InitError extends Error {
  readonly code: InitErrorCode;
  readonly fix: string;
  /** Set when the report was already printed before this error (so --json prints no second document). */
  reportPrinted = false;
  constructor(code: InitErrorCode, message: string, fix: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "InitError";
    this.code = code;
    this.fix = fix;
  }
}

/** One line for people, plus the fix; the stack only with --debug. */
export function formatError(error: unknown, debug: boolean): string {
  if (error instanceof InitError) {
    const lines = [`error [${error.code}]: ${error.message}`, `fix: ${error.fix}`];
    if (debug && error.stack) lines.push(error.stack);
    return lines.join("\n");
  }
  const err = error instanceof Error ? error : new Error(String(error));
  const lines = [
    `error [internal]: ${err.message}`,
    "fix: rerun with --debug and report the output at the governor issue tracker.",
  ];
  if (debug && err.stack) lines.push(err.stack);
  return lines.join("\n");
}
