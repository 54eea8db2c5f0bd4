// OAuth2 client credentials against a real token endpoint (test/support/token-server.ts) and an
// enforce server that verifies the bearer JWT against that endpoint's JWKS, as a resource server does.
import { afterEach, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { GovernorAuthError, GovernorUnavailableError } from "../../src/runtime/index.js";
import { allow, startEnforce, type EnforceServer } from "../support/enforce-server.js";
import { startTokenServer } from "../support/token-server.js";
import { closeAll, makeGovernor, rejection, tmp } from "./helpers.js";

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await closeAll();
  await Promise.all(open.splice(0).map((s) => s.close()));
});

const runtimeUrl = pathToFileURL(path.resolve(__dirname, "../../dist/runtime/index.js")).href;
const bearer = (h: string | string[] | undefined) => String(h ?? "").replace(/^Bearer /, "");

/** An enforce server that answers ALLOW only to a token the token server's JWKS verifies, and 401
 *  (echoing the token, as a careless server may) to any token in `refuse`. */
async function setup(opts: Parameters<typeof startTokenServer>[0] = {}) {
  const ts = await startTokenServer(opts);
  const refuse = new Set<string>();
  const enforce: EnforceServer = await startEnforce(async (req) => {
    const token = bearer(req.headers.authorization);
    if (refuse.has(token) || !(await ts.verify(token)))
      return { status: 401, body: { detail: `token ${token} is not valid here` } };
    return allow(`req-${req.body?.action ?? "x"}`);
  });
  open.push(ts, enforce);
  const oauth = {
    tokenUrl: ts.tokenUrl,
    clientId: "agent-client",
    clientSecret: "s3cr3t-client-secret-value",
    authMethod: opts.authMethod,
  };
  return { ts, enforce, refuse, oauth };
}

describe("OAuth2 client credentials", () => {
  it("200 concurrent calls to 200 different tools on a cold cache make exactly one token request", async () => {
    const { ts, enforce, oauth } = await setup();
    const { governor } = makeGovernor({
      enforceUrl: enforce.url,
      oauth,
      cacheTtlMs: 60_000,
      timeoutMs: 30_000, // a net for a loaded machine (200 checks at once), not a margin
    });
    const ran: string[] = [];
    const tools = Array.from({ length: 200 }, (_, i) =>
      governor.gate(`tool_${i}`, async () => void ran.push(`tool_${i}`)),
    );
    await Promise.all(tools.map((t) => t()));
    expect(ts.requests).toHaveLength(1);
    expect(ran).toHaveLength(200);
    // 200 distinct intents: no enforce request was shared, every one carried the one token.
    expect(enforce.requests).toHaveLength(200);
    expect(new Set(enforce.requests.map((r) => r.raw)).size).toBe(200);
    expect(new Set(enforce.requests.map((r) => bearer(r.headers.authorization)))).toEqual(
      new Set(ts.issued),
    );
  });

  it("refreshes a token before it expires (10% of its lifetime early), never after", async () => {
    const { ts, enforce, oauth } = await setup({ expiresIn: 100 });
    let now = 1_000_000;
    const { governor } = makeGovernor({
      enforceUrl: enforce.url,
      oauth: { ...oauth, now: () => now },
    });
    await governor.check({ action: "a1", actor: { id: "u" }, resource: { type: "t" } } as never);
    now += 89_000; // 100 s token: still used up to 90 s
    await governor.check({ action: "a2", actor: { id: "u" }, resource: { type: "t" } } as never);
    expect(ts.requests).toHaveLength(1);
    now += 2_000; // 91 s: inside the margin, so a new token before the call
    await governor.check({ action: "a3", actor: { id: "u" }, resource: { type: "t" } } as never);
    expect(ts.requests).toHaveLength(2);
    expect(bearer(enforce.requests[2].headers.authorization)).toBe(ts.issued[1]);
    expect(ts.issued[1]).not.toBe(ts.issued[0]);
  });

  it("does not cache a token the server gave no expires_in for", async () => {
    const { ts, enforce, oauth } = await setup({ expiresIn: null });
    const { governor } = makeGovernor({ enforceUrl: enforce.url, oauth });
    for (const action of ["a1", "a2"])
      expect((await governor.check({ action, actor: { id: "u" } } as never)).allowed).toBe(true);
    expect(ts.requests).toHaveLength(2);
  });

  it("a 401 to a stale token: one fresh token, one retry (outside the retry budget), allowed", async () => {
    const { ts, enforce, refuse, oauth } = await setup();
    const { governor } = makeGovernor({
      enforceUrl: enforce.url,
      oauth,
      retry: { maxAttempts: 1 },
      timeoutMs: 30_000, // a net, as above
    });
    await governor.check({ action: "warm", actor: { id: "u" } } as never);
    refuse.add(ts.issued[0]); // revoked at the server, still cached here
    // Many checks at once hold the revoked token: each gets a 401, one new token is fetched.
    const ds = await Promise.all(
      Array.from({ length: 20 }, (_, i) => governor.check({ action: `c${i}` } as never)),
    );
    expect(ds.every((d) => d.allowed)).toBe(true);
    expect(ts.requests).toHaveLength(2);
    const sent = enforce.requests.map((r) => bearer(r.headers.authorization));
    expect(sent.filter((t) => t === ts.issued[0])).toHaveLength(21); // the warm-up and 20 refused
    expect(sent.filter((t) => t === ts.issued[1])).toHaveLength(20); // each retried once
    expect(sent).toHaveLength(41);
  });

  it("a second 401 is an auth error, and the token is not in it", async () => {
    const { ts, enforce, oauth } = await setup();
    const refuseAll = await startEnforce((req) => ({
      status: 401,
      body: { detail: `rejected ${req.headers.authorization}` },
    }));
    open.push(refuseAll);
    const { governor } = makeGovernor({ enforceUrl: refuseAll.url, oauth });
    const err = await rejection(governor.check({ action: "x" } as never));
    expect(err).toBeInstanceOf(GovernorAuthError);
    expect(refuseAll.requests).toHaveLength(2);
    expect(ts.requests).toHaveLength(2);
    for (const t of ts.issued) expect(err.message).not.toContain(t);
    expect(err.message).toContain("a fresh token was refused too");
    expect(enforce.requests).toHaveLength(0);
  });

  it("token endpoint down: fail closed, nothing runs; the next check once it is back works", async () => {
    const { ts, enforce, oauth } = await setup();
    const g = makeGovernor({ enforceUrl: enforce.url, oauth });
    let runs = 0;
    const tool = g.governor.gate("send_email", async () => ++runs);
    await ts.down();
    const err = await rejection(tool());
    expect(err).toBeInstanceOf(GovernorUnavailableError);
    expect(err.code).toBe("token_unavailable");
    expect(err.message).toMatch(/could not get an OAuth token .*ECONNREFUSED/);
    expect(runs).toBe(0);
    expect(enforce.requests).toHaveLength(0);
    // A failing endpoint (not down) is no decision too, and nothing is cached from it.
    await ts.up();
    ts.failWith = 503;
    expect((await rejection(tool())).code).toBe("token_unavailable");
    ts.failWith = undefined;
    expect(await tool()).toBe(1);
    const audit = await g.auditLines();
    expect(audit.map((a) => [a.outcome, a.errorCode])).toEqual([
      ["error", "token_unavailable"],
      ["error", "token_unavailable"],
      ["executed", null],
    ]);
  });

  it("fail mode open lets a call through when no token can be had, and says so", async () => {
    const { ts, enforce, oauth } = await setup();
    const g = makeGovernor({ enforceUrl: enforce.url, oauth, failMode: "open" });
    await ts.down();
    const d = await g.governor.check({ action: "x" } as never);
    expect(d.failOpen).toBe(true);
    expect(d.error?.code).toBe("token_unavailable");
  });

  interface OAuthTokensLike {
    get(): Promise<string>;
    current(): string | undefined;
  }

  it("the token fetch counts against the check's one deadline, and a slow one serves the next check", async () => {
    const { ts, enforce, oauth } = await setup();
    let release!: () => void;
    ts.hold = new Promise<void>((r) => (release = r));
    const { governor } = makeGovernor({ enforceUrl: enforce.url, oauth, timeoutMs: 150 });
    let runs = 0;
    const err = await rejection(governor.gate("t", async () => ++runs)());
    expect(err.code).toBe("timeout");
    expect(err.message).toMatch(/OAuth token endpoint .* did not answer within 150 ms/);
    expect(runs).toBe(0);
    expect(enforce.requests).toHaveLength(0);
    // The fetch was not cut at the check's deadline: once the endpoint answers, its token is kept
    // for the checks after (the one fetch in flight, awaited here instead of racing a 150 ms check).
    const tokens = (governor as unknown as { client: { tokens: OAuthTokensLike } }).client.tokens;
    release();
    await tokens.get();
    expect(tokens.current()).toBeDefined();
    expect(ts.requests).toHaveLength(1);
  });

  it("client_secret_post sends the secret in the form, not in a Basic header", async () => {
    const { ts, enforce, oauth } = await setup({ authMethod: "client_secret_post" });
    const { governor } = makeGovernor({ enforceUrl: enforce.url, oauth });
    expect((await governor.check({ action: "x" } as never)).allowed).toBe(true);
    expect(ts.requests[0].authorization).toBeUndefined();
    expect(ts.requests[0].params).toMatchObject({
      grant_type: "client_credentials",
      client_id: "agent-client",
      client_secret: oauth.clientSecret,
    });
  });

  it("sends scope and audience, read from the environment", async () => {
    const { ts, enforce } = await setup();
    const dir = tmp();
    const secretFile = path.join(dir, "secret");
    writeFileSync(secretFile, "s3cr3t-client-secret-value\n");
    const { governor } = makeGovernor({
      enforceUrl: enforce.url,
      env: {
        GOVERNOR_OAUTH_TOKEN_URL: ts.tokenUrl,
        GOVERNOR_OAUTH_CLIENT_ID: "agent-client",
        GOVERNOR_OAUTH_CLIENT_SECRET_FILE: secretFile,
        GOVERNOR_OAUTH_SCOPE: "enforce:check",
        GOVERNOR_OAUTH_AUDIENCE: "governor-enforce",
      },
    });
    expect((await governor.check({ action: "x" } as never)).allowed).toBe(true);
    expect(ts.requests[0].params).toMatchObject({
      scope: "enforce:check",
      audience: "governor-enforce",
    });
    expect(ts.requests[0].authorization).toMatch(/^Basic /);
  });

  it("the secret, the tokens and the Basic header appear in no message, audit line or stderr", async () => {
    const { ts, oauth } = await setup();
    ts.echo = true; // the token endpoint's errors quote the credentials it was sent
    // An enforce server that echoes the token and the header it got.
    const echo = await startEnforce((req) => ({
      status: 401,
      body: {
        detail: `bad token ${bearer(req.headers.authorization)} (${req.headers.authorization})`,
      },
    }));
    open.push(echo);
    const auditFile = path.join(tmp(), "audit.jsonl");
    // A real process: its stderr (warnings, an audit log on stderr) is all captured.
    const script = `
      import { createGovernor } from ${JSON.stringify(runtimeUrl)};
      const show = (e) => console.error("ERROR", e.message, JSON.stringify(e), String(e.cause));
      const g = createGovernor({ config: {}, auditLog: ${JSON.stringify(auditFile)} });
      await g.gate("lookup", async () => "ran")({ q: 1 }).catch(show);
      const wrong = createGovernor({
        config: {}, failMode: "open", auditLog: "stderr",
        env: { ...process.env, GOVERNOR_OAUTH_CLIENT_SECRET: "wrong-" + process.env.GOVERNOR_OAUTH_CLIENT_SECRET },
      });
      show((await wrong.check({ action: "x", actor: { id: "u" } })).error);
      await wrong.gate("lookup", async () => "ran")({ q: 2 });
      await wrong.close();
      await g.close();
    `;
    // Not spawnSync: the servers answering it run on this event loop.
    const child = await promisify(execFile)(
      process.execPath,
      ["--input-type=module", "-e", script],
      {
        env: {
          PATH: process.env.PATH,
          GOVERNOR_ENFORCE_URL: echo.url,
          GOVERNOR_OAUTH_TOKEN_URL: oauth.tokenUrl,
          GOVERNOR_OAUTH_CLIENT_ID: oauth.clientId,
          GOVERNOR_OAUTH_CLIENT_SECRET: oauth.clientSecret,
        },
      },
    );
    const basic = Buffer.from(`agent-client:${oauth.clientSecret}`).toString("base64");
    const text = [child.stderr, child.stdout, readFileSync(auditFile, "utf8")].join("\n");
    // It did get tokens, was refused, and said so on stderr and in the audit log.
    expect(ts.issued.length).toBe(2);
    expect(echo.requests).toHaveLength(2);
    expect(child.stderr).toMatch(/ERROR The policy service refused/);
    expect(child.stderr).toMatch(/ERROR governor could not get an OAuth token .*invalid_client/);
    expect(child.stderr).toContain('"errorCode":"token_unavailable"');
    expect(text).toContain('"outcome":"error"');
    expect(child.stderr).toContain("[redacted]"); // the echoes were there, and were removed
    const fragments = ts.issued.flatMap((t) => t.split("."));
    for (const secret of [oauth.clientSecret, basic, ...ts.issued, ...fragments])
      expect(text).not.toContain(secret);
  });
});
