// The gate against our own `governor serve` (spawned, built CLI): bearer JWTs verified with
// --oauth-jwks, and HTTPS requiring a client certificate with --tls-client-ca.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { GovernorUnavailableError } from "../../src/runtime/index.js";
import { createTestPki, swapFiles, writePem, type TestPki } from "../support/certs.js";
import { startTokenServer, type TokenServer } from "../support/token-server.js";
import { serve, until, type Served } from "../cli/helpers.js";
import { closeAll, makeGovernor as make, rejection, tmp } from "./helpers.js";

// A deadline that is a net for a loaded machine, not a margin: refusals here are immediate.
const makeGovernor = (o: Parameters<typeof make>[0]) => make({ timeoutMs: 30_000, ...o });

function allowPolicy(): string {
  const file = path.join(tmp(), "policy.yaml");
  writeFileSync(
    file,
    "version: 1\ndefault: allow\nrules:\n  - { id: no-refunds, effect: deny, when: { action: refund } }\n",
  );
  return file;
}

afterEach(() => closeAll());

describe("OAuth against governor serve --oauth-jwks", () => {
  let ts: TokenServer;
  let served: Served;
  beforeAll(async () => {
    ts = await startTokenServer();
    served = await serve([
      "--policy",
      allowPolicy(),
      "--oauth-jwks",
      ts.jwksUrl,
      "--oauth-issuer",
      ts.issuer,
      "--oauth-audience",
      ts.audience,
    ]);
  });
  afterAll(async () => {
    await served?.stop();
    await ts?.close();
  });
  const oauth = () => ({
    tokenUrl: ts.tokenUrl,
    clientId: "agent-client",
    clientSecret: "s3cr3t-client-secret-value",
  });

  it("200 concurrent calls to 200 different tools cause exactly one token request", async () => {
    const before = ts.requests.length;
    const { governor } = makeGovernor({
      enforceUrl: served.url,
      oauth: oauth(),
      cacheTtlMs: 60_000,
      timeoutMs: 30_000, // a net for a loaded machine, not a margin: nothing here waits for it
    });
    let runs = 0;
    const tools = Array.from({ length: 200 }, (_, i) =>
      governor.gate(`lookup_${i}`, async (_: { id: number }) => ++runs),
    );
    await Promise.all(tools.map((t) => t({ id: 1 })));
    expect(runs).toBe(200);
    expect(ts.requests.length - before).toBe(1);
  });

  it("a stale token gets a 401 from serve: one new token, one retry, and the call runs", async () => {
    const before = ts.requests.length;
    ts.staleNext = 1;
    const { governor } = makeGovernor({ enforceUrl: served.url, oauth: oauth() });
    let runs = 0;
    await governor.gate("lookup_orders", async (_: { id: number }) => ++runs)({ id: 1 });
    expect(runs).toBe(1);
    expect(ts.requests.length - before).toBe(2);
  });

  it("without a token serve says 401, and the tool does not run", async () => {
    const { governor } = makeGovernor({ enforceUrl: served.url });
    let runs = 0;
    const err = await rejection(governor.gate("lookup_orders", async () => ++runs)());
    expect(err.code).toBe("auth_failed");
    expect(runs).toBe(0);
  });
});

describe("mTLS against governor serve --tls-client-ca", () => {
  let pki: TestPki;
  let served: Served;
  let pem: Record<string, string>;
  beforeAll(async () => {
    pki = await createTestPki({ clientCn: "agent-1" });
    pem = writePem(path.join(tmp(), "server"), {
      cert: pki.server.cert,
      key: pki.server.key,
      clientCa: pki.ca.cert,
    });
    served = await serve([
      "--policy",
      allowPolicy(),
      "--tls-cert",
      pem.cert,
      "--tls-key",
      pem.key,
      "--tls-client-ca",
      pem.clientCa,
    ]);
  });
  afterAll(() => served?.stop());

  it("serves https", () => expect(served.url).toMatch(/^https:/));

  it("right certificate: works; none or another CA's: no decision and the tool does not run", async () => {
    const ok = makeGovernor({
      enforceUrl: served.url,
      tls: { cert: pki.client.cert, key: pki.client.key, ca: pki.ca.cert },
    });
    let runs = 0;
    await ok.governor.gate("lookup_orders", async () => ++runs)();
    expect(runs).toBe(1);
    for (const tls of [
      { ca: pki.ca.cert },
      { cert: pki.wrongClient.cert, key: pki.wrongClient.key, ca: pki.ca.cert },
    ]) {
      const { governor } = makeGovernor({ enforceUrl: served.url, tls, retry: { maxAttempts: 1 } });
      const err = await rejection(governor.gate("lookup_orders", async () => ++runs)());
      expect(err).toBeInstanceOf(GovernorUnavailableError);
    }
    expect(runs).toBe(1);
  });

  it("replacing the certificate files switches identity without a restart", async () => {
    const dir = tmp();
    const put = (files: Record<string, string>) => swapFiles(dir, files);
    put({
      "ca.pem": pki.ca.cert,
      "cert.pem": pki.wrongClient.cert,
      "key.pem": pki.wrongClient.key,
    });
    const { governor } = makeGovernor({
      enforceUrl: served.url,
      env: { GOVERNOR_IDENTITY_DIR: dir },
      tls: { recheckMs: 0 },
      retry: { maxAttempts: 1 },
    });
    let runs = 0;
    const tool = governor.gate("lookup_rotated", async () => ++runs);
    expect(await rejection(tool())).toBeInstanceOf(GovernorUnavailableError);
    put({ "cert.pem": pki.client.cert, "key.pem": pki.client.key });
    expect(await tool()).toBe(1);
    // serve's decision line names the client certificate that asked
    await until(
      async () => /lookup_rotated.*agent-1|agent-1.*lookup_rotated/.test(served.stderr()),
      "the decision line",
    );
    put({ "cert.pem": pki.wrongClient.cert, "key.pem": pki.wrongClient.key });
    expect(await rejection(tool())).toBeInstanceOf(GovernorUnavailableError);
    expect(runs).toBe(1);
  });
});
