// What the model reads when a call is blocked: blocked by policy, why, do not retry, tell the user.
export function denyRefusal(tool: string, reason: string | null, denyCode: string, requestId: string | null): string {
  const why = reason ? ` Reason: ${reason.replace(/\.+$/, "")}.` : ` Code: ${denyCode}.`;
  const ref = requestId ? ` (request id ${requestId})` : "";
  return (
    `The tool call "${tool}" was blocked by policy${ref}.${why} ` +
    `Do not retry this call or try to achieve the same effect another way; explain to the user that this action is not allowed by policy.`
  );
}

/** Refusal for a call that could not be checked (fail closed). `message` (the typed error's) already
 *  names the tool and says it was not run. */
export function unavailableRefusal(tool: string, message: string): string {
  const said = message.includes(`"${tool}"`) ? message : `The tool call "${tool}" was not run: ${message}`;
  return `${said} Do not retry it now; tell the user the action could not be checked against policy, so it was not done.`;
}
