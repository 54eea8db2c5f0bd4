// Config errors for OAuth and mTLS: each names the variable (or option) to fix, and none shows a secret.
import { describe, expect, it } from "vitest";
import { chmodSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createGovernor, GovernorConfigError } from "../../src/runtime/index.js";
import { tmp } from "./helpers.js";

const SECRET = "client-secret-do-not-print";
const oauthEnv = {
  GOVERNOR_OAUTH_TOKEN_URL: "https://idp.example.com/oauth/token",
  GOVERNOR_OAUTH_CLIENT_ID: "agent",
  GOVERNOR_OAUTH_CLIENT_SECRET: SECRET,
};

function problem(options: Parameters<typeof createGovernor>[0]): string {
  try {
    createGovernor({ config: {}, enforceUrl: "https://enforce.example.com", ...options });
  } catch (err) {
    expect(err).toBeInstanceOf(GovernorConfigError);
    const message = (err as Error).message;
    expect(message).not.toContain(SECRET);
    return message;
  }
  throw new Error("expected a config error");
}

describe("OAuth config", () => {
  it("an API key and OAuth together is an error naming both", () => {
    expect(problem({ env: { ...oauthEnv, GOVERNOR_API_KEY: "key-123456789" } })).toMatch(
      /GOVERNOR_API_KEY and OAuth client credentials \(GOVERNOR_OAUTH_TOKEN_URL, GOVERNOR_OAUTH_CLIENT_ID, GOVERNOR_OAUTH_CLIENT_SECRET\) are both set/,
    );
    expect(
      problem({
        env: {},
        apiKey: "key-123456789",
        oauth: { tokenUrl: oauthEnv.GOVERNOR_OAUTH_TOKEN_URL, clientId: "a", clientSecret: SECRET },
      }),
    ).toMatch(
      /the apiKey option and OAuth client credentials \(oauth.tokenUrl, oauth.clientId, oauth.clientSecret\)/,
    );
  });

  it("a missing client id or secret is named", () => {
    const { GOVERNOR_OAUTH_CLIENT_ID: _id, ...noId } = oauthEnv;
    expect(problem({ env: noId })).toMatch(
      /GOVERNOR_OAUTH_CLIENT_ID \(oauth.clientId\) is not set/,
    );
    const { GOVERNOR_OAUTH_CLIENT_SECRET: _s, ...noSecret } = oauthEnv;
    expect(problem({ env: noSecret })).toMatch(
      /GOVERNOR_OAUTH_CLIENT_SECRET or GOVERNOR_OAUTH_CLIENT_SECRET_FILE \(oauth.clientSecret\) is not set/,
    );
    expect(
      problem({ env: { ...noSecret, GOVERNOR_OAUTH_CLIENT_SECRET_FILE: "/nonexistent/secret" } }),
    ).toMatch(/GOVERNOR_OAUTH_CLIENT_SECRET_FILE: \/nonexistent\/secret does not exist/);
  });

  it("plain http is refused for a token URL that is not loopback; the auth method is checked", () => {
    expect(
      problem({ env: { ...oauthEnv, GOVERNOR_OAUTH_TOKEN_URL: "http://idp.example.com/token" } }),
    ).toMatch(/GOVERNOR_OAUTH_TOKEN_URL must be https .*loopback/);
    expect(
      problem({ env: { ...oauthEnv, GOVERNOR_OAUTH_AUTH_METHOD: "private_key_jwt" } }),
    ).toMatch(/GOVERNOR_OAUTH_AUTH_METHOD must be "client_secret_basic" or "client_secret_post"/);
    expect(problem({ env: { GOVERNOR_OAUTH_SCOPE: "x" } })).toMatch(
      /GOVERNOR_OAUTH_SCOPE is set but GOVERNOR_OAUTH_TOKEN_URL/,
    );
    // loopback http is fine
    createGovernor({
      config: {},
      enforceUrl: "https://enforce.example.com",
      env: { ...oauthEnv, GOVERNOR_OAUTH_TOKEN_URL: "http://127.0.0.1:9/token" },
    });
  });
});

describe("TLS config", () => {
  it("an unreadable or missing file names its variable", () => {
    const dir = tmp();
    const cert = path.join(dir, "cert.pem");
    writeFileSync(cert, "-----BEGIN CERTIFICATE-----\n");
    chmodSync(cert, 0o000);
    const unreadable = process.getuid?.() === 0 ? undefined : cert; // root reads anything
    const msg = problem({
      env: {
        GOVERNOR_TLS_CERT: unreadable ?? path.join(dir, "missing-cert.pem"),
        GOVERNOR_TLS_KEY: path.join(dir, "missing-key.pem"),
      },
    });
    expect(msg).toMatch(
      /GOVERNOR_TLS_CERT: \S+ (cannot be read \(permission denied\)|does not exist)/,
    );
    expect(msg).toMatch(/GOVERNOR_TLS_KEY: \S+missing-key.pem does not exist/);
  });

  it("a file that is not PEM, a certificate without its key, and mTLS over http are errors", () => {
    const dir = tmp();
    const notPem = path.join(dir, "ca.txt");
    writeFileSync(notPem, "hello");
    expect(problem({ env: { GOVERNOR_TLS_CA: notPem } })).toMatch(/GOVERNOR_TLS_CA: .* is not PEM/);
    expect(problem({ tls: { cert: "-----BEGIN CERTIFICATE-----" } })).toMatch(
      /tls.cert is set but GOVERNOR_TLS_KEY \(tls.key\) is not/,
    );
    expect(
      problem({ enforceUrl: "http://127.0.0.1:8787", env: { GOVERNOR_IDENTITY_DIR: dir } }),
    ).toMatch(/GOVERNOR_IDENTITY_DIR is set but GOVERNOR_ENFORCE_URL is http:/);
    expect(problem({ env: { GOVERNOR_IDENTITY_DIR: path.join(dir, "nope") } })).toMatch(
      /GOVERNOR_IDENTITY_DIR: \S+nope is not a directory/,
    );
  });
});
