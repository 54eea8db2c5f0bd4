// Red team of GET /api/v2/policy/summary: a web page (DNS rebinding gives it the server's origin, and a
// keyless serve would hand it the whole policy), the key on every spelling of the path and method, and a
// policy file swapped under a running serve.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { policies, serve, tempPolicy, until, type Served } from "../cli/helpers.js";
import path from "node:path";

const KEY = "sk-redteam-summary-0123456789";

/** A GET with any Host and headers (fetch cannot set Host). */
function get(
  url: string,
  target: string,
  headers: Record<string, string>,
  method = "GET",
): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: u.hostname, port: u.port, path: target, method, headers },
      (res) => {
        let body = "";
        res.setEncoding("utf8").on("data", (d) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode!, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

describe("the policy summary and web pages", () => {
  let srv: Served;
  beforeAll(async () => {
    srv = await serve(["--policy", path.join(policies, "basic.yaml")]);
  });
  afterAll(() => srv?.stop());

  it("refuses a page's request (DNS rebinding: a foreign Host, Sec-Fetch-Site same-origin) with 403", async () => {
    for (const site of ["same-origin", "same-site", "cross-site"]) {
      const r = await get(srv.url, "/api/v2/policy/summary", {
        host: "rebind.evil.example:8787",
        "sec-fetch-site": site,
        "sec-fetch-mode": "cors",
      });
      expect({ site, status: r.status }).toEqual({ site, status: 403 });
      expect(r.body).not.toContain("no-refunds");
    }
    expect(srv.stderr()).toMatch(
      /REJECTED 403 \/api\/v2\/policy\/summary: a request from a web page/,
    );
  });

  it("refuses a page's POST to enforce and canonicalize too: no decision is probed from a browser", async () => {
    for (const target of ["/api/v2/enforce", "/api/v2/canonicalize"]) {
      const r = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const u = new URL(srv.url);
        const req = request(
          {
            host: u.hostname,
            port: u.port,
            path: target,
            method: "POST",
            headers: {
              host: "rebind.evil.example:8787",
              "content-type": "application/json",
              "sec-fetch-site": "same-origin",
            },
          },
          (res) => {
            let body = "";
            res.setEncoding("utf8").on("data", (d) => (body += d));
            res.on("end", () => resolve({ status: res.statusCode!, body }));
          },
        );
        req.on("error", reject);
        req.end(JSON.stringify({ action: "query", actor: { id: "a" }, resource: { type: "db" } }));
      });
      expect({ target, status: r.status }).toEqual({ target, status: 403 });
      expect(r.body).not.toMatch(/ALLOW|DENY/);
    }
    // and an agent's own request still gets its decision
    const agent = await fetch(`${srv.url}/api/v2/enforce`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        action: "query",
        actor: { id: "a", type: "agent" },
        resource: { type: "postgres_db", name: "users" },
      }),
    });
    expect(agent.status).toBe(200);
  });

  it("still answers tools (no Sec-Fetch-Site; Node's fetch sends none) and a URL typed into a browser", async () => {
    const tool = await fetch(`${srv.url}/api/v2/policy/summary`);
    expect(tool.status).toBe(200);
    const typed = await get(srv.url, "/api/v2/policy/summary", {
      host: new URL(srv.url).host,
      "sec-fetch-site": "none",
    });
    expect(typed.status).toBe(200);
    expect(JSON.parse(typed.body).rules[0].id).toBe("no-refunds");
  });
});

describe("the policy summary with serve's key", () => {
  let srv: Served;
  let file: string;
  beforeAll(async () => {
    file = tempPolicy("basic.yaml");
    srv = await serve(["--policy", file], { GOVERNOR_SERVE_API_KEY: KEY });
  });
  afterAll(() => srv?.stop());

  it("needs the key on every spelling: HEAD, a query string, the key in the query, other schemes", async () => {
    const host = new URL(srv.url).host;
    for (const [target, headers, method] of [
      ["/api/v2/policy/summary", {}, "HEAD"],
      ["/api/v2/policy/summary?", {}, "GET"],
      [`/api/v2/policy/summary?api_key=${KEY}&token=${KEY}`, {}, "GET"],
      ["/api/v2/policy/summary", { authorization: `Basic ${KEY}` }, "GET"],
      ["/api/v2/policy/summary", { authorization: "Bearer " }, "GET"],
      ["/api/v2/policy/summary", { "x-api-key": KEY }, "GET"],
    ] as [string, Record<string, string>, string][]) {
      const r = await get(srv.url, target, { host, ...headers }, method);
      expect({ target, method, status: r.status }).toEqual({ target, method, status: 401 });
    }
    expect(srv.stderr()).not.toContain(KEY);
  });

  it("follows a swapped policy file, and keeps the last good one when the new file is broken", async () => {
    const auth = { headers: { authorization: `Bearer ${KEY}` } };
    const ids = async () =>
      (
        (await (await fetch(`${srv.url}/api/v2/policy/summary`, auth)).json()) as {
          rules: { id: string }[];
        }
      ).rules.map((r) => r.id);
    expect(await ids()).toContain("no-refunds");
    writeFileSync(
      file,
      "version: 1\ndefault: allow\nrules:\n  - id: swapped-in\n    effect: deny\n    when: { action: delete }\n",
    );
    await until(async () => (await ids()).join() === "swapped-in", "the swapped policy");
    writeFileSync(file, "version: 1\ndefault: maybe\nrules: [\n");
    await until(
      async () => /policy reload failed, keeping the last good policy/.test(srv.stderr()),
      "serve to refuse the broken file",
    );
    expect(await ids()).toEqual(["swapped-in"]);
    expect(readFileSync(file, "utf8")).toContain("maybe");
  });
});
