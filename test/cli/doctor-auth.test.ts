// doctor's OAuth and mTLS checks, against governor serve requiring both a JWT and a client
// certificate, a real token endpoint, and certificates made in the test.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createClientCert, createTestPki, writePem, type TestPki } from "../support/certs.js";
import { startTokenServer, type TokenServer } from "../support/token-server.js";
import { run, serve, type Served } from "./helpers.js";

const DAY = 86_400_000;
let pki: TestPki;
let ts: TokenServer;
let srv: Served;
let dir: string;
let client: Record<string, string>;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "gov-doctor-auth-"));
  pki = await createTestPki({ clientCn: "agent-1" });
  ts = await startTokenServer();
  const server = writePem(path.join(dir, "server"), {
    cert: pki.server.cert,
    key: pki.server.key,
    ca: pki.ca.cert,
  });
  client = writePem(path.join(dir, "client"), {
    cert: pki.client.cert,
    key: pki.client.key,
    ca: pki.ca.cert,
  });
  const policy = path.join(dir, "policy.yaml");
  writeFileSync(policy, "version: 1\ndefault: allow\nrules: []\n");
  srv = await serve([
    "--policy",
    policy,
    "--oauth-jwks",
    ts.jwksUrl,
    "--oauth-issuer",
    ts.issuer,
    "--oauth-audience",
    ts.audience,
    "--tls-cert",
    server.cert,
    "--tls-key",
    server.key,
    "--tls-client-ca",
    server.ca,
  ]);
});
afterAll(async () => {
  await srv?.stop();
  await ts?.close();
});

async function doctor(env: Record<string, string>) {
  // a net for a loaded machine (token, two handshakes, the JWKS fetch); the failures are immediate
  const r = await run(["doctor", "--cwd", dir, "--json", "--samples", "1", "--timeout", "30000"], {
    env: {
      GOVERNOR_ENFORCE_URL: srv.url,
      GOVERNOR_OAUTH_TOKEN_URL: ts.tokenUrl,
      GOVERNOR_OAUTH_CLIENT_ID: "agent-client",
      GOVERNOR_OAUTH_CLIENT_SECRET: "s3cr3t-client-secret-value",
      GOVERNOR_TLS_CERT: client.cert,
      GOVERNOR_TLS_KEY: client.key,
      GOVERNOR_TLS_CA: client.ca,
      ...env,
    },
  });
  const out = JSON.parse(r.stdout);
  const c = Object.fromEntries(out.checks.map((k: { id: string }) => [k.id, k]));
  return { r, c: c as Record<string, any> };
}

describe("governor doctor: OAuth and mTLS", { timeout: 180_000 }, () => {
  it("a token obtained (expiry shown, value never), the certificate's subject and days left, enforce trusted", async () => {
    const { r, c } = await doctor({});
    // The config line names how the gate authenticates (never with what).
    expect(c.config.message).toMatch(
      /OAuth client credentials \(client_secret_basic\), client certificate/,
    );
    expect(c["enforce.oauth"].status, c["enforce.oauth"].message).toBe("pass");
    expect(c["enforce.oauth"].message).toMatch(/token obtained from .*expires in \d+ s/);
    expect(c["enforce.oauth"].details.expires_at).toMatch(/^\d{4}-/);
    expect(c["enforce.client-cert"].status).toBe("pass");
    expect(c["enforce.client-cert"].message).toMatch(/CN=agent-1, (29|30) days left/);
    expect(c["enforce.client-cert"].details.days_left).toBeGreaterThanOrEqual(29);
    expect(c["enforce.server-cert"].status, c["enforce.server-cert"].message).toBe("pass");
    expect(c["enforce.server-cert"].message).toMatch(
      /CN=localhost\) is trusted by the configured CA/,
    );
    // The live checks went through OAuth and mTLS too.
    expect(c["enforce.reachable"].status).toBe("pass");
    expect(c["enforce.contract"].status, c["enforce.contract"].message).toBe("pass");
    expect(ts.issued.length).toBeGreaterThan(0);
    for (const t of ts.issued) expect(r.stdout + r.stderr).not.toContain(t);
    expect(r.stdout + r.stderr).not.toContain("s3cr3t-client-secret-value");
  });

  it("a certificate that expires within 7 days warns; an expired one fails", async () => {
    const soon = await createClientCert(pki.ca, "agent-soon", {
      notAfter: new Date(Date.now() + 3 * DAY),
    });
    const gone = await createClientCert(pki.ca, "agent-gone", {
      notBefore: new Date(Date.now() - 10 * DAY),
      notAfter: new Date(Date.now() - DAY),
    });
    const s = writePem(path.join(dir, "soon"), { ...soon });
    const g = writePem(path.join(dir, "gone"), { ...gone });
    const [a, b] = await Promise.all([
      doctor({ GOVERNOR_TLS_CERT: s.cert, GOVERNOR_TLS_KEY: s.key }),
      doctor({ GOVERNOR_TLS_CERT: g.cert, GOVERNOR_TLS_KEY: g.key }),
    ]);
    expect(a.c["enforce.client-cert"]).toMatchObject({ status: "warn" });
    expect(a.c["enforce.client-cert"].message).toMatch(/CN=agent-soon\) expires in 2 day/);
    expect(b.c["enforce.client-cert"]).toMatchObject({ status: "fail" });
    expect(b.c["enforce.client-cert"].message).toMatch(/CN=agent-gone\) expired on/);
  });

  it("enforce's certificate from a CA not configured fails, saying why; a token endpoint down fails", async () => {
    const wrongCa = writePem(path.join(dir, "wrong"), { ca: pki.wrongCa.cert });
    const down = await startTokenServer();
    await down.down();
    const [a, b] = await Promise.all([
      doctor({ GOVERNOR_TLS_CA: wrongCa.ca }),
      doctor({ GOVERNOR_OAUTH_TOKEN_URL: down.tokenUrl }),
    ]);
    expect(a.c["enforce.server-cert"].status).toBe("fail");
    expect(a.c["enforce.server-cert"].message).toMatch(/handshake .* failed \(\w+/);
    expect(a.c["enforce.server-cert"].fix).toMatch(/GOVERNOR_TLS_CA/);
    expect(b.c["enforce.oauth"].status).toBe("fail");
    expect(b.c["enforce.oauth"].message).toMatch(/no token from .*ECONNREFUSED/);
    expect(b.c["enforce.contract"].status).toBe("fail");
  });

  it("a token endpoint that never answers fails within doctor's --timeout, not the gate's 10 s", async () => {
    const hung = await startTokenServer();
    hung.hold = new Promise(() => {});
    try {
      const r = await run(
        ["doctor", "--cwd", dir, "--json", "--samples", "1", "--timeout", "2500"],
        {
          env: {
            GOVERNOR_ENFORCE_URL: srv.url,
            GOVERNOR_OAUTH_TOKEN_URL: hung.tokenUrl,
            GOVERNOR_OAUTH_CLIENT_ID: "agent-client",
            GOVERNOR_OAUTH_CLIENT_SECRET: "s3cr3t-client-secret-value",
          },
        },
      );
      const c = JSON.parse(r.stdout).checks.find((k: { id: string }) => k.id === "enforce.oauth");
      expect(c.status).toBe("fail");
      expect(c.message).toContain("no answer within 2500 ms");
    } finally {
      await hung.close();
    }
  });

  it("nothing configured: the three checks are skipped", async () => {
    // a net for a loaded machine (token, two handshakes, the JWKS fetch); the failures are immediate
    const r = await run(
      ["doctor", "--cwd", dir, "--json", "--samples", "1", "--timeout", "30000"],
      {
        env: { GOVERNOR_ENFORCE_URL: "http://127.0.0.1:9" },
      },
    );
    const checks = JSON.parse(r.stdout).checks as { id: string; status: string }[];
    for (const id of ["enforce.oauth", "enforce.client-cert", "enforce.server-cert"])
      expect(checks.find((k) => k.id === id)?.status).toBe("skip");
  });
});
