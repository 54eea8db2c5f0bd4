// Can we reach the enforce host at all? DNS, then TCP, then TLS, each timed, each failure named.
import { lookup } from "node:dns/promises";
import { isIP, connect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { performance } from "node:perf_hooks";
import { fail, pass, type CheckResult } from "./types.js";

const ID = "enforce.reachable";

function timed<T>(
  ms: number,
  what: string,
  start: (done: (err: Error | null, value?: T) => void) => () => void,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const cleanup = start((err, value) => {
      clearTimeout(timer);
      cleanup();
      if (err) reject(err);
      else resolve(value as T);
    });
    const timer = setTimeout(() => {
      cleanup();
      reject(Object.assign(new Error(`${what} timed out after ${ms} ms`), { code: "ETIMEDOUT" }));
    }, ms);
  });
}

const ms = (t0: number) => Math.round((performance.now() - t0) * 10) / 10;

export async function checkReachable(
  url: URL,
  timeoutMs: number,
  /** The gate's CA and client certificate, when configured: the handshake is the gate's. */
  tls?: { cert?: string; key?: string; ca?: string },
): Promise<CheckResult> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  const where = `${host}:${port}`;
  const details: Record<string, unknown> = { host, port };
  let address = host;
  if (!isIP(host)) {
    const t0 = performance.now();
    try {
      address = (await lookup(host)).address;
      details.dns_ms = ms(t0);
      details.address = address;
    } catch (err) {
      return fail(
        ID,
        `DNS cannot resolve ${host} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
        "Check the host name in GOVERNOR_ENFORCE_URL (or --url) and this machine's DNS.",
        details,
      );
    }
  }
  const t1 = performance.now();
  try {
    await timed<void>(timeoutMs, "TCP connect", (done) => {
      const s: Socket = connect({ host: address, port });
      s.once("connect", () => done(null));
      s.once("error", (e) => done(e));
      return () => s.destroy();
    });
    details.tcp_ms = ms(t1);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ECONNREFUSED")
      return fail(
        ID,
        `nothing is listening on ${where} (connection refused)`,
        `Start the enforce server (locally: \`governor serve --policy <file> --port ${port}\`) or fix the port in GOVERNOR_ENFORCE_URL.`,
        details,
      );
    return fail(
      ID,
      `cannot connect to ${where}: ${(err as Error).message}`,
      "Check that the host and port in GOVERNOR_ENFORCE_URL are right and that no firewall or proxy blocks them.",
      details,
    );
  }
  if (url.protocol === "https:") {
    const t2 = performance.now();
    try {
      await timed<void>(timeoutMs, "TLS handshake", (done) => {
        const s = tlsConnect({
          host: address,
          port,
          servername: isIP(host) ? undefined : host,
          ...(tls && { cert: tls.cert, key: tls.key, ca: tls.ca }),
        });
        s.once("secureConnect", () => done(null));
        s.once("error", (e) => done(e));
        return () => s.destroy();
      });
      details.tls_ms = ms(t2);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? "";
      return fail(
        ID,
        `TLS handshake with ${where} failed (${code || (err as Error).message})`,
        /CERT|SIGNATURE|SELF_SIGNED|ISSUER/.test(code)
          ? "The server's certificate is not trusted here: fix the certificate, or for a private CA set NODE_EXTRA_CA_CERTS=<ca.pem>."
          : "Check that the server speaks HTTPS on this port, or use http:// in GOVERNOR_ENFORCE_URL.",
        details,
      );
    }
  }
  const parts = [
    details.dns_ms !== undefined && `dns ${details.dns_ms} ms`,
    `tcp ${details.tcp_ms} ms`,
    details.tls_ms !== undefined && `tls ${details.tls_ms} ms`,
  ].filter(Boolean);
  return pass(ID, `${where} reachable (${parts.join(", ")})`, details);
}
