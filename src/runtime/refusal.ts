// What the model reads when a call is blocked: blocked by policy, why, do not retry, tell the user.
export function denyRefusal(
  tool: string,
  reason: string | null,
  denyCode: string,
  requestId: string | null,
): string {
  const why = reason ? ` Reason: ${reason.replace(/\.+$/, "")}.` : ` Code: ${denyCode}.`;
  const ref = requestId ? ` (request id ${requestId})` : "";
  return (
    `The tool call "${tool}" was blocked by policy${ref}.${why} ` +
    `Do not retry this call or try to achieve the same effect another way; explain to the user that this action is not allowed by policy.`
  );
}

/** Refusal for a call that could not be checked (fail closed). Built from the error code, not the
 *  person-facing message: that one names the policy service's URL, which the model has no use for.
 *  For config_invalid, `problems` (already free of secrets) say which setting is missing and where it
 *  was looked for, so the user the model tells knows what to fix. */
export function unavailableRefusal(
  tool: string,
  code: string,
  problems?: readonly string[],
): string {
  const why =
    code === "config_invalid"
      ? `governor is not configured${problems?.length ? ` (${clip(problems.join("; "), 600)})` : ""}`
      : code === "intent_invalid"
        ? "governor could not describe the call to the policy service (intent_invalid)"
        : `the policy service gave no decision (${code})`;
  return (
    `The tool call "${tool}" was not run: it could not be checked against policy because ${why}. ` +
    `Do not retry it now; tell the user the action could not be checked against policy, so it was not done.`
  );
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
