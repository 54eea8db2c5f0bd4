// test/support/certs.ts makes certificates node:tls really accepts: a handshake that requires a
// client certificate succeeds with the right one and is refused with none or another CA's.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import tls from "node:tls";
import type { AddressInfo } from "node:net";
import { createClientCert, createTestPki, writePem, type TestPki } from "../support/certs.js";

let pki: TestPki;
let server: tls.Server;
let port: number;

beforeAll(async () => {
  pki = await createTestPki();
  server = tls.createServer(
    {
      cert: pki.server.cert,
      key: pki.server.key,
      ca: pki.ca.cert,
      requestCert: true,
      rejectUnauthorized: true,
    },
    (socket) => {
      const peer = socket.getPeerCertificate();
      socket.end(`hello ${peer.subject.CN}`);
    },
  );
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** The next handshake the server refuses, as its error code. */
const nextRefusal = () =>
  new Promise<string>((resolve) =>
    server.once("tlsClientError", (err: NodeJS.ErrnoException) => resolve(String(err.code))),
  );

/** What the client got: the server's greeting, or the error that ended the connection. */
function talk(
  opts: tls.ConnectionOptions,
): Promise<{ data: string; error?: NodeJS.ErrnoException }> {
  return new Promise((resolve) => {
    let data = "";
    let error: NodeJS.ErrnoException | undefined;
    const socket = tls.connect({ port, host: "127.0.0.1", ca: pki.ca.cert, ...opts });
    socket.setEncoding("utf8");
    socket.on("data", (d) => (data += d));
    socket.on("error", (e) => (error = e));
    socket.on("close", () => resolve({ data, error }));
  });
}

describe("test/support/certs.ts", () => {
  it("a client certificate from the trusted CA completes the handshake (IP SAN 127.0.0.1 checked)", async () => {
    const r = await talk({ cert: pki.client.cert, key: pki.client.key });
    expect(r.error).toBeUndefined();
    expect(r.data).toBe("hello agent-1");
  });

  it("the server certificate also verifies as localhost", async () => {
    const r = await talk({ cert: pki.client.cert, key: pki.client.key, servername: "localhost" });
    expect(r.data).toBe("hello agent-1");
  });

  it("the server certificate is refused by a client that trusts only the other CA", async () => {
    const r = await talk({ ca: pki.wrongCa.cert, cert: pki.client.cert, key: pki.client.key });
    expect(r.data).toBe("");
    // node's TLS server sends its CA along, so the client sees a self-signed root it does not trust
    expect(r.error?.code).toBe("SELF_SIGNED_CERT_IN_CHAIN");
  });

  it("the unrelated CA's client certificate is refused by the server", async () => {
    const refusal = nextRefusal();
    const r = await talk({ cert: pki.wrongClient.cert, key: pki.wrongClient.key });
    expect(r.data).toBe("");
    // node checks the chain after the TLS 1.3 handshake and drops the socket ("socket hang up")
    expect(await refusal).toMatch(/^(?:ECONNRESET|ERR_SSL_[A-Z_]+|[A-Z_]*CERT[A-Z_]*)$/);
  });

  it("no client certificate is refused by the server", async () => {
    const refusal = nextRefusal();
    const r = await talk({});
    expect(r.data).toBe("");
    expect(await refusal).toBe("ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE");
    expect(r.error?.code).toBe("ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED");
  });

  it("validity is the caller's, and writePem writes files node reads back", async () => {
    const notAfter = new Date(Date.now() + 3 * 86_400_000);
    const soon = await createClientCert(pki.ca, "expiring", { notAfter });
    const dir = mkdtempSync(path.join(tmpdir(), "governor-certs-"));
    const files = writePem(dir, { cert: soon.cert, key: soon.key, ca: pki.ca.cert });
    expect(files.cert).toBe(path.join(dir, "cert.pem"));
    const parsed = new X509Certificate(readFileSync(files.cert));
    expect(parsed.subject).toBe("CN=expiring");
    expect(new Date(parsed.validTo).getTime()).toBe(Math.floor(notAfter.getTime() / 1000) * 1000);
    expect(parsed.checkIssued(new X509Certificate(readFileSync(files.ca)))).toBe(true);
  });
});
