// mTLS to enforce with certificates made in the test (test/support/certs.ts): an HTTPS server that
// requires a client certificate from its CA, the gate's own pool presenting one, and rotation by
// replacing the files (atomic rename, as cert-manager and spiffe-helper do).
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import https from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import path from "node:path";
import { GovernorUnavailableError } from "../../src/runtime/index.js";
import {
  createClientCert,
  createTestPki,
  swapFiles,
  type CertPair,
  type TestPki,
} from "../support/certs.js";
import { closeAll, makeGovernor as make, rejection, tmp } from "./helpers.js";

// A deadline that is a net for a loaded machine, not a margin: refusals here are immediate.
const makeGovernor = (o: Parameters<typeof make>[0]) => make({ timeoutMs: 30_000, ...o });

let pki: TestPki;
let other: CertPair; // a second client of the right CA: a different identity that is also accepted
let server: https.Server;
let url: string;
/** The subject CN of the client certificate of each request that got through. */
const seen: string[] = [];

beforeAll(async () => {
  pki = await createTestPki({ clientCn: "agent-1" });
  other = await createClientCert(pki.ca, "agent-2");
  server = https.createServer(
    {
      cert: pki.server.cert,
      key: pki.server.key,
      ca: pki.ca.cert,
      requestCert: true,
      rejectUnauthorized: true,
    },
    (req, res) => {
      seen.push(String((req.socket as TLSSocket).getPeerCertificate().subject?.CN));
      req.resume();
      req.on("end", () => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ decision: "ALLOW", metadata: { request_id: "r1" } }));
      });
    },
  );
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
afterEach(async () => {
  await closeAll();
  seen.length = 0;
});

const intent = (action: string) => ({ action, actor: { id: "u", type: "agent" } }) as never;

describe("mTLS to enforce", () => {
  it("with the right client certificate the check works (from GOVERNOR_TLS_* files)", async () => {
    const dir = tmp();
    swapFiles(dir, { "c.pem": pki.client.cert, "k.pem": pki.client.key, "ca.pem": pki.ca.cert });
    const { governor } = makeGovernor({
      enforceUrl: url,
      env: {
        GOVERNOR_TLS_CERT: path.join(dir, "c.pem"),
        GOVERNOR_TLS_KEY: path.join(dir, "k.pem"),
        GOVERNOR_TLS_CA: path.join(dir, "ca.pem"),
      },
    });
    let runs = 0;
    await governor.gate("t", async () => ++runs)();
    expect(runs).toBe(1);
    expect(seen).toEqual(["agent-1"]);
  });

  it("takes PEM text as well as paths", async () => {
    const { governor } = makeGovernor({
      enforceUrl: url,
      tls: { cert: pki.client.cert, key: pki.client.key, ca: pki.ca.cert },
    });
    expect((await governor.check(intent("x"))).allowed).toBe(true);
  });

  it("with no client certificate, or one from another CA, there is no decision and the tool does not run", async () => {
    for (const tls of [
      { ca: pki.ca.cert },
      { cert: pki.wrongClient.cert, key: pki.wrongClient.key, ca: pki.ca.cert },
    ]) {
      const { governor } = makeGovernor({ enforceUrl: url, tls, retry: { maxAttempts: 1 } });
      let runs = 0;
      const err = await rejection(governor.gate("t", async () => ++runs)());
      expect(err).toBeInstanceOf(GovernorUnavailableError);
      expect(runs).toBe(0);
    }
    expect(seen).toEqual([]);
  });

  it("a server certificate from a CA not given is not trusted, and the error says what to set", async () => {
    const { governor } = makeGovernor({
      enforceUrl: url,
      tls: { cert: pki.client.cert, key: pki.client.key, ca: pki.wrongCa.cert },
    });
    const err = await rejection(governor.check(intent("x")));
    expect(err).toBeInstanceOf(GovernorUnavailableError);
    expect(err.message).toMatch(/GOVERNOR_TLS_CA must hold the CA/);
  });

  it("replacing the files switches identity at the next check, without a restart, both ways", async () => {
    const dir = tmp();
    swapFiles(dir, {
      "ca.pem": pki.ca.cert,
      "cert.pem": pki.wrongClient.cert,
      "key.pem": pki.wrongClient.key,
    });
    const g = makeGovernor({
      enforceUrl: url,
      tls: { identityDir: dir, recheckMs: 0 },
      retry: { maxAttempts: 1 },
    });
    let runs = 0;
    const tool = g.governor.gate("t", async () => ++runs);
    expect((await rejection(tool())).code).toBe("enforce_unavailable");
    swapFiles(dir, { "cert.pem": pki.client.cert, "key.pem": pki.client.key });
    expect(await tool()).toBe(1);
    expect(seen).toEqual(["agent-1"]);
    swapFiles(dir, { "cert.pem": other.cert, "key.pem": other.key });
    expect(await tool()).toBe(2);
    expect(seen).toEqual(["agent-1", "agent-2"]); // a new connection, with the new identity
    swapFiles(dir, { "cert.pem": pki.wrongClient.cert, "key.pem": pki.wrongClient.key });
    expect((await rejection(tool())).code).toBe("enforce_unavailable");
    expect(runs).toBe(2);
  });

  it("a half-finished swap (new certificate, old key) keeps the old identity until the key comes", async () => {
    const dir = tmp();
    swapFiles(dir, {
      "ca.pem": pki.ca.cert,
      "cert.pem": pki.client.cert,
      "key.pem": pki.client.key,
    });
    const g = makeGovernor({ enforceUrl: url, tls: { identityDir: dir, recheckMs: 0 } });
    await g.governor.check(intent("a"));
    swapFiles(dir, { "cert.pem": other.cert });
    await g.governor.check(intent("b"));
    expect(seen).toEqual(["agent-1", "agent-1"]);
    expect(g.warnings.join("\n")).toMatch(/not usable yet .*still using the previous ones/);
    swapFiles(dir, { "key.pem": other.key });
    await g.governor.check(intent("c"));
    expect(seen).toEqual(["agent-1", "agent-1", "agent-2"]);
  });

  it("an identity directory without its files fails closed, not cached: the next check after they appear works", async () => {
    const dir = tmp();
    const g = makeGovernor({ enforceUrl: url, env: { GOVERNOR_IDENTITY_DIR: dir } });
    let runs = 0;
    const tool = g.governor.gate("t", async () => ++runs);
    const err = await rejection(tool());
    expect(err.code).toBe("identity_unavailable");
    expect(err.message).toContain("GOVERNOR_IDENTITY_DIR (cert.pem)");
    expect(runs).toBe(0);
    // spiffe-helper's default names
    swapFiles(dir, {
      "svid_bundle.pem": pki.ca.cert,
      "svid.pem": pki.client.cert,
      "svid_key.pem": pki.client.key,
    });
    expect(await tool()).toBe(1);
    expect(seen).toEqual(["agent-1"]);
  });

  it("a missing client certificate is a local problem: it never opens the breaker", async () => {
    const dir = tmp();
    const g = makeGovernor({
      enforceUrl: url,
      tls: { identityDir: dir, recheckMs: 0 },
      breaker: { minimumRequests: 2 },
    });
    const tool = g.governor.gate("t", async () => "ran");
    const codes: string[] = [];
    for (let i = 0; i < 6; i++) codes.push((await rejection(tool())).code);
    // "circuit open" would say the policy service failed, and stop the files being read again
    expect(codes).toEqual(Array(6).fill("identity_unavailable"));
    expect(g.governor.stats().breaker).toBe("closed");
  });

  it("the gate's certificate is its own: the global dispatcher is left as it was", async () => {
    const { getGlobalDispatcher } = await import("undici");
    const before = getGlobalDispatcher();
    const { governor } = makeGovernor({
      enforceUrl: url,
      tls: { cert: pki.client.cert, key: pki.client.key, ca: pki.ca.cert },
    });
    expect((await governor.check(intent("x"))).allowed).toBe(true);
    expect(getGlobalDispatcher()).toBe(before);
  });
});
