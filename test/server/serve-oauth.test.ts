// `governor serve --oauth-jwks` as a real process: bearer JWTs signed with jose, checked against a
// JWKS file and a JWKS served over local HTTP.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";
import { freePort, run, serve, tempPolicy, until, type Served } from "../cli/helpers.js";

const ISSUER = "https://login.test.example/";
const AUDIENCE = "governor-enforce";
const intent = {
  action: "query",
  actor: { id: "user-123", type: "user" },
  resource: { type: "postgres_db", name: "users" },
};

let signing: { privateKey: CryptoKey; jwk: JWK };
let stranger: { privateKey: CryptoKey; jwk: JWK };
let policyFile: string;
let jwksFile: string;
let jwksServer: Server;
let jwksUrl: string;
let jwksHits = 0;
let fromFile: Served;
let fromUrl: Served;
/** Every token a test sent: none may show up in serve's output. */
const sent: string[] = [];

async function keyPair(kid: string) {
  const { privateKey, publicKey } = await generateKeyPair("ES256");
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" } };
}

const now = () => Math.floor(Date.now() / 1000);

function token(
  claims: Record<string, unknown> = {},
  key = signing,
  header: Record<string, unknown> = {},
): Promise<string> {
  // claims given win: an expired token brings its own exp and iat
  return new SignJWT({
    iss: ISSUER,
    aud: AUDIENCE,
    sub: "agent-7",
    iat: now(),
    exp: now() + 600,
    ...claims,
  })
    .setProtectedHeader({ alg: "ES256", kid: key.jwk.kid, ...header })
    .sign(key.privateKey);
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

async function enforce(srv: Served, jwt: string | undefined, raw?: string) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (raw !== undefined) headers.authorization = raw;
  else if (jwt !== undefined) {
    sent.push(jwt);
    headers.authorization = `Bearer ${jwt}`;
  }
  const res = await fetch(`${srv.url}/api/v2/enforce`, {
    method: "POST",
    headers,
    body: JSON.stringify(intent),
  });
  return {
    status: res.status,
    challenge: res.headers.get("www-authenticate"),
    body: (await res.json()) as { decision?: string; detail?: string; metadata?: any },
  };
}

const oauthArgs = (jwks: string) => [
  "--policy",
  policyFile,
  "--oauth-jwks",
  jwks,
  "--oauth-issuer",
  ISSUER,
  "--oauth-audience",
  AUDIENCE,
];

beforeAll(async () => {
  [signing, stranger] = await Promise.all([keyPair("key-1"), keyPair("key-2")]);
  policyFile = tempPolicy("basic.yaml");
  const dir = mkdtempSync(path.join(tmpdir(), "governor-jwks-"));
  jwksFile = path.join(dir, "jwks.json");
  writeFileSync(jwksFile, JSON.stringify({ keys: [signing.jwk] }));
  jwksServer = createServer((req, res) => {
    jwksHits++;
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ keys: [signing.jwk] }));
  });
  await new Promise<void>((r) => jwksServer.listen(0, "127.0.0.1", r));
  jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks.json`;
  // The env route for the URL server: GOVERNOR_SERVE_OAUTH_* as a deployment would set them.
  [fromFile, fromUrl] = await Promise.all([
    serve(oauthArgs(jwksFile)),
    serve(["--policy", policyFile], {
      GOVERNOR_SERVE_OAUTH_JWKS: jwksUrl,
      GOVERNOR_SERVE_OAUTH_ISSUER: ISSUER,
      GOVERNOR_SERVE_OAUTH_AUDIENCE: AUDIENCE,
    }),
  ]);
});
afterAll(async () => {
  await Promise.all([fromFile?.stop(), fromUrl?.stop()]);
  await new Promise<void>((r) => jwksServer?.close(() => r()));
});

describe("governor serve --oauth-jwks", () => {
  it("a valid JWT gets a decision, and the decision line names its subject", async () => {
    const r = await enforce(fromFile, await token());
    expect(r.status).toBe(200);
    expect(r.body.decision).toBe("ALLOW");
    const id = r.body.metadata.request_id as string;
    await until(async () => fromFile.stderr().includes(id), "the decision line");
    const line = fromFile
      .stderr()
      .split("\n")
      .find((l) => l.includes(id))!;
    expect(line).toMatch(/ ALLOW .* sub=agent-7/);
  });

  it("says it requires OAuth JWTs in its banner", async () => {
    await until(async () => fromFile.stderr().includes("enforce at"), "the banner");
    expect(fromFile.stderr()).toContain(
      `auth required (OAuth JWT (iss ${ISSUER}, aud ${AUDIENCE}))`,
    );
  });

  const refused: [string, () => Promise<string>, RegExp][] = [
    ["a wrong issuer", () => token({ iss: "https://elsewhere.example/" }), /iss claim/],
    ["a wrong audience", () => token({ aud: "another-service" }), /aud claim/],
    ["an expired token", () => token({ exp: now() - 3600, iat: now() - 7200 }), /expired/],
    ["a token not valid yet", () => token({ nbf: now() + 3600 }), /nbf claim/],
    [
      "a key that is not in the JWKS",
      () => token({}, stranger),
      /signed by a key not in the key set/,
    ],
    [
      "another key under the JWKS key's id",
      () => token({}, { ...stranger, jwk: { ...stranger.jwk, kid: "key-1" } }),
      /signature does not verify/,
    ],
    [
      "alg none",
      async () =>
        `${b64({ alg: "none", typ: "JWT" })}.${b64({ iss: ISSUER, aud: AUDIENCE, exp: now() + 600 })}.`,
      /not a valid signed JWT|algorithm/,
    ],
    [
      "HS256 (a shared secret)",
      () =>
        new SignJWT({ iss: ISSUER, aud: AUDIENCE })
          .setProtectedHeader({ alg: "HS256", kid: "key-1" })
          .setExpirationTime(now() + 600)
          .sign(new TextEncoder().encode("a-shared-secret-of-32-bytes-long!")),
      /algorithm not allowed/,
    ],
    [
      "a token without exp",
      () =>
        new SignJWT({ iss: ISSUER, aud: AUDIENCE })
          .setProtectedHeader({ alg: "ES256", kid: "key-1" })
          .sign(signing.privateKey),
      /exp claim is missing/,
    ],
    ["a token that is not a JWT", async () => "not-a-jwt", /not a valid signed JWT/],
  ];
  for (const [what, make, why] of refused)
    it(`refuses ${what} with 401 invalid_token and no decision`, async () => {
      const jwt = await make();
      const r = await enforce(fromFile, jwt);
      expect(r.status).toBe(401);
      expect(JSON.stringify(r.body) + r.challenge).not.toContain(jwt);
      expect(r.body.decision).toBeUndefined();
      expect(r.body.detail).toMatch(/^Invalid token: /);
      expect(r.body.detail).toMatch(why);
      expect(r.challenge).toMatch(/^Bearer error="invalid_token", error_description="[^"]+"$/);
    });

  it("refuses a request without Authorization, or with a key instead of a JWT, with 401", async () => {
    const none = await enforce(fromFile, undefined);
    expect(none.status).toBe(401);
    expect(none.body).toEqual({ detail: "Not authenticated: send Authorization: Bearer <JWT>" });
    expect(none.challenge).toBe("Bearer");
    const basic = await enforce(fromFile, undefined, "Basic dXNlcjpwYXNz");
    expect(basic.status).toBe(401);
    expect(basic.body.decision).toBeUndefined();
  });

  it("verifies against a JWKS URL, fetched once and then cached", async () => {
    const before = jwksHits;
    const first = await enforce(fromUrl, await token({ sub: "agent-url" }));
    expect(first.body.decision).toBe("ALLOW");
    const second = await enforce(fromUrl, await token({ sub: "agent-url" }));
    expect(second.body.decision).toBe("ALLOW");
    expect(jwksHits - before).toBe(1);
    const wrong = await enforce(fromUrl, await token({ aud: "another-service" }));
    expect(wrong.status).toBe(401);
  });

  it("never writes a token it was sent to its output", async () => {
    // lines are batched: one more request, and its line written, means every earlier one is too
    const lines = () => (fromFile.stderr().match(/no Authorization: Bearer header/g) ?? []).length;
    const before = lines();
    await enforce(fromFile, undefined);
    await until(async () => lines() > before, "the last refusal line");
    const out = fromFile.stderr() + fromUrl.stderr();
    expect(sent.length).toBeGreaterThan(5);
    for (const t of sent) expect(out).not.toContain(t.split(".")[2] || t);
  });

  it("on a non-loopback host with OAuth, it does not warn about answering anyone", async () => {
    const open = await serve(["--host", "0.0.0.0", ...oauthArgs(jwksFile)]);
    try {
      // startup warnings are written before serving: once a request's line is out, they are too
      await enforce(open, undefined);
      await until(async () => open.stderr().includes("REJECTED 401"), "a request's line");
      expect(open.stderr()).toContain("auth required (OAuth JWT");
      expect(open.stderr()).not.toContain("warning: listening");
    } finally {
      await open.stop();
    }
  });

  it("answers 503 (no decision, not 401) when the JWKS URL cannot be reached", async () => {
    const port = await freePort();
    const down = await serve(["--policy", policyFile], {
      GOVERNOR_SERVE_OAUTH_JWKS: `http://127.0.0.1:${port}/jwks.json`,
      GOVERNOR_SERVE_OAUTH_ISSUER: ISSUER,
      GOVERNOR_SERVE_OAUTH_AUDIENCE: AUDIENCE,
    });
    try {
      const r = await enforce(down, await token());
      expect(r.status).toBe(503);
      expect(r.body.decision).toBeUndefined();
      expect(r.body.detail).toMatch(/key set could not be fetched/);
    } finally {
      await down.stop();
    }
  });
});

describe("governor serve --oauth-jwks: usage errors (exit 2)", () => {
  it("--oauth-jwks without issuer and audience says what to add", async () => {
    const r = await run(["serve", "--policy", policyFile, "--oauth-jwks", jwksFile]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--oauth-jwks needs --oauth-issuer and --oauth-audience");
    expect(r.stderr).toContain("Add --oauth-issuer <iss> --oauth-audience <aud>");
    const half = await run([
      "serve",
      "--policy",
      policyFile,
      "--oauth-jwks",
      jwksFile,
      "--oauth-issuer",
      ISSUER,
    ]);
    expect(half.code).toBe(2);
    expect(half.stderr).toContain("Add --oauth-audience <aud>");
  });

  it("an issuer without --oauth-jwks is refused", async () => {
    const r = await run(["serve", "--policy", policyFile], {
      env: { GOVERNOR_SERVE_OAUTH_ISSUER: ISSUER },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("GOVERNOR_SERVE_OAUTH_ISSUER is set but --oauth-jwks is not");
  });

  it("an API key together with OAuth names both", async () => {
    const flag = await run([...["serve", ...oauthArgs(jwksFile)], "--api-key", "k-123"]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("--api-key and --oauth-jwks are both set");
    const env = await run(["serve", ...oauthArgs(jwksFile)], {
      env: { GOVERNOR_SERVE_API_KEY: "k-123" },
    });
    expect(env.code).toBe(2);
    expect(env.stderr).toContain("GOVERNOR_SERVE_API_KEY and --oauth-jwks are both set");
    expect(env.stdout).not.toContain("listening");
  });

  it("a JWKS URL that does not parse is a usage error, its credentials not echoed", async () => {
    const r = await run(["serve", ...oauthArgs("https://user:hunter2@exa mple.com/jwks")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("is not a valid URL");
    expect(r.stderr + r.stdout).not.toContain("hunter2");
  });

  it("a JWKS file that is missing, not JSON or holds a symmetric key fails at start", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "governor-jwks-bad-"));
    const notJson = path.join(dir, "a.json");
    const oct = path.join(dir, "b.json");
    writeFileSync(notJson, "<html>");
    writeFileSync(oct, JSON.stringify({ keys: [{ kty: "oct", k: "c2VjcmV0", kid: "s" }] }));
    const cases: [string, RegExp][] = [
      [path.join(dir, "missing.json"), /missing\.json does not exist\./],
      [notJson, /is not JSON/],
      [oct, /symmetric \("oct"\) key/],
    ];
    for (const [file, why] of cases) {
      const r = await run(["serve", ...oauthArgs(file)]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(why);
      expect(r.stdout).not.toContain("listening");
    }
  });
});
