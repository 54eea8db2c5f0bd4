// Scopes and guards together, in real child processes: real loopback servers, files, processes.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { signDecision } from "../../src/runtime/index.js";
import { allow, deny, startEnforce, type EnforceServer } from "../support/enforce-server.js";
import { runChild } from "./guard-child.js";

let enforce: EnforceServer;
let targets: { server: http.Server; host: string; hits: number }[] = [];
let dir: string;

async function target() {
  const t = {
    server: http.createServer((req, res) => (t.hits++, req.resume(), res.end("ok"))),
    host: "",
    hits: 0,
  };
  await new Promise<void>((r) => t.server.listen(0, "127.0.0.1", r));
  t.host = `127.0.0.1:${(t.server.address() as AddressInfo).port}`;
  targets.push(t);
  return t;
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "gov-scope-"));
});
afterEach(async () => {
  await enforce?.close();
  await Promise.all(targets.map((t) => new Promise((r) => t.server.close(r))));
  targets = [];
});

const env = (extra: Record<string, string> = {}) => ({
  GOVERNOR_GUARD: "http,exec,fs",
  GOVERNOR_GUARD_MODE: "enforce",
  GOVERNOR_ENFORCE_URL: enforce.url,
  GOVERNOR_CACHE_TTL_MS: "0",
  ...extra,
});

// Each step tries one side effect and reports "done" or the error's code and reason.
const STEPS = `
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
const rt = await import(__RUNTIME__);
const out = {};
const attempt = async (name, fn) => {
  try { await fn(); out[name] = "done"; } catch (e) { out[name] = e.code === "guard_blocked" ? "blocked:" + e.reason : (e.cause?.code === "guard_blocked" ? "blocked:" + e.cause.reason : e.name); }
};
const fetchIt = (host) => fetch("http://" + host + "/x?secret=q").then((r) => r.text());
const write = (f) => writeFileSync(f, "data");
const run = (marker) => { const r = spawnSync(process.execPath, ["-e", "require('fs').writeFileSync(process.argv[1], 'x')", marker]); if (r.error) throw r.error; };
`;

describe("intent scopes with the guards on", () => {
  it("inside an allowed scope the request, write and process happen; outside, none does and each is recorded", async () => {
    enforce = await startEnforce(() => allow("s-1"));
    const t = await target();
    const file = path.join(dir, "out", "a.txt");
    const marker = path.join(dir, "spawned");
    const res = await runChild(
      dir,
      "app.mjs",
      `${STEPS}
      import { mkdirSync } from "node:fs";
      await rt.intentScope({ action: "export", resource: { type: "report", hosts: [${JSON.stringify(t.host)}] } }, async () => {
        await attempt("fetch", () => fetchIt(${JSON.stringify(t.host)}));
        await attempt("mkdir", () => mkdirSync(${JSON.stringify(path.dirname(file))}));
        await attempt("write", () => write(${JSON.stringify(file)}));
        await attempt("spawn", () => run(${JSON.stringify(marker)}));
      });
      await attempt("fetch outside", () => fetchIt(${JSON.stringify(t.host)}));
      await attempt("write outside", () => write(${JSON.stringify(file + ".2")}));
      await attempt("spawn outside", () => run(${JSON.stringify(marker + ".2")}));
      console.log(JSON.stringify(out));`,
      env(),
    );
    expect(res.out).toEqual({
      fetch: "done",
      mkdir: "done",
      write: "done",
      spawn: "done",
      "fetch outside": "blocked:no_intent",
      "write outside": "blocked:no_intent",
      "spawn outside": "blocked:no_intent",
    });
    expect(t.hits).toBe(1);
    expect(existsSync(file) && existsSync(marker)).toBe(true);
    expect(existsSync(file + ".2") || existsSync(marker + ".2")).toBe(false);
    const lines = res.audit.filter((l) => l.type === "ungoverned");
    expect(lines.map((l) => [l.primitive, l.reason, l.blocked])).toEqual([
      ["http", "no_intent", true],
      ["fs", "no_intent", true],
      ["exec", "no_intent", true],
    ]);
    expect(lines[0]).toMatchObject({ target: t.host, method: "GET" });
    expect(JSON.stringify(res.audit)).not.toContain("secret=q");
    expect(JSON.stringify(res.audit)).not.toContain("writeFileSync(process.argv");
    // The scope's own decision is audited like a tool call's; the enforce call itself was never blocked.
    expect(res.audit.find((l) => l.gatedBy === "scope")).toMatchObject({
      tool: "export",
      decision: "ALLOW",
      requestId: "s-1",
    });
  });

  it("a DENY'd scope never runs its function; the narrowing to resource.hosts holds inside an allowed one", async () => {
    enforce = await startEnforce((req) => (req.body.action === "delete" ? deny("d-1") : allow()));
    const a = await target();
    const b = await target();
    const res = await runChild(
      dir,
      "app.mjs",
      `${STEPS}
      await attempt("denied scope", () => rt.intentScope({ action: "delete", resource: "records" }, () => fetchIt(${JSON.stringify(a.host)})));
      await rt.intentScope({ action: "sync", resource: { type: "crm", hosts: [${JSON.stringify(a.host)}] } }, async () => {
        await attempt("named host", () => fetchIt(${JSON.stringify(a.host)}));
        await attempt("other host", () => fetchIt(${JSON.stringify(b.host)}));
      });
      console.log(JSON.stringify(out));`,
      env(),
    );
    expect(res.out).toEqual({
      "denied scope": "GovernorDeniedError",
      "named host": "done",
      "other host": "blocked:outside_intent",
    });
    expect([a.hits, b.hits]).toEqual([1, 0]);
  });

  it("two scopes running at once each keep their own decision and hosts", async () => {
    enforce = await startEnforce((req) => allow(`r-${req.body.action}`));
    const a = await target();
    const b = await target();
    const res = await runChild(
      dir,
      "app.mjs",
      `${STEPS}
      let open; const barrier = new Promise((r) => (open = r));
      const job = (name, mine, theirs) => rt.intentScope({ action: name, resource: { type: "job", hosts: [mine] } }, async () => {
        await barrier;
        await attempt(name + " mine", () => fetchIt(mine));
        await attempt(name + " theirs", () => fetchIt(theirs));
        return rt.currentGrant().requestId;
      });
      const ja = job("alpha", ${JSON.stringify(a.host)}, ${JSON.stringify(b.host)});
      const jb = job("beta", ${JSON.stringify(b.host)}, ${JSON.stringify(a.host)});
      setTimeout(open, 0);
      out.ids = await Promise.all([ja, jb]);
      console.log(JSON.stringify(out));`,
      env(),
    );
    expect(res.out).toEqual({
      "alpha mine": "done",
      "alpha theirs": "blocked:outside_intent",
      "beta mine": "done",
      "beta theirs": "blocked:outside_intent",
      ids: ["r-alpha", "r-beta"],
    });
    expect([a.hits, b.hits]).toEqual([1, 1]);
  });

  it("once a signed decision expires, the scope's side effects stop, with no silent renewal", async () => {
    const key = "guard-decision-key-0123456789";
    enforce = await startEnforce((req) =>
      allow("s-9", {
        ...signDecision(key, {
          intent: req.body,
          decision: "ALLOW",
          requestId: "s-9",
          ttlMs: 60_000,
        }),
      }),
    );
    const t = await target();
    const res = await runChild(
      dir,
      "app.mjs",
      `${STEPS}
      await rt.intentScope({ action: "export", resource: "report" }, async () => {
        await attempt("before expiry", () => fetchIt(${JSON.stringify(t.host)}));
        const real = Date.now; Date.now = () => real() + 120_000; // the decision's 60 s have passed
        await attempt("after expiry", () => fetchIt(${JSON.stringify(t.host)}));
        await attempt("write after expiry", () => write(${JSON.stringify(path.join(dir, "late.txt"))}));
        Date.now = real;
      });
      console.log(JSON.stringify(out));`,
      env({ GOVERNOR_DECISION_KEY: key }),
    );
    expect(res.out).toEqual({
      "before expiry": "done",
      "after expiry": "blocked:expired",
      "write after expiry": "blocked:expired",
    });
    expect(t.hits).toBe(1);
    expect(enforce.requests).toHaveLength(1);
    expect(existsSync(path.join(dir, "late.txt"))).toBe(false);
    expect(res.audit.filter((l) => l.type === "ungoverned")[0]).toMatchObject({
      reason: "expired",
      within: "scope export",
      requestId: "s-9",
      blocked: true,
    });
  });

  it("observe mode lets ungoverned side effects happen and records them; a gated tool's body makes its own call", async () => {
    enforce = await startEnforce(() => allow("t-1"));
    const t = await target();
    const res = await runChild(
      dir,
      "app.mjs",
      `${STEPS}
      await attempt("outside", () => fetchIt(${JSON.stringify(t.host)}));
      const lookup = rt.gate("lookup_order", async (input) => fetchIt(${JSON.stringify(t.host)}));
      await attempt("tool body", () => lookup({ id: 1 }));
      console.log(JSON.stringify(out));`,
      env({ GOVERNOR_GUARD_MODE: "observe" }),
    );
    expect(res.out).toEqual({ outside: "done", "tool body": "done" });
    expect(t.hits).toBe(2);
    expect(
      res.audit.filter((l) => l.type === "ungoverned").map((l) => [l.reason, l.blocked, l.mode]),
    ).toEqual([["no_intent", false, "observe"]]);
    expect(res.stderr).toContain(
      "governor guard (observe): let through an outbound HTTP request (GET",
    );
    // In enforce mode too, the allowed tool's body makes its call while the same call outside is refused.
    const enforced = await runChild(
      dir,
      "app2.mjs",
      `${STEPS}
      const lookup = rt.gate("lookup_order", async (input) => fetchIt(${JSON.stringify(t.host)}));
      await attempt("tool body", () => lookup({ id: 1 }));
      await attempt("outside", () => fetchIt(${JSON.stringify(t.host)}));
      console.log(JSON.stringify(out));`,
      env({ GOVERNOR_AUDIT_LOG: path.join(dir, "audit2.jsonl") }),
    );
    expect(enforced.out).toEqual({ "tool body": "done", outside: "blocked:no_intent" });
    expect(t.hits).toBe(3);
  });

  it("with the governor's config invalid the guards stay on, and the record reaches stderr and the audit log", async () => {
    const t = await target();
    enforce = await startEnforce(() => allow());
    const res = await runChild(
      dir,
      "app.mjs",
      `${STEPS}
      await attempt("outside", () => fetchIt(${JSON.stringify(t.host)}));
      const tool = rt.gate("lookup", async () => fetchIt(${JSON.stringify(t.host)}));
      await attempt("tool", () => tool({}));
      console.log(JSON.stringify(out));`,
      { GOVERNOR_GUARD: "http", GOVERNOR_GUARD_MODE: "enforce" },
    );
    expect(res.out).toEqual({ outside: "blocked:no_intent", tool: "GovernorConfigError" });
    expect(t.hits).toBe(0);
    expect(res.stderr).toContain("governor guard (enforce): blocked an outbound HTTP request");
    expect(res.audit.filter((l) => l.type === "ungoverned")).toHaveLength(1);
  });

  it("GOVERNOR_GUARD set after the runtime loaded (dotenv) takes effect when the default governor is made", async () => {
    enforce = await startEnforce(() => allow());
    const file = path.join(dir, "late.txt");
    const res = await runChild(
      dir,
      "app.mjs",
      `${STEPS}
      process.env.GOVERNOR_GUARD = "fs"; process.env.GOVERNOR_GUARD_MODE = "enforce";
      rt.getDefaultGovernor();
      await attempt("write", () => write(${JSON.stringify(file)}));
      console.log(JSON.stringify(out));`,
      { GOVERNOR_ENFORCE_URL: enforce.url },
    );
    expect(res.out).toEqual({ write: "blocked:no_intent" });
    expect(existsSync(file)).toBe(false);
  });

  it("the first install wins across the ESM and CJS bundles, and a later governor's different guard is named", async () => {
    enforce = await startEnforce(() => allow());
    const file = path.join(dir, "x.txt");
    const res = await runChild(
      dir,
      "app.mjs",
      `${STEPS}
      import { createRequire } from "node:module";
      const cjs = createRequire(import.meta.url)(__RUNTIME_CJS__);
      const g = cjs.createGovernor({ guard: { on: ["http"], mode: "observe" } });
      await attempt("write", () => write(${JSON.stringify(file)}));
      await attempt("cjs scope write", () => cjs.intentScope({ action: "save", resource: "file" }, () => write(${JSON.stringify(file)})));
      await g.close();
      console.log(JSON.stringify(out));`,
      env({ GOVERNOR_GUARD: "fs" }),
    );
    expect(res.out).toEqual({ write: "blocked:no_intent", "cjs scope write": "done" });
    expect(res.stderr).toContain(
      "guards are already on in this process as fs (enforce); the first install wins, so http (observe) is ignored",
    );
  });
});

describe("a scope ends when its function returns", () => {
  it("a timer or a server it left running cannot act on its decision afterwards; an iterator's steps can until it is done", async () => {
    enforce = await startEnforce(() => allow("s-end"));
    const t = await target();
    const res = await runChild(
      dir,
      "app.mjs",
      `${STEPS}
      import http from "node:http";
      let fire; const fired = new Promise((r) => (fire = r));
      let go; const later = new Promise((r) => (go = r));
      let inbound;
      await rt.intentScope({ action: "boot", resource: "service" }, async () => {
        // Work it leaves behind, to run once it has returned (a timer, a callback, a .then).
        later.then(() => new Promise((r) => setTimeout(r, 0))).then(() => attempt("timer after return", () => fetchIt(${JSON.stringify(t.host)}))).then(fire);
        inbound = http.createServer((req, res) => attempt("request handler", () => fetchIt(${JSON.stringify(t.host)})).then(() => res.end("x")));
        await new Promise((r) => inbound.listen(0, "127.0.0.1", r));
        await attempt("inside", () => fetchIt(${JSON.stringify(t.host)}));
      });
      go();
      await fired;
      // An inbound request, sent over a raw socket (the guards do not see those): only the handler's fetch is judged.
      const net = await import("node:net");
      await new Promise((r, j) => net.connect(inbound.address().port, "127.0.0.1", function () { this.end("GET / HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n"); }).on("error", j).on("close", r).resume());
      inbound.close();
      const it = await rt.intentScope({ action: "stream", resource: "feed" }, async function* () {
        await attempt("step 1", () => fetchIt(${JSON.stringify(t.host)}));
        yield 1;
        await attempt("step 2", () => fetchIt(${JSON.stringify(t.host)}));
        yield 2;
      });
      for await (const _ of it);
      console.log(JSON.stringify(out));`,
      env(),
    );
    expect(res.stderr).toContain("scope boot had already ended");
    expect(res.out).toEqual({
      inside: "done",
      "timer after return": "blocked:ended",
      "request handler": "blocked:ended",
      "step 1": "done",
      "step 2": "done",
    });
    expect(t.hits).toBe(3);
  });
});

describe("unix sockets", () => {
  it("a request over a unix socket is judged by its path, not the 'localhost' it claims", async () => {
    enforce = await startEnforce(() => allow());
    const sock = path.join(dir, "daemon.sock");
    let hits = 0;
    const daemon = http.createServer((_req, res) => (hits++, res.end("ok")));
    await new Promise<void>((r) => daemon.listen(sock, r));
    try {
      const script = `${STEPS}
        import http from "node:http";
        const get = () => new Promise((r, j) => http.get({ socketPath: ${JSON.stringify(sock)}, path: "/containers/json" }, (res) => res.resume().on("end", r)).on("error", j));
        await attempt("outside", get);
        await attempt("scope naming localhost", () => rt.intentScope({ action: "list", resource: { type: "containers", hosts: ["localhost"] } }, get));
        await attempt("scope naming the socket", () => rt.intentScope({ action: "list", resource: { type: "containers", hosts: ["unix:" + ${JSON.stringify(sock)}] } }, get));
        console.log(JSON.stringify(out));`;
      const res = await runChild(
        dir,
        "app.mjs",
        script,
        env({ GOVERNOR_GUARD_ALLOW: "localhost" }),
      );
      expect(res.out).toEqual({
        outside: "blocked:no_intent",
        "scope naming localhost": "blocked:outside_intent",
        "scope naming the socket": "done",
      });
      expect(res.audit.find((l) => l.type === "ungoverned")).toMatchObject({
        target: `unix:${sock}`,
        method: "GET",
        blocked: true,
      });
      const allowed = await runChild(
        dir,
        "app2.mjs",
        script,
        env({
          GOVERNOR_GUARD_ALLOW: `unix:${sock}`,
          GOVERNOR_AUDIT_LOG: path.join(dir, "a2.jsonl"),
        }),
      );
      expect(allowed.out).toMatchObject({ outside: "done" });
      expect(hits).toBe(1 + 3);
    } finally {
      await new Promise((r) => daemon.close(r));
    }
  });
});

describe("a tool call ends when its body settles", () => {
  it("a timer the tool left running is refused as ended; a scope started from leftover work stands on its own", async () => {
    enforce = await startEnforce((req) => allow(`r-${req.body.action}`));
    const t = await target();
    const res = await runChild(
      dir,
      "app.mjs",
      `${STEPS}
      let fire; const fired = new Promise((r) => (fire = r));
      let go; const later = new Promise((r) => (go = r));
      const tool = rt.gate("sync_orders", async () => {
        later.then(async () => {
          await attempt("tool leftover", () => fetchIt(${JSON.stringify(t.host)}));
          await attempt("own scope from leftover", () => rt.intentScope({ action: "refresh", resource: "cache" }, () => fetchIt(${JSON.stringify(t.host)})));
          fire();
        });
        return "ok";
      });
      await tool();
      go();
      await fired;
      console.log(JSON.stringify(out));`,
      env(),
    );
    expect(res.out).toEqual({
      "tool leftover": "blocked:ended",
      "own scope from leftover": "done",
    });
    expect(t.hits).toBe(1);
    expect(res.audit.find((l) => l.type === "ungoverned")).toMatchObject({
      reason: "ended",
      within: "tool sync_orders",
    });
  });
});

describe("governed calls with no guard settings at all", () => {
  it("tool calls carry no grant (no promise hooks turned on), and a refusal in a tool says how to change that", async () => {
    enforce = await startEnforce(() => allow("t-2"));
    const file = path.join(dir, "x.txt");
    const res = await runChild(
      dir,
      "app.mjs",
      `${STEPS}
      const tool = rt.gate("save", async () => { out.grant = rt.currentGrant(); return rt.governedWriteFile(${JSON.stringify(file)}, "data"); });
      try { await tool(); out.result = "done"; } catch (e) { out.result = e.code; out.hint = e.message.includes("set GOVERNOR_GUARD_MODE=enforce"); }
      out.scope = await rt.intentScope({ action: "save", resource: "file" }, () => rt.governedWriteFile(${JSON.stringify(file)}, "data").then(() => "done"));
      console.log(JSON.stringify(out));`,
      { GOVERNOR_ENFORCE_URL: enforce.url },
    );
    expect(res.out).toEqual({ grant: null, result: "guard_blocked", hint: true, scope: "done" });
  });
});
