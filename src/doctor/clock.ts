// Signed decisions expire: if this machine's clock and enforce's disagree, valid ALLOWs look expired
// (or stale ones look fresh). Compares the server's Date header with the local clock.
import { request } from "undici";
import { fail, pass, skip, warn, type CheckResult } from "./types.js";

export async function checkClock(
  endpoint: URL | null,
  signed: boolean,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<CheckResult> {
  if (!signed)
    return skip(
      "clock",
      "signed decisions are off (no GOVERNOR_DECISION_KEY), so clock skew does not matter",
    );
  if (!endpoint) return skip("clock", "needs an enforce URL");
  const health = new URL(endpoint);
  health.pathname = health.pathname.replace(/\/api\/v2\/enforce$/, "") + "/health";
  let date: string | undefined;
  const before = Date.now();
  try {
    const res = await request(health, {
      method: "GET",
      headers,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    await res.body.dump();
    date = res.headers.date as string | undefined;
  } catch (err) {
    return skip("clock", `cannot read the server's time (${(err as Error).message})`);
  }
  const after = Date.now();
  const server = date ? Date.parse(date) : NaN;
  if (Number.isNaN(server))
    return skip("clock", "the server sends no Date header, so skew cannot be measured");
  // Date has 1 s resolution: compare against the middle of the call, allow that second.
  const skewMs = server - (before + after) / 2;
  const abs = Math.abs(skewMs);
  const details = { skew_ms: Math.round(skewMs) };
  const msg = `clock differs from enforce by about ${Math.round(abs / 1000)} s`;
  if (abs > 30_000)
    return fail(
      "clock",
      msg,
      "Sync this machine's clock (NTP); signed decisions are checked against their expiry time.",
      details,
    );
  if (abs > 5_000)
    return warn(
      "clock",
      msg,
      "Sync this machine's clock (NTP) before short-lived decision tokens start failing.",
      details,
    );
  return pass("clock", `clock within ${Math.max(1, Math.round(abs / 1000))} s of enforce`, details);
}
