// `governor serve --tls-cert/--tls-key/--tls-client-ca` as a real process over real HTTPS, with
// certificates made in the test (test/support/certs.ts).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Agent, fetch } from "undici";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { createTestPki, writePem, type TestPki } from "../support/certs.js";
import { run, serve, tempPolicy, until, type Served } from "../cli/helpers.js";

const intent = {
  action: "query",
  actor: { id: "user-123", type: "user" },
  resource: { type: "postgres_db", name: "users" },
};

let pki: TestPki;
let files: { ca: string; serverCert: string; serverKey: string; wrongKey: string };
let policyFile: string;
let mtls: Served;
const agents: Agent[] = [];

/** An undici Agent trusting the test CA, with a client certificate if given. */
function agent(client?: { cert: string; key: string }): Agent {
  const a = new Agent({ connect: { ca: pki.ca.cert, ...client } });
  agents.push(a);
  return a;
}

async function enforce(url: string, dispatcher: Agent) {
  const res = await fetch(`${url}/api/v2/enforce`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(intent),
    dispatcher,
  });
  return { status: res.status, body: (await res.json()) as any };
}

/** The error a refused request fails with, as "code: message" of its innermost cause. */
async function refusal(url: string, dispatcher: Agent): Promise<string> {
  try {
    await enforce(url, dispatcher);
  } catch (err) {
    let e = err as { cause?: unknown; code?: string; message?: string };
    while (e.cause) e = e.cause as typeof e;
    return `${e.code}: ${e.message}`;
  }
  throw new Error("the request got an answer");
}

const tlsArgs = () => ["--tls-cert", files.serverCert, "--tls-key", files.serverKey];

beforeAll(async () => {
  pki = await createTestPki({ clientCn: "agent-1" });
  const dir = mkdtempSync(path.join(tmpdir(), "governor-serve-tls-"));
  const written = writePem(dir, {
    ca: pki.ca.cert,
    serverCert: pki.server.cert,
    serverKey: pki.server.key,
    wrongKey: pki.client.key,
  });
  files = written;
  policyFile = tempPolicy("basic.yaml");
  mtls = await serve(["--policy", policyFile, ...tlsArgs(), "--tls-client-ca", files.ca]);
});
afterAll(async () => {
  await mtls?.stop();
  await Promise.all(agents.map((a) => a.close()));
});

describe("governor serve over HTTPS with client certificates", () => {
  it("prints an https:// URL and says it requires a client certificate", async () => {
    expect(mtls.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    await until(async () => mtls.stderr().includes("enforce at"), "the banner");
    expect(mtls.stderr()).toContain("auth required (client certificate)");
  });

  it("with the right client certificate: a decision, and the log line names the certificate", async () => {
    const r = await enforce(mtls.url, agent(pki.client));
    expect(r.status).toBe(200);
    expect(r.body.decision).toBe("ALLOW");
    const id = r.body.metadata.request_id as string;
    await until(async () => mtls.stderr().includes(id), "the decision line");
    expect(
      mtls
        .stderr()
        .split("\n")
        .find((l) => l.includes(id)),
    ).toMatch(/ client="CN=agent-1"$/);
  });

  it("without a client certificate: the handshake is refused, no decision", async () => {
    const before = mtls.stderr().split(" ALLOW ").length;
    expect(await refusal(mtls.url, agent())).toMatch(/^UND_ERR_SOCKET|CERTIFICATE_REQUIRED/);
    await until(
      async () => mtls.stderr().includes("handshake (ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE)"),
      "the refusal line",
    );
    expect(mtls.stderr().split(" ALLOW ").length).toBe(before);
  });

  it("with a certificate from another CA: refused, no decision", async () => {
    const before = mtls.stderr().split(" ALLOW ").length;
    const lines = () => mtls.stderr().split("REJECTED TLS handshake (UNABLE_TO_").length;
    const rejected = lines();
    expect(await refusal(mtls.url, agent(pki.wrongClient))).toMatch(/^UND_ERR_SOCKET|UNKNOWN_CA/);
    await until(async () => lines() > rejected, "the refusal line naming the verify error");
    expect(mtls.stderr().split(" ALLOW ").length).toBe(before);
  });

  it("a client that does not trust the server's CA refuses it", async () => {
    const distrust = new Agent({ connect: { ca: pki.wrongCa.cert, ...pki.client } });
    agents.push(distrust);
    expect(await refusal(mtls.url, distrust)).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY/);
  });

  it("reads only GOVERNOR_SERVE_TLS_*: the client's GOVERNOR_TLS_* set to garbage change nothing", async () => {
    const garbage = {
      GOVERNOR_TLS_CERT: "/nonexistent/cert.pem",
      GOVERNOR_TLS_KEY: "-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----",
      GOVERNOR_TLS_CA: "garbage",
      GOVERNOR_IDENTITY_DIR: "/nonexistent",
    };
    const plain = await serve(["--policy", policyFile], garbage);
    const own = await serve(["--policy", policyFile], {
      ...garbage,
      GOVERNOR_SERVE_TLS_CERT: files.serverCert,
      GOVERNOR_SERVE_TLS_KEY: files.serverKey,
    });
    try {
      expect(plain.url).toMatch(/^http:\/\//);
      const p = await fetch(`${plain.url}/api/v2/enforce`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(intent),
      });
      expect(((await p.json()) as any).decision).toBe("ALLOW");
      // HTTPS from its own variables; no client CA, so no client certificate needed
      expect(own.url).toMatch(/^https:\/\//);
      expect((await enforce(own.url, agent())).body.decision).toBe("ALLOW");
    } finally {
      await Promise.all([plain.stop(), own.stop()]);
    }
  });
});

describe("governor serve with a client certificate and an OAuth JWT", () => {
  it("needs both: the right certificate without a token gets 401, with one a decision", async () => {
    const { privateKey, publicKey } = await generateKeyPair("ES256");
    const dir = mkdtempSync(path.join(tmpdir(), "governor-serve-both-"));
    const jwks = path.join(dir, "jwks.json");
    writeFileSync(jwks, JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: "k" }] }));
    const both = await serve([
      ...["--policy", policyFile, ...tlsArgs(), "--tls-client-ca", files.ca],
      ...["--oauth-jwks", jwks, "--oauth-issuer", "https://idp.test/", "--oauth-audience", "gov"],
    ]);
    try {
      const post = (headers: Record<string, string>) =>
        fetch(`${both.url}/api/v2/enforce`, {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body: JSON.stringify(intent),
          dispatcher: agent(pki.client),
        });
      expect((await post({})).status).toBe(401);
      const jwt = await new SignJWT({ iss: "https://idp.test/", aud: "gov", sub: "svc-9" })
        .setProtectedHeader({ alg: "ES256", kid: "k" })
        .setExpirationTime("5m")
        .sign(privateKey);
      const ok = await post({ authorization: `Bearer ${jwt}` });
      const body = (await ok.json()) as any;
      expect(body.decision).toBe("ALLOW");
      const id = body.metadata.request_id as string;
      await until(async () => both.stderr().includes(id), "the decision line");
      expect(
        both
          .stderr()
          .split("\n")
          .find((l) => l.includes(id)),
      ).toMatch(/ sub=svc-9 client="CN=agent-1"$/);
      expect(await refusal(both.url, agent())).toMatch(/^UND_ERR_SOCKET|CERTIFICATE_REQUIRED/);
    } finally {
      await both.stop();
    }
  });
});

describe("governor serve TLS: errors at start (exit 2)", () => {
  const start = (args: string[], env?: Record<string, string>) =>
    run(["serve", "--policy", policyFile, ...args], { env });

  it("a certificate and a key that do not match name both files", async () => {
    const r = await start(["--tls-cert", files.serverCert, "--tls-key", files.wrongKey]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `--tls-cert ${files.serverCert} and --tls-key ${files.wrongKey} do not match`,
    );
    expect(r.stderr).toMatch(/fix: Pass the private key that was made with this certificate/);
    expect(r.stdout).not.toContain("listening");
  });

  it("a missing file, a file that is not PEM, or a half pair say which and what to do", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "governor-serve-tls-bad-"));
    const junk = path.join(dir, "junk.pem");
    writeFileSync(junk, "not a certificate\n");
    const missing = await start(["--tls-cert", path.join(dir, "nope.pem"), "--tls-key", junk]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`--tls-cert ${path.join(dir, "nope.pem")} does not exist`);
    const notCert = await start(["--tls-cert", junk, "--tls-key", files.serverKey]);
    expect(notCert.code).toBe(2);
    expect(notCert.stderr).toContain(`--tls-cert ${junk} is not a PEM certificate`);
    const notKey = await start([], {
      GOVERNOR_SERVE_TLS_CERT: files.serverCert,
      GOVERNOR_SERVE_TLS_KEY: junk,
    });
    expect(notKey.code).toBe(2);
    expect(notKey.stderr).toContain(`GOVERNOR_SERVE_TLS_KEY ${junk} is not a PEM private key`);
    const badCa = await start([...tlsArgs(), "--tls-client-ca", junk]);
    expect(badCa.code).toBe(2);
    expect(badCa.stderr).toContain(`--tls-client-ca ${junk} is not a PEM CA certificate`);
    // an empty CA file (a secret not populated yet) must not serve without asking for certificates
    const empty = path.join(dir, "empty.pem");
    writeFileSync(empty, "");
    const emptyCa = await start([...tlsArgs(), "--tls-client-ca", empty]);
    expect(emptyCa.code).toBe(2);
    expect(emptyCa.stderr).toContain(`--tls-client-ca ${empty} is not a PEM CA certificate`);
    const half = await start(["--tls-cert", files.serverCert]);
    expect(half.code).toBe(2);
    expect(half.stderr).toContain("--tls-cert is set without --tls-key");
    const caOnly = await start(["--tls-client-ca", files.ca]);
    expect(caOnly.code).toBe(2);
    expect(caOnly.stderr).toContain("--tls-client-ca is set but --tls-cert and --tls-key are not");
  });
});
