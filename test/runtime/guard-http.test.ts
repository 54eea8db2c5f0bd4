// The http guard, in child processes running the built runtime against real loopback servers: a
// plain http target that counts connections and requests, and a TCP port standing in for an https
// one (it counts connections, then hangs up). Guards patch process globals, so never in this worker.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { AddressInfo } from "node:net";
import { allow, deny, startEnforce, type EnforceServer } from "../support/enforce-server.js";
import { tmp } from "./helpers.js";
import { governedFetch } from "../../src/runtime/guard/explicit-http.js";
import type { AdmitState } from "../../src/runtime/guard/state.js";
import { GovernorGuardError } from "../../src/runtime/errors.js";
import { runGranted, type Grant } from "../../src/runtime/grant.js";
import type { UngovernedRecord } from "../../src/runtime/guard/state.js";

const root = path.resolve(__dirname, "../..");
const fixtures = path.join(root, "test/fixtures/guard");
const RUNTIME = pathToFileURL(path.join(root, "dist/runtime/index.js")).href;
const RUNTIME_CJS = path.join(root, "dist/runtime/index.cjs");

interface Target {
  url: string;
  host: string;
  connections: number;
  requests: number;
  reset(): void;
  close(): Promise<void>;
}

async function httpTarget(): Promise<Target> {
  const server = http.createServer((req, res) => {
    t.requests++;
    req.resume();
    req.on("end", () => res.end("ok"));
  });
  server.on("connection", () => t.connections++);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  const t: Target = {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    connections: 0,
    requests: 0,
    reset: () => void ((t.connections = 0), (t.requests = 0)),
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
  return t;
}

async function tlsTarget(): Promise<Target> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    t.connections++;
    sockets.add(s);
    s.on("error", () => {});
    s.destroy();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  const t: Target = {
    url: `https://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    connections: 0,
    requests: 0,
    reset: () => void (t.connections = 0),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
  return t;
}

let target: Target;
let tls: Target;
let enforce: EnforceServer;
beforeAll(async () => {
  target = await httpTarget();
  tls = await tlsTarget();
  enforce = await startEnforce(() => allow("req-http"));
});
afterAll(async () => {
  await Promise.all([target.close(), tls.close(), enforce.close()]);
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  out: any;
  audit: any[];
  auditText: string;
}

function run(fixture: string, env: Record<string, string>): Promise<Run> {
  target.reset();
  tls.reset();
  enforce.requests.length = 0;
  const audit = path.join(tmp(), "audit.jsonl");
  const child = spawn(process.execPath, [path.join(fixtures, fixture)], {
    cwd: fixtures,
    env: {
      PATH: process.env.PATH ?? "",
      RUNTIME,
      RUNTIME_CJS,
      TARGET: target.url,
      TLS_TARGET: tls.url,
      GOVERNOR_GUARD: "http",
      GOVERNOR_AUDIT_LOG: audit,
      GOVERNOR_ENFORCE_URL: enforce.url,
      GOVERNOR_API_KEY: "test-key",
      ...env,
    },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  return new Promise((resolve) => {
    child.on("close", (code) => {
      const auditText = existsSync(audit) ? readFileSync(audit, "utf8") : "";
      const lines = auditText
        .trim()
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l));
      let out: unknown;
      try {
        out = JSON.parse(stdout);
      } catch {
        out = undefined;
      }
      resolve({ code, stdout, stderr, out, audit: lines, auditText });
    });
  });
}

const ok = (r: Run) => {
  if (r.code !== 0 || r.out === undefined)
    throw new Error(`child failed (${r.code}): ${r.stderr}\n${r.stdout}`);
  return r;
};

// Node's global fetch and undici.fetch report a dispatcher's error as TypeError("fetch failed") with
// it as the cause (a fetch captured before governor loaded keeps that shape); governor's own fetch
// rejects with the refusal itself.
const CAUSE = new Set(["captured fetch", "undici.fetch"]);
const HTTP_CASES = 9;
const TLS_CASES = 2;

describe("http guard, enforce mode, outside any scope", () => {
  it("refuses every kind of request before it connects and records each once, with no query string or body", async () => {
    const r = ok(await run("http-cases.mjs", { GOVERNOR_GUARD_MODE: "enforce" }));
    expect(Object.keys(r.out)).toHaveLength(HTTP_CASES + TLS_CASES);
    for (const [name, res] of Object.entries<any>(r.out)) {
      expect({ name, ...res }).toMatchObject({
        name,
        ok: false,
        guard: CAUSE.has(name) ? "cause" : "direct",
        reason: "no_intent",
        recorded: 1,
      });
    }
    expect(target.connections).toBe(0);
    expect(tls.connections).toBe(0);
    expect(r.audit).toHaveLength(HTTP_CASES + TLS_CASES);
    expect(r.audit[0]).toEqual({
      time: expect.any(String),
      type: "ungoverned",
      primitive: "http",
      target: target.host,
      method: "POST",
      reason: "no_intent",
      blocked: true,
      mode: "enforce",
    });
    expect(r.audit.filter((l) => l.target === tls.host)).toHaveLength(TLS_CASES);
    expect(r.audit.map((l) => l.method)).toEqual([
      "POST",
      "POST",
      "POST",
      "POST",
      "POST",
      "POST",
      "POST",
      "GET",
      "POST",
      "POST",
      "GET",
    ]);
    expect(r.auditText).not.toMatch(/secret|orders/);
    expect(r.stderr).toMatch(
      /governor guard \(enforce\): blocked an outbound HTTP request \(POST 127\.0\.0\.1:\d+\)/,
    );
  });

  it("covers require() in CommonJS", async () => {
    const r = ok(await run("http-cases.cjs", { GOVERNOR_GUARD_MODE: "enforce" }));
    for (const res of Object.values<any>(r.out))
      expect(res).toMatchObject({ ok: false, guard: "direct", reason: "no_intent", recorded: 1 });
    expect(target.connections + tls.connections).toBe(0);
    expect(r.audit.map((l) => [l.target, l.method, l.blocked])).toEqual([
      [target.host, "POST", true],
      [tls.host, "POST", true],
      [target.host, "POST", true],
    ]);
  });

  it("wraps a dispatcher the app sets later, refuses through both handler APIs, and keeps fetch's name and length", async () => {
    const r = ok(await run("http-dispatcher.mjs", { GOVERNOR_GUARD_MODE: "enforce" }));
    expect(r.out.bundled).toEqual({
      isNpmAgent: false,
      oldApi: "onError guard",
      newApi: "onResponseError guard",
    });
    expect(r.out.afterSet).toEqual({
      fetch: { ok: false, guard: true },
      request: { ok: false, guard: true },
      dispatched: 0,
      handlers: { oldApi: "onError guard", newApi: "onResponseError guard" },
    });
    expect(r.out.fetchName).toBe("fetch");
    expect(r.out.fetchLength).toBe(r.out.originalFetchLength);
  });

  it("an intentScope's entry wraps a dispatcher set just before it (undici.request, no hooked call in between)", async () => {
    const r = ok(await run("http-dispatcher.mjs", { GOVERNOR_GUARD_MODE: "enforce" }));
    expect(r.out.scopeEntry).toEqual({ request: { ok: false, guard: true }, dispatched: 0 });
    expect(target.connections).toBe(0);
  });
});

describe("http guard, observe mode", () => {
  it("lets every request through and records each once as ungoverned", async () => {
    const r = ok(await run("http-cases.mjs", { GOVERNOR_GUARD_MODE: "observe" }));
    for (const [name, res] of Object.entries<any>(r.out)) {
      const tlsCase = name.startsWith("https");
      // The TLS stand-in hangs up: those reach it and then fail on their own, not by the guard.
      expect({ name, ...res }).toMatchObject(
        tlsCase
          ? { name, ok: false, guard: null, recorded: 1 }
          : { name, ok: true, status: 200, recorded: 1 },
      );
    }
    expect(target.requests).toBe(HTTP_CASES);
    expect(tls.connections).toBe(TLS_CASES);
    expect(r.audit).toHaveLength(HTTP_CASES + TLS_CASES);
    expect(r.audit[0]).toMatchObject({
      type: "ungoverned",
      primitive: "http",
      target: target.host,
      method: "POST",
      reason: "no_intent",
      blocked: false,
      mode: "observe",
    });
  });

  it("a dispatcher the app sets is wrapped, not replaced: requests still go through it", async () => {
    const r = ok(await run("http-dispatcher.mjs", { GOVERNOR_GUARD_MODE: "observe" }));
    expect(r.out.afterSet).toEqual({
      fetch: { ok: true, status: 200 },
      request: { ok: true, status: 200 },
      dispatched: 2,
      handlers: {},
    });
    expect(r.out.scopeEntry).toEqual({ request: { ok: true, status: 200 }, dispatched: 1 });
  });
});

describe("http guard, let through", () => {
  it("GOVERNOR_GUARD_ALLOW lets the host through unrecorded", async () => {
    const r = ok(
      await run("http-cases.mjs", {
        GOVERNOR_GUARD_MODE: "enforce",
        GOVERNOR_GUARD_ALLOW: `${target.host},${tls.host}`,
      }),
    );
    for (const [name, res] of Object.entries<any>(r.out)) {
      expect({ name, ...res }).toMatchObject(
        name.startsWith("https")
          ? { name, guard: null, recorded: 0 }
          : { name, ok: true, status: 200, recorded: 0 },
      );
    }
    expect(target.requests).toBe(HTTP_CASES);
    expect(tls.connections).toBe(TLS_CASES);
    expect(r.audit).toEqual([]);
  });

  it("reaches the original functions with the same arguments, this and return value", async () => {
    const r = ok(
      await run("http-passthrough.mjs", {
        GOVERNOR_GUARD_MODE: "enforce",
        GOVERNOR_GUARD_ALLOW: "127.0.0.1",
      }),
    );
    expect(r.out).toEqual({
      request: { sameArgs: true, sameThis: true, sameReturn: true },
      get: { sameArgs: true, sameReturn: true },
      httpsRequest: { sameArgs: true, sameReturn: true },
      fetch: { sameArgs: true, sameResponse: true, status: 200 },
      fetchError: { same: true, name: "TypeError" },
      recorded: 0,
    });
  });

  it("inside an allowed intentScope that names the hosts, every request goes through unrecorded", async () => {
    const r = ok(await run("http-cases.mjs", { GOVERNOR_GUARD_MODE: "enforce", WITHIN: "scope" }));
    for (const [name, res] of Object.entries<any>(r.out)) {
      expect({ name, ...res }).toMatchObject(
        name.startsWith("https")
          ? { name, guard: null, recorded: 0 }
          : { name, ok: true, status: 200, recorded: 0 },
      );
    }
    expect(target.requests).toBe(HTTP_CASES);
    expect(tls.connections).toBe(TLS_CASES);
    expect(enforce.requests[0]?.body).toMatchObject({
      action: "sync",
      resource: { type: "orders", hosts: [target.host, tls.host] },
    });
    expect(r.audit.filter((l) => l.type === "ungoverned")).toEqual([]);
  });

  it("a gated tool's body makes its own requests, and the tool's enforce call is never blocked", async () => {
    const r = ok(await run("http-cases.mjs", { GOVERNOR_GUARD_MODE: "enforce", WITHIN: "tool" }));
    for (const [name, res] of Object.entries<any>(r.out)) {
      expect({ name, ...res }).toMatchObject(
        name.startsWith("https")
          ? { name, guard: null, recorded: 0 }
          : { name, ok: true, status: 200, recorded: 0 },
      );
    }
    expect(enforce.requests.length).toBeGreaterThan(0);
    expect(enforce.requests.every((q) => q.body.resource?.name === "sync_orders")).toBe(true);
    expect(target.requests).toBe(HTTP_CASES);
    expect(r.audit.filter((l) => l.type === "ungoverned")).toEqual([]);
  });

  it("a scope whose intent names other hosts refuses them (outside_intent), before they connect", async () => {
    const r = ok(await run("http-cases.mjs", { GOVERNOR_GUARD_MODE: "enforce", WITHIN: "narrow" }));
    for (const [name, res] of Object.entries<any>(r.out)) {
      expect({ name, ...res }).toMatchObject({
        name,
        ok: false,
        guard: CAUSE.has(name) ? "cause" : "direct",
        reason: "outside_intent",
        recorded: 1,
      });
    }
    expect(target.connections + tls.connections).toBe(0);
    expect(r.audit.filter((l) => l.type === "ungoverned")[0]).toMatchObject({
      target: target.host,
      reason: "outside_intent",
      blocked: true,
      within: "scope sync",
      requestId: "req-http",
    });
  });

  it("a DENY'd gated tool's body never runs, so nothing is sent", async () => {
    enforce.respond = () => deny("req-deny");
    try {
      const r = ok(await run("http-cases.mjs", { GOVERNOR_GUARD_MODE: "enforce", WITHIN: "tool" }));
      for (const res of Object.values<any>(r.out))
        expect(res).toMatchObject({ ok: false, error: "GovernorDeniedError", recorded: 0 });
      expect(target.connections + tls.connections).toBe(0);
    } finally {
      enforce.respond = () => allow("req-http");
    }
  });
});

describe("governedFetch", () => {
  // In this worker no guard is installed (nothing is patched): governedFetch checks the state it is given.
  const state = (mode: "enforce" | "observe") => {
    const records: UngovernedRecord[] = [];
    const st: AdmitState = {
      mode,
      allow: { hosts: [], paths: [], commands: [] },
      warn: () => {},
      record: (r) => void records.push(r),
    };
    return { st, records };
  };

  it("without the http guard: refuses against the given state before anything connects", async () => {
    target.reset();
    const { st, records } = state("enforce");
    const err = await governedFetch(
      `${target.url}/orders?token=secret-query`,
      { method: "POST", body: "secret-body" },
      st,
    ).catch((e) => e);
    expect(err).toBeInstanceOf(GovernorGuardError);
    expect(err).toMatchObject({
      code: "guard_blocked",
      primitive: "http",
      target: target.host,
      reason: "no_intent",
    });
    expect(target.connections).toBe(0);
    expect(records).toEqual([
      expect.objectContaining({
        type: "ungoverned",
        primitive: "http",
        target: target.host,
        method: "POST",
        reason: "no_intent",
        blocked: true,
      }),
    ]);
  });

  it("without the http guard: observe records and fetches; an allowed grant fetches unrecorded", async () => {
    target.reset();
    const observe = state("observe");
    expect((await governedFetch(`${target.url}/a`, undefined, observe.st)).status).toBe(200);
    expect(observe.records).toEqual([
      expect.objectContaining({ target: target.host, method: "GET", blocked: false }),
    ]);
    const enforce = state("enforce");
    const grant: Grant = {
      kind: "scope",
      name: "sync",
      source: "enforced",
      requestId: "r-1",
      hosts: [target.host],
    };
    const res = await runGranted(grant, () =>
      governedFetch(
        new Request(`${target.url}/b`, { method: "PUT", body: "x" }),
        undefined,
        enforce.st,
      ),
    );
    expect(res.status).toBe(200);
    expect(enforce.records).toEqual([]);
    expect(target.requests).toBe(2);
  });

  it("with the http guard installed: the hooked fetch's one check, rejecting with the refusal itself", async () => {
    const r = ok(await run("http-explicit.mjs", { GOVERNOR_GUARD_MODE: "enforce" }));
    expect(r.out).toEqual({
      exported: true,
      outside: { ok: false, guard: true, reason: "no_intent", recorded: 1 },
      inside: { ok: true, status: 200, recorded: 0 },
    });
    expect(target.requests).toBe(1);
  });
});
