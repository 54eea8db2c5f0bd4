// governedFetch(): a governed fetch for code that wants one without global patching. With the http
// guard installed it is the hooked fetch (which checks); without it, it checks against the state
// it is given (null: governor off, nothing to check), then calls fetch.
import { fetchChecked, hookedFetch } from "./http.js";
import { admit, guardState, type AdmitState } from "./state.js";

/** fetch(input, init) once the current tool call or intentScope allows the request; rejects with a
 *  GovernorGuardError when it does not, and the request is never sent. */
export function governedFetch(
  input: string | URL | Request,
  init: RequestInit | undefined,
  state: AdmitState | null,
): Promise<Response> {
  if (!state) return fetch(input, init);
  const hooked = hookedFetch();
  if (hooked && guardState()?.primitives.has("http")) return hooked(input, init);
  // Every dispatch is asked, so a redirect to another host is checked too.
  return fetchChecked(input, init as Record<string, unknown> | undefined, (target, method) =>
    admit({ primitive: "http", target, method: method ? method.toUpperCase() : "GET" }, state),
  );
}
