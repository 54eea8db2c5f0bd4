// Exit codes shared by governor's commands: CI scripts rely on them.
export const EXIT = {
  /** The check passed / the decision was ALLOW or what was expected. */
  ok: 0,
  /** The check ran and failed / the decision was DENY or not what was expected. */
  failed: 1,
  /** No answer could be had: bad input, unreachable, auth, the command itself could not run. */
  error: 2,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
