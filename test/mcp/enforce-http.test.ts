// governor mcp --http: Streamable HTTP with the real SDK Client, Host/Origin checks (403), the bearer key (401).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { request } from "node:http";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort, policies, run, serve, type Served } from "../cli/helpers.js";
import {
  httpClient,
  httpServer,
  readIntent,
  refundIntent,
  sc,
  type HttpServer,
} from "./enforce-helpers.js";

/** The text of a resource read (the SDK types it as text or blob). */
const textOf = (r: { contents: unknown[] }) => (r.contents[0] as { text: string }).text;

const MCP_KEY = "mk-test-mcp-http-0123456789";
const SERVE_KEY = "sk-test-mcp-http-serve-987654";
const policy = path.join(policies, "basic.yaml");
const initialize = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: {
    protocolVersion: "2025-06-18",
    capabilities: {},
    clientInfo: { name: "t", version: "1" },
  },
});

/** A raw POST to the server, with any Host header (fetch cannot set one). */
function post(
  url: string,
  headers: Record<string, string>,
  body = initialize,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          ...headers,
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (d) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

let srv: Served;
let mcp: HttpServer;
const auth = { authorization: `Bearer ${MCP_KEY}` };

beforeAll(async () => {
  srv = await serve(["--policy", policy], { GOVERNOR_SERVE_API_KEY: SERVE_KEY });
  mcp = await httpServer(["--url", srv.url, "--allowed-origin", "https://app.example.com"], {
    GOVERNOR_API_KEY: SERVE_KEY,
    GOVERNOR_MCP_API_KEY: MCP_KEY,
  });
});
afterAll(async () => {
  await mcp?.stop();
  await srv?.stop();
});

describe("governor mcp --http", () => {
  it("prints `listening on http://127.0.0.1:PORT/mcp` first on stderr, nothing on stdout", () => {
    expect(mcp.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    expect(mcp.stdout()).toBe("");
  });

  it("ALLOW and DENY through the SDK Client with the key", async () => {
    const client = await httpClient(mcp.url, MCP_KEY);
    try {
      const allow = await client.callTool({ name: "enforce_intent", arguments: readIntent });
      expect(sc(allow)).toMatchObject({
        decision: "ALLOW",
        intent: { actor: { id: "governor-mcp" } },
      });
      const deny = await client.callTool({ name: "enforce_intent", arguments: refundIntent });
      expect(sc(deny)).toMatchObject({ decision: "DENY", deny_code: "stepup_required" });
      // Stateless, but one process: a later request explains an earlier one's decision.
      const ex = await client.callTool({
        name: "explain_decision",
        arguments: { request_id: sc(deny).request_id },
      });
      expect(sc(ex).matched_rule).toBe("no-refunds");
      const { resources } = await client.listResources();
      expect(resources).toHaveLength(3);
      const { prompts } = await client.listPrompts();
      expect(prompts.map((p) => p.name)).toEqual(["governed-tool-use"]);
      const summary = await client.readResource({ uri: "governor://policy/summary" });
      // No --policy here: the summary comes from serve's GET /api/v2/policy/summary, with the enforce key.
      expect(JSON.parse(textOf(summary))).toMatchObject({
        visible: true,
        default: "deny",
        source: `${srv.url}/api/v2/policy/summary`,
      });
    } finally {
      await client.close();
    }
  });

  it("401 with WWW-Authenticate: Bearer without the key and with a wrong one; the SDK Client cannot connect", async () => {
    const none = await post(mcp.url, {});
    expect(none.status).toBe(401);
    expect(none.headers["www-authenticate"]).toBe("Bearer");
    const wrong = await post(mcp.url, { authorization: "Bearer mk-wrong-key-000000" });
    expect(wrong.status).toBe(401);
    expect(wrong.body).not.toContain("mk-wrong");
    await expect(httpClient(mcp.url)).rejects.toThrow();
    await expect(httpClient(mcp.url, "mk-wrong-key-000000")).rejects.toThrow();
  });

  it("403 for a foreign Origin, even with the key; an --allowed-origin and the loopback origin pass", async () => {
    const evil = await post(mcp.url, { ...auth, origin: "http://evil.example" });
    expect(evil.status).toBe(403);
    expect(JSON.parse(evil.body).error.message).toMatch(/Origin is not allowed/);
    expect((await post(mcp.url, { ...auth, origin: "null" })).status).toBe(403);
    const allowed = await post(mcp.url, { ...auth, origin: "https://app.example.com" });
    expect(allowed.status).toBe(200);
    const port = new URL(mcp.url).port;
    expect((await post(mcp.url, { ...auth, origin: `http://localhost:${port}` })).status).toBe(200);
  });

  it("403 for a foreign Host (DNS rebinding), checked before the key", async () => {
    const port = new URL(mcp.url).port;
    const rebound = await post(mcp.url, { ...auth, host: `evil.example:${port}` });
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body).error.message).toMatch(/Host is not allowed/);
    expect((await post(mcp.url, { host: `attacker.test:${port}` })).status).toBe(403);
    expect((await post(mcp.url, { ...auth, host: `localhost:${port}` })).status).toBe(200);
    expect((await post(mcp.url, { ...auth, host: `127.0.0.1:1` })).status).toBe(403);
  });

  it("only /mcp, POST only", async () => {
    const other = await post(mcp.url.replace(/\/mcp$/, "/other"), auth);
    expect(other.status).toBe(404);
    const get = await fetch(mcp.url, { headers: auth });
    expect(get.status).toBe(405);
  });

  it("no key in any output", () => {
    expect(mcp.stdout()).toBe("");
    expect(mcp.stderr()).not.toContain(MCP_KEY);
    expect(mcp.stderr()).not.toContain(SERVE_KEY);
    expect(srv.stderr()).not.toContain(MCP_KEY);
  });
});

describe("governor mcp --http, other setups", () => {
  it("enforce down: DENY with the reason (isError), never ALLOW", async () => {
    const port = await freePort();
    const down = await httpServer(["--url", `http://127.0.0.1:${port}`], {
      GOVERNOR_FAIL_MODE: "open",
    });
    try {
      const client = await httpClient(down.url);
      const r = await client.callTool({ name: "enforce_intent", arguments: readIntent });
      expect(r.isError).toBe(true);
      expect(sc(r).decision).toBe("DENY");
      expect(sc(r).reason).toMatch(/could not be reached/);
      await client.close();
    } finally {
      expect(await down.stop()).toBe(0);
    }
  });

  it("refuses a non-loopback host without a key, saying what to do (exit 2)", async () => {
    const r = await run(["mcp", "--http", "--host", "0.0.0.0", "--port", "0", "--url", srv.url]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/mcp_key_required/);
    expect(r.stderr).toMatch(/--api-key-file <path> or GOVERNOR_MCP_API_KEY/);
  });

  it("takes its key from --api-key-file, and never the enforce key as its own", async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "governor-mcp-")), "key");
    writeFileSync(file, MCP_KEY + "\n", { mode: 0o600 });
    const keyed = await httpServer(["--url", srv.url, "--api-key-file", file]);
    try {
      expect((await post(keyed.url, {})).status).toBe(401);
      expect((await post(keyed.url, auth)).status).toBe(200);
    } finally {
      await keyed.stop();
    }
    const same = await run(["mcp", "--http", "--port", "0", "--url", srv.url], {
      env: { GOVERNOR_API_KEY: SERVE_KEY, GOVERNOR_MCP_API_KEY: SERVE_KEY },
    });
    expect(same.code).toBe(2);
    expect(same.stderr).toMatch(/this server's key is the enforce key/);
    expect(same.stderr).not.toContain(SERVE_KEY);
  });
});
