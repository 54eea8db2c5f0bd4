// Red-team cases for the http guard, in real child processes against real loopback servers: a
// fetch with a dispatcher of the app's own follows redirects through it (every hop is checked), and
// a fully qualified host ("name.") is the same host as without its final dot.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allow, startEnforce, type EnforceServer } from "../support/enforce-server.js";
import { runChild } from "./guard-child.js";

const UNDICI = require.resolve("undici");

interface Target {
  server: http.Server;
  host: string;
  port: number;
  hits: string[];
}

async function target(): Promise<Target> {
  const t: Target = {
    server: http.createServer((req, res) => {
      t.hits.push(req.url ?? "");
      req.resume();
      const to = /^\/redirect\?to=(.*)$/.exec(req.url ?? "");
      if (to) res.writeHead(302, { location: decodeURIComponent(to[1]!) }).end();
      else res.end("ok");
    }),
    host: "",
    port: 0,
    hits: [],
  };
  await new Promise<void>((r) => t.server.listen(0, "127.0.0.1", r));
  t.port = (t.server.address() as AddressInfo).port;
  t.host = `127.0.0.1:${t.port}`;
  return t;
}

let enforce: EnforceServer;
let a: Target;
let b: Target;
beforeAll(async () => {
  enforce = await startEnforce(() => allow("req-rt"));
  [a, b] = await Promise.all([target(), target()]);
});
afterAll(async () => {
  await enforce.close();
  for (const t of [a, b]) t.server.closeAllConnections();
  await Promise.all([a, b].map((t) => new Promise((r) => t.server.close(r))));
});

const env = () => ({
  GOVERNOR_GUARD: "http",
  GOVERNOR_GUARD_MODE: "enforce",
  GOVERNOR_ENFORCE_URL: enforce.url,
  GOVERNOR_API_KEY: "k",
  A: a.host,
  B: b.host,
  PORT_A: String(a.port),
  UNDICI,
});

const PRELUDE = `
import { createRequire } from "node:module";
import http from "node:http";
const rt = await import(__RUNTIME__);
const undici = createRequire(import.meta.url)(process.env.UNDICI);
const { A, B } = process.env;
const inA = (fn) => rt.intentScope({ action: "sync", resource: { type: "orders", hosts: [A] } }, fn);
const settle = (p) => p.then(async (r) => ({ status: r.status, text: await r.text() }), (e) => ({ name: e.name, code: e.code ?? e.cause?.code, reason: e.reason }));
const out = {};
`;

describe("http guard: a fetch with the app's own dispatcher", () => {
  it("checks every redirect hop: the hop to a host outside the narrowed scope is refused before it reaches it", async () => {
    a.hits.length = 0;
    b.hits.length = 0;
    const dir = mkdtempSync(path.join(tmpdir(), "gov-rt-http-"));
    const r = await runChild(
      dir,
      "child.mjs",
      `${PRELUDE}
const hop = "http://" + A + "/redirect?to=" + encodeURIComponent("http://" + B + "/second");
const own = new undici.Agent();
const init = { dispatcher: own };
out.init = await inA(() => settle(fetch(hop, init)));
out.initUntouched = init.dispatcher === own && Object.keys(init).join() === "dispatcher";
out.request = await inA(() => settle(fetch(new Request(hop, { dispatcher: new undici.Agent() }))));
out.direct = await inA(() => settle(fetch("http://" + A + "/plain", init)));
out.outside = await settle(fetch("http://" + A + "/plain", init));
process.stdout.write(JSON.stringify(out));
await own.close();
`,
      env(),
    );
    expect(r.code, r.stderr).toBe(0);
    const refused = { name: "GovernorGuardError", code: "guard_blocked", reason: "outside_intent" };
    expect(r.out).toEqual({
      init: refused,
      initUntouched: true,
      request: refused,
      direct: { status: 200, text: "ok" },
      outside: { name: "GovernorGuardError", code: "guard_blocked", reason: "no_intent" },
    });
    expect(b.hits).toEqual([]);
    expect(a.hits.filter((h) => h.startsWith("/redirect"))).toHaveLength(2);
    expect(r.audit.filter((l) => l.type === "ungoverned").map((l) => [l.target, l.reason])).toEqual(
      [
        [b.host, "outside_intent"],
        [b.host, "outside_intent"],
        [a.host, "no_intent"],
      ],
    );
  });
});

describe("http guard: a host with a trailing dot", () => {
  it("is the host the scope names without it (allowed), and recorded without the dot outside it", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "gov-rt-http-"));
    const r = await runChild(
      dir,
      "child.mjs",
      `${PRELUDE}
const lookup = (h, o, cb) => (o && o.all ? cb(null, [{ address: "127.0.0.1", family: 4 }]) : cb(null, "127.0.0.1", 4));
const get = (opts) => new Promise((res) => { const q = http.get(opts, (s) => { s.resume(); s.on("end", () => res(s.statusCode)); }); q.on("error", (e) => res(e.code)); });
const scoped = (fn) => rt.intentScope({ action: "sync", resource: { type: "orders", hosts: ["localhost:" + process.env.PORT_A] } }, fn);
out.httpInScope = await scoped(() => get({ hostname: "localhost.", port: process.env.PORT_A, lookup }));
out.fetchInScope = await scoped(() => settle(fetch("http://localhost.:" + process.env.PORT_A + "/")));
out.outside = await get({ hostname: "LOCALHOST.", port: process.env.PORT_A, lookup });
process.stdout.write(JSON.stringify(out));
`,
      env(),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.out.httpInScope).toBe(200);
    // fetch resolves "localhost." itself (machine-dependent): only that the guard let it go.
    expect(r.out.fetchInScope.code).not.toBe("guard_blocked");
    expect(r.out.outside).toBe("guard_blocked");
    expect(r.audit.filter((l) => l.type === "ungoverned").map((l) => [l.target, l.reason])).toEqual(
      [[`localhost:${a.port}`, "no_intent"]],
    );
  });
});

describe("http guard: new http.ClientRequest() called directly", () => {
  it("is refused outside a scope without connecting, allowed inside, and still the class for instanceof and subclasses", async () => {
    a.hits.length = 0;
    const dir = mkdtempSync(path.join(tmpdir(), "gov-rt-http-"));
    const r = await runChild(
      dir,
      "child.mjs",
      `${PRELUDE}
import { ClientRequest } from "node:http";
const send = (make) => new Promise((res) => { const q = make((s) => { s.resume(); s.on("end", () => res(s.statusCode)); }); q.on("error", (e) => res(e.code)); q.end(); });
class Mine extends http.ClientRequest {}
out.outside = await send((cb) => new http.ClientRequest("http://" + A + "/direct", cb));
out.named = await send((cb) => new ClientRequest("http://" + A + "/direct", cb));
out.subclass = await send((cb) => new Mine("http://" + A + "/direct", cb));
out.inside = await inA(() => send((cb) => new http.ClientRequest("http://" + A + "/direct", cb)));
const viaRequest = http.request("http://" + A + "/x");
viaRequest.on("error", () => {});
out.shape = [viaRequest instanceof http.ClientRequest, new Mine("http://" + A + "/x").on("error", () => {}) instanceof Mine, http.ClientRequest.name, http.ClientRequest === ClientRequest];
viaRequest.destroy();
process.stdout.write(JSON.stringify(out));
`,
      env(),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.out).toEqual({
      outside: "guard_blocked",
      named: "guard_blocked",
      subclass: "guard_blocked",
      inside: 200,
      shape: [true, true, "ClientRequest", true],
    });
    expect(a.hits).toEqual(["/direct"]);
    expect(r.audit.filter((l) => l.type === "ungoverned").map((l) => l.reason)).toEqual([
      "no_intent",
      "no_intent",
      "no_intent",
      "no_intent",
      "no_intent",
    ]);
  });
});

describe("governedFetch without the http guard installed", () => {
  it("checks each redirect hop against the governor's own mode: the hop outside the narrowed scope is refused", async () => {
    a.hits.length = 0;
    b.hits.length = 0;
    const dir = mkdtempSync(path.join(tmpdir(), "gov-rt-http-"));
    const r = await runChild(
      dir,
      "child.mjs",
      `${PRELUDE}
const hop = "http://" + A + "/redirect?to=" + encodeURIComponent("http://" + B + "/second");
out.global = await inA(() => settle(rt.governedFetch(hop)));
out.own = await inA(() => settle(rt.governedFetch(hop, { dispatcher: new undici.Agent() })));
out.request = await inA(() => settle(rt.governedFetch(new Request(hop))));
out.direct = await inA(() => settle(rt.governedFetch("http://" + A + "/plain", { method: "post", body: "x" })));
out.installed = Boolean(globalThis[Symbol.for("governor.guard")]);
process.stdout.write(JSON.stringify(out));
`,
      { ...env(), GOVERNOR_GUARD: "", GOVERNOR_GUARD_MODE: "" },
    );
    expect(r.code, r.stderr).toBe(0);
    const refused = { name: "GovernorGuardError", code: "guard_blocked", reason: "outside_intent" };
    expect(r.out).toEqual({
      global: refused,
      own: refused,
      request: refused,
      direct: { status: 200, text: "ok" },
      installed: false,
    });
    expect(b.hits).toEqual([]);
    expect(a.hits).toHaveLength(4);
  });
});
