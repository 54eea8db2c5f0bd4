// Red team of the enforce MCP server: a broken or hostile enforce server (never an ALLOW unless it said
// exactly "ALLOW"; nothing it echoes reaches the agent with a key in it; no answer fills memory), inherited
// environment that must not change a decision, a hostile agent (no actor spoofing, no unbounded memory
// through the recent decisions), keys that must not be shared, and a hostile HTTP client or web page
// (Host, Origin, key, method and body variants).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServerResponse } from "node:http";
import { connect as tcpConnect } from "node:net";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { CliError } from "../../src/cli-support/errors.js";
import { createEnforceContext, type EnforceContext } from "../../src/mcp/enforce/context.js";
import { createEnforceMcpServer } from "../../src/mcp/enforce/server.js";
import { policies, run, serve, type Served } from "../cli/helpers.js";
import { startEnforce, type EnforceServer, type Reply } from "../support/enforce-server.js";
import { httpServer, refundIntent, sc, text, type HttpServer } from "./enforce-helpers.js";

// Keys with ordinary words in them ("resource", "decision"): the redactor removes any 8-character run of
// a key, which must not take the names of the fields with it.
const API_KEY = "sk-redteam-resource-key-0123456789";
const DECISION_KEY = "dk-redteam-decision-key-98765";
const MCP_KEY = "mk-redteam-mcp-key-abcdefghij";
const tmp = mkdtempSync(path.join(tmpdir(), "governor-redteam-"));
const textOf = (r: { contents: unknown[] }) => (r.contents[0] as { text: string }).text;

/** An enforce server whose every answer the test decides (it sets hostile.respond). */
let hostile: EnforceServer;
beforeAll(async () => {
  hostile = await startEnforce(() => ({ raw: "", headers: { "content-type": undefined } }));
});
afterAll(() => hostile.close());

const json = (status: number, value: unknown, type = "application/json"): Reply => ({
  status,
  raw: typeof value === "string" ? value : JSON.stringify(value),
  headers: { "content-type": type },
  contentLength: true,
});

async function connect(
  env: Record<string, string> = {},
  opts: { mcpKey?: string; trustActor?: boolean } = {},
): Promise<{ client: Client; ctx: EnforceContext; close(): Promise<void> }> {
  const ctx = await createEnforceContext({ url: hostile.url, env, ...opts });
  const server = createEnforceMcpServer(ctx);
  const [a, b] = InMemoryTransport.createLinkedPair();
  await server.connect(a);
  const client = new Client({ name: "redteam", version: "1" });
  await client.connect(b);
  return {
    client,
    ctx,
    close: async () => {
      await client.close();
      await ctx.close();
    },
  };
}

// Every way to say "go ahead" that is not a 200 application/json {"decision": "ALLOW"} exactly.
const notAllow: [string, EnforceServer["respond"]][] = [
  ["lower-case allow", () => json(200, { decision: "allow" })],
  ["ALLOW with a space", () => json(200, { decision: "ALLOW " })],
  ["Decision (capital D)", () => json(200, { Decision: "ALLOW" })],
  ["decision as a list", () => json(200, { decision: ["ALLOW"] })],
  ["decision true", () => json(200, { decision: true, allowed: true })],
  ["no decision at all", () => json(200, { metadata: { decision: "ALLOW" } })],
  ["a duplicated key", () => json(200, '{"decision":"DENY","decision":"ALLOW"}')],
  ["a byte order mark", () => json(200, '\ufeff{"decision":"ALLOW"}')],
  ["200 with HTML", () => json(200, "<html>ALLOW</html>", "text/html")],
  ["ALLOW JSON typed as HTML", () => json(200, { decision: "ALLOW" }, "text/html")],
  ["a 201 ALLOW", () => json(201, { decision: "ALLOW" })],
  [
    "a redirect to an ALLOW",
    (req) =>
      req.path.startsWith("/allow")
        ? json(200, { decision: "ALLOW" })
        : {
            status: 307,
            raw: "",
            headers: { "content-type": undefined, location: `${hostile.url}/allow` },
          },
  ],
  ["a 500 saying ALLOW", () => json(500, { decision: "ALLOW" })],
  ["an answer past the deadline", () => ({ handle: () => {} })],
];

describe("a broken or hostile enforce server", () => {
  // Inherited settings that would turn no decision into an ALLOW, or reuse an old one, for a gated call.
  const inherited = {
    GOVERNOR_API_KEY: API_KEY,
    GOVERNOR_FAIL_MODE: "open",
    GOVERNOR_MODE: "off",
    GOVERNOR_DISABLED: "1",
    GOVERNOR_CACHE_TTL_MS: "600000",
    // Far off (this enforce shares the test's event loop), but for the case that is about it.
    GOVERNOR_TIMEOUT_MS: "60000",
  };

  it.each(notAllow)("%s is a DENY that says there was no decision", async (name, h) => {
    hostile.respond = h;
    const late = name === "an answer past the deadline";
    const s = await connect({ ...inherited, ...(late && { GOVERNOR_TIMEOUT_MS: "300" }) });
    try {
      for (const [name, args] of [
        ["enforce_intent", { action: "read", resource: { type: "file" } }],
        ["check_tool_call", { tool: "read_file", arguments: { path: "x" } }],
      ] as const) {
        const r = await s.client.callTool({ name, arguments: args });
        expect(r.isError).toBe(true);
        expect(sc(r)).toMatchObject({ decision: "DENY", decision_token: null });
        expect(text(r)).toMatch(/No decision, so this is a DENY/);
      }
    } finally {
      await s.close();
    }
  });

  it("an exact ALLOW with extra and odd fields is an ALLOW; the next DENY is not served from a cache", async () => {
    let next: "ALLOW" | "DENY" = "ALLOW";
    hostile.respond = () =>
      json(200, {
        decision: next,
        extra: { decision: "DENY" },
        metadata: { request_id: `r-${next}`, ttl_ms: 600000, reason: null, deny_code: 7 },
      });
    const s = await connect(inherited);
    try {
      const first = await s.client.callTool({ name: "enforce_intent", arguments: refundIntent });
      expect(sc(first)).toMatchObject({ decision: "ALLOW", request_id: "r-ALLOW" });
      next = "DENY";
      const second = await s.client.callTool({ name: "enforce_intent", arguments: refundIntent });
      expect(sc(second)).toMatchObject({ decision: "DENY", request_id: "r-DENY" });
    } finally {
      await s.close();
    }
  });

  it("an ALLOW without a valid signature is a DENY when GOVERNOR_DECISION_KEY is set", async () => {
    hostile.respond = () =>
      json(200, {
        decision: "ALLOW",
        metadata: {
          request_id: "r1",
          decision_token: "v1.forged",
          expires_at: "2999-01-01T00:00:00Z",
        },
      });
    const s = await connect({ ...inherited, GOVERNOR_DECISION_KEY: DECISION_KEY });
    try {
      const r = await s.client.callTool({ name: "enforce_intent", arguments: refundIntent });
      expect(sc(r)).toMatchObject({ decision: "DENY", deny_code: "decision_unverified" });
      expect(sc(r).decision_token).toBeNull();
    } finally {
      await s.close();
    }
  });

  it("keys it echoes (reason, canonicalize trace, policy summary) never reach the agent", async () => {
    // A PDP that puts the request's headers into what it answers, as debugging servers do.
    hostile.respond = (req) => {
      const auth = String(req.headers.authorization);
      // The decision key too: a misconfigured server may echo the key it expected.
      const echo = `${auth} ${DECISION_KEY}`;
      if (req.path === "/api/v2/enforce")
        return json(200, {
          decision: "DENY",
          metadata: { request_id: "r-echo", reason: `denied for ${echo}` },
        });
      if (req.path === "/api/v2/canonicalize")
        return json(200, {
          canonicalization_trace: [{ field: "action", raw_input: echo, prediction: {} }],
        });
      if (req.path === "/api/v2/policy/summary")
        return json(200, {
          default: "deny",
          rules: [{ id: "r", effect: "allow", when: { action: echo, [echo]: echo } }],
        });
      return json(404, { detail: "Not Found" });
    };
    const s = await connect(
      { GOVERNOR_API_KEY: API_KEY, GOVERNOR_DECISION_KEY: DECISION_KEY },
      { mcpKey: MCP_KEY },
    );
    try {
      const seen: string[] = [];
      const d = await s.client.callTool({ name: "enforce_intent", arguments: refundIntent });
      seen.push(JSON.stringify(d));
      const byId = await s.client.callTool({
        name: "explain_decision",
        arguments: { request_id: "r-echo" },
      });
      expect(sc(byId).canonicalization_trace).toHaveLength(1); // asked /api/v2/canonicalize
      expect(sc(byId).policy_visible).toBe(true);
      seen.push(JSON.stringify(byId));
      const byIntent = await s.client.callTool({
        name: "explain_decision",
        arguments: { intent: refundIntent },
      });
      seen.push(JSON.stringify(byIntent));
      const summary = await s.client.readResource({ uri: "governor://policy/summary" });
      expect(JSON.parse(textOf(summary))).toMatchObject({
        visible: true,
        rules: [{ id: "r", effect: "allow", when: { action: "Bearer [redacted] [redacted]" } }],
      });
      seen.push(textOf(summary));
      const recent = textOf(await s.client.readResource({ uri: "governor://denials/recent" }));
      // explain_decision by intent asks enforce too, so it is recorded: newest first
      expect(JSON.parse(recent).denials).toMatchObject([
        { asked: "explain_decision", decision: "DENY", request_id: "r-echo" },
        { decision: "DENY", request_id: "r-echo", intent: { resource: { type: "payment" } } },
      ]);
      seen.push(recent);
      for (const out of seen)
        for (const secret of [API_KEY, DECISION_KEY, MCP_KEY]) expect(out).not.toContain(secret);
      expect(seen.join("")).toContain("[redacted]");
    } finally {
      await s.close();
    }
  });

  it("a policy summary over 1 MiB is no summary, and one that never ends is cut off", async () => {
    const rules = Array.from({ length: 20_000 }, (_, i) => ({
      id: `rule-${i}`,
      effect: "deny",
      when: { action: `action-number-${i}`, "resource.type": "payment" },
    }));
    const big = JSON.stringify({ default: "deny", rules });
    expect(Buffer.byteLength(big)).toBeGreaterThan(1 << 20);
    let written = 0;
    let endless = false;
    hostile.respond = () => (endless ? { handle: endlessSummary } : json(200, big));
    // Valid JSON so far, and it never ends: as much as the client takes.
    const endlessSummary = (res: ServerResponse) => {
      res.writeHead(200, { "content-type": "application/json" });
      const chunk = Buffer.alloc(65_536, "x");
      res.write('{"default":"deny","rules":[],"padding":"');
      const pump = () => {
        while (!res.destroyed && res.write(chunk)) written += chunk.length;
        written += chunk.length;
      };
      res.on("drain", pump);
      pump();
    };
    const s = await connect({ GOVERNOR_API_KEY: API_KEY });
    try {
      const r = await s.client.readResource({ uri: "governor://policy/summary" });
      expect(JSON.parse(textOf(r))).toMatchObject({ visible: false });
      endless = true;
      const e = await s.client.readResource({ uri: "governor://policy/summary" });
      expect(JSON.parse(textOf(e))).toMatchObject({ visible: false });
      // It read about 1 MiB and hung up; socket buffers hold a few more. Not the 5 s timeout's worth.
      expect(written).toBeLessThan(64 << 20);
    } finally {
      await s.close();
    }
  });
});

describe("a hostile agent", () => {
  it("cannot name the actor through actor, data, resource, risk or _meta without --trust-actor", async () => {
    const actors: unknown[] = [];
    hostile.respond = (req) => {
      if (req.path !== "/api/v2/enforce") return json(404, { detail: "Not Found" });
      actors.push(req.body.actor);
      return json(200, { decision: "DENY", metadata: { request_id: `r${actors.length}` } });
    };
    const s = await connect({ GOVERNOR_API_KEY: API_KEY, GOVERNOR_ACTOR_ID: "the-agent" });
    const boss = { id: "support-boss", type: "user" };
    try {
      await s.client.callTool({
        name: "enforce_intent",
        arguments: {
          action: "send",
          resource: { type: "email", actor: boss },
          data: { actor: boss },
          risk: { actor: "support-boss" },
          actor: boss,
        },
        _meta: { actor: boss },
      });
      await s.client.callTool({
        name: "check_tool_call",
        arguments: { tool: "send_email", arguments: { actor: boss }, actor: boss },
      });
      await s.client.callTool({
        name: "explain_decision",
        arguments: { intent: { action: "send", resource: { type: "email" }, actor: boss } },
      });
      expect(actors).toHaveLength(3);
      for (const a of actors) expect(a).toEqual({ id: "the-agent", type: "agent" });
    } finally {
      await s.close();
    }
  });

  it("cannot make the recent decisions hold megabytes: each entry is cut to a few kB", async () => {
    // enforce echoes a 200 kB trace; the agent sends 20 kB names and a 2,000-label list.
    let calls = 0;
    hostile.respond = (req) => {
      if (req.path !== "/api/v2/enforce") return json(404, { detail: "Not Found" });
      const n = ++calls;
      return json(200, {
        decision: "DENY",
        metadata: {
          request_id: `r-${n}`,
          rule_id: "no",
          canonicalization_trace: Array.from({ length: 400 }, () => ({
            field: "action",
            raw_input: req.body.action.slice(0, 500),
          })),
        },
      });
    };
    // A deadline far off: this enforce shares the test's event loop with the scrubbing.
    const s = await connect({ GOVERNOR_API_KEY: API_KEY, GOVERNOR_TIMEOUT_MS: "60000" });
    const huge = {
      action: "a".repeat(20_000),
      resource: { type: "payment", name: "n".repeat(20_000) },
      data: { sensitivity: Array.from({ length: 2_000 }, (_, i) => `label-${i}`) },
    };
    try {
      for (let i = 0; i < 5; i++)
        await s.client.callTool({ name: "enforce_intent", arguments: huge });
      const res = textOf(await s.client.readResource({ uri: "governor://denials/recent" }));
      const { denials } = JSON.parse(res);
      expect(denials).toHaveLength(5);
      expect(denials[0]).toMatchObject({ decision: "DENY", request_id: "r-5", rule_id: "no" });
      expect(denials[0].intent.actor).toEqual({ id: "governor-mcp", type: "agent" });
      // Entries of up to 16,000 characters (and 1,000 values) each, pretty-printed; uncut, 260 kB each.
      expect(res.length).toBeLessThan(5 * 64_000);
      const ex = await s.client.callTool({
        name: "explain_decision",
        arguments: { request_id: "r-5" },
      });
      expect(sc(ex)).toMatchObject({ request_id: "r-5", decision: "DENY" });
    } finally {
      await s.close();
    }
  });
});

describe("keys governor mcp must not share", () => {
  const keyFile = path.join(tmp, "enforce.key");
  writeFileSync(keyFile, `${MCP_KEY}\n`, { mode: 0o600 });

  it("refuses an MCP key that is the enforce key from GOVERNOR_API_KEY_FILE, or the decision key", async () => {
    for (const env of [
      { GOVERNOR_API_KEY_FILE: keyFile },
      { GOVERNOR_API_KEY: API_KEY, GOVERNOR_DECISION_KEY: MCP_KEY },
    ]) {
      const err = await createEnforceContext({ url: hostile.url, env, mcpKey: MCP_KEY }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(CliError);
      expect((err as CliError).message).not.toContain(MCP_KEY);
    }
  });

  it("governor mcp --http exits 2 before listening, without printing the key", async () => {
    const r = await run(["mcp", "--http", "--port", "0", "--url", hostile.url], {
      env: { GOVERNOR_MCP_API_KEY: MCP_KEY, GOVERNOR_API_KEY_FILE: keyFile },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/enforce key/);
    expect(r.stderr + r.stdout).not.toContain(MCP_KEY);
    expect(r.stderr).not.toMatch(/listening on/);
  });
});

/** One raw HTTP/1.1 exchange: any Host, path, method and header, as no fetch would send them. */
function raw(port: number, request: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const s = tcpConnect(port, "127.0.0.1", () => s.end(request));
    let out = "";
    s.setEncoding("utf8").on("data", (d) => (out += d));
    s.on("end", () =>
      resolve({
        status: Number(/^HTTP\/1\.1 (\d+)/.exec(out)?.[1]),
        body: out.split("\r\n\r\n").slice(1).join("\r\n\r\n"),
      }),
    );
    s.on("error", reject);
  });
}

describe("a hostile HTTP client or web page", () => {
  let srv: Served;
  let mcp: HttpServer;
  let port: number;
  const list = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" });
  beforeAll(async () => {
    srv = await serve(["--policy", path.join(policies, "basic.yaml")], {
      GOVERNOR_SERVE_API_KEY: API_KEY,
    });
    mcp = await httpServer(["--url", srv.url], {
      GOVERNOR_API_KEY: API_KEY,
      GOVERNOR_MCP_API_KEY: MCP_KEY,
    });
    port = Number(new URL(mcp.url).port);
  });
  afterAll(async () => {
    await mcp?.stop();
    await srv?.stop();
  });

  const ask = (
    o: { method?: string; target?: string; host?: string | null; auth?: string | null } & {
      headers?: string[];
      body?: string;
    } = {},
  ) => {
    const body = o.body ?? list;
    const lines = [
      `${o.method ?? "POST"} ${o.target ?? "/mcp"} HTTP/1.1`,
      ...(o.host === null ? [] : [`Host: ${o.host ?? `127.0.0.1:${port}`}`]),
      ...(o.auth === null ? [] : [`Authorization: ${o.auth ?? `Bearer ${MCP_KEY}`}`]),
      "Content-Type: application/json",
      "Accept: application/json, text/event-stream",
      "Connection: close",
      ...(o.headers ?? []),
      `Content-Length: ${Buffer.byteLength(body)}`,
    ];
    return raw(port, `${lines.join("\r\n")}\r\n\r\n${body}`);
  };

  it("answers a plain, well-formed request (the baseline for the refusals below)", async () => {
    const r = await ask();
    expect(r.status).toBe(200);
    expect(r.body).toContain("enforce_intent");
    expect((await ask({ host: `LOCALHOST:${port}` })).status).toBe(200);
    expect((await ask({ host: `[::1]:${port}` })).status).toBe(200);
    expect((await ask({ auth: `bearer ${MCP_KEY}` })).status).toBe(200);
  });

  it("refuses foreign Host headers (DNS rebinding): 403", async () => {
    for (const host of [
      "evil.com",
      `localhost.evil.com:${port}`,
      `127.0.0.1.evil.com:${port}`,
      `localhost.:${port}`,
      "127.0.0.1",
      "127.0.0.1:1",
      `127.0.0.1:${port}.evil.com`,
      `evil.com:${port}\r\nHost: 127.0.0.1:${port}`,
    ])
      expect({ host, status: (await ask({ host })).status }).toEqual({ host, status: 403 });
    expect((await ask({ host: null })).status).toBe(400);
  });

  it("refuses foreign Origins (a web page): 403", async () => {
    for (const origin of [
      "null",
      "",
      "http://evil.com",
      `http://127.0.0.1.evil:${port}`,
      `http://localhost:${port}.evil.com`,
      `https://localhost:${port}`,
      "http://localhost:1",
      `file://`,
    ])
      expect({ origin, status: (await ask({ headers: [`Origin: ${origin}`] })).status }).toEqual({
        origin,
        status: 403,
      });
    // Its own origin, in any case and with a trailing slash, is fine.
    expect((await ask({ headers: [`Origin: HTTP://LOCALHOST:${port}/`] })).status).toBe(200);
  });

  it("refuses a missing, empty or wrong key, other schemes and a key in the query: 401", async () => {
    for (const o of [
      { auth: null },
      { auth: "Bearer " },
      { auth: "Bearer" },
      { auth: `Basic ${Buffer.from(`x:${MCP_KEY}`).toString("base64")}` },
      { auth: `Token ${MCP_KEY}` },
      { auth: `Bearer ${MCP_KEY}x` },
      { auth: `Bearer ${API_KEY}` },
      { auth: null, target: `/mcp?key=${MCP_KEY}&access_token=${MCP_KEY}` },
    ]) {
      const r = await ask(o);
      expect({ o, status: r.status }).toEqual({ o, status: 401 });
      expect(r.body).not.toContain(MCP_KEY);
    }
  });

  it("takes POST /mcp only, and survives bodies that are not JSON-RPC", async () => {
    for (const method of ["GET", "DELETE", "PUT", "OPTIONS"])
      expect((await ask({ method, body: "" })).status).toBe(405);
    for (const target of ["/mcp/", "//mcp", "/%6dcp", `http://evil.com/mcp`, "/"])
      expect((await ask({ target })).status).toBe(404);
    for (const body of ["{not json", "null", "1", '"x"', "[1,2", "[".repeat(100_000)])
      expect((await ask({ body })).status).toBe(400);
    const batch = JSON.stringify(
      Array.from({ length: 101 }, (_, i) => ({ ...JSON.parse(list), id: i })),
    );
    expect((await ask({ body: batch })).status).toBe(400);
    expect((await ask({ body: "x".repeat((1 << 20) + 1) })).status).toBe(413);
    // Still serving, and nothing but the listening lines ever went to stdout.
    expect((await ask()).status).toBe(200);
    expect(mcp.proc.exitCode).toBeNull();
    expect(mcp.stdout()).toBe("");
    expect(mcp.stderr()).not.toContain(MCP_KEY);
    expect(mcp.stderr()).not.toContain(API_KEY);
  });
});
