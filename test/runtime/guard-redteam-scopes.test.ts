// Red-team cases for intent scopes and grants, in real child processes against the built runtime.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { allow, deny, startEnforce, type EnforceServer } from "../support/enforce-server.js";
import { runChild } from "./guard-child.js";
import { parseAllow, resolveGuard } from "../../src/runtime/guard/config.js";

let enforce: EnforceServer;
let server: http.Server;
let host: string;
let hits: number;
let dir: string;

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "gov-rt-scope-"));
  hits = 0;
  server = http.createServer((req, res) => (hits++, req.resume(), res.end("ok")));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  await enforce?.close();
  await new Promise((r) => server.close(r));
});

const env = (extra: Record<string, string> = {}) => ({
  GOVERNOR_GUARD: "http",
  GOVERNOR_GUARD_MODE: "enforce",
  GOVERNOR_ENFORCE_URL: enforce.url,
  GOVERNOR_CACHE_TTL_MS: "0",
  ...extra,
});
const HEAD = `
const rt = await import(__RUNTIME__);
const out = {};
const attempt = async (name, fn) => { try { out[name] = await fn(); } catch (e) { out[name] = e.code === "guard_blocked" ? "blocked:" + e.reason : e.name; } };
`;

it("a lazy thenable (a query builder) or a generator returned by the scope's fn runs under the grant", async () => {
  enforce = await startEnforce(() => allow("s-1"));
  const res = await runChild(
    dir,
    "app.mjs",
    `${HEAD}
    const f = () => fetch("http://${host}/x").then((r) => r.text());
    await attempt("thenable", () => rt.intentScope({ action: "query" }, () => ({ then(ok, bad) { f().then(ok, bad); } })));
    await attempt("throwing then", () => rt.intentScope({ action: "query" }, () => ({ then() { throw new RangeError("t"); } })));
    await attempt("plain object", () => rt.intentScope({ action: "query" }, () => ({ then: 1 })).then((v) => typeof v));
    function* steps() { yield f(); }
    await attempt("generator", () => rt.intentScope({ action: "query" }, steps).then((it) => [...it][0]));
    console.log(JSON.stringify(out));`,
    env(),
  );
  expect(res.out).toEqual({
    thenable: "ok",
    "throwing then": "RangeError",
    "plain object": "object",
    generator: "ok",
  });
  expect(hits).toBe(2);
});

it("a cached ALLOW is not reused past its expires_at (signed or not): a new scope asks enforce again", async () => {
  const past = new Date(Date.now() - 60_000).toISOString();
  const future = new Date(Date.now() + 600_000).toISOString();
  enforce = await startEnforce((_req, n) =>
    allow(`s-${n}`, { expires_at: n === 1 ? past : future }),
  );
  const res = await runChild(
    dir,
    "app.mjs",
    `${HEAD}
    const f = () => fetch("http://${host}/x").then((r) => r.text());
    await attempt("first", () => rt.intentScope({ action: "sync" }, f));
    await attempt("second", () => rt.intentScope({ action: "sync" }, f));
    console.log(JSON.stringify(out));`,
    env({ GOVERNOR_CACHE_TTL_MS: "600000" }),
  );
  expect(res.out).toEqual({ first: "blocked:expired", second: "ok" });
  expect(enforce.requests.length).toBe(2);
  expect(hits).toBe(1);
});

it("a scope or tool DENY'd in observe mode inside an allowed, narrowed scope does not widen it", async () => {
  enforce = await startEnforce((req) =>
    req.body.action === "inner" || req.body.resource?.name === "risky_fetch"
      ? deny("d-1")
      : allow("a-1"),
  );
  const res = await runChild(
    dir,
    "app.mjs",
    `${HEAD}
    const f = () => fetch("http://${host}/x").then((r) => r.text());
    const outer = (fn) => rt.intentScope({ action: "outer", resource: { type: "x", hosts: ["api.example.com"] } }, fn);
    await attempt("inner", () => outer(() => rt.intentScope({ action: "inner" }, f)));
    await attempt("inner unnarrowed", () => rt.intentScope({ action: "outer" }, () => rt.intentScope({ action: "inner" }, f)));
    const tool = rt.gate("risky_fetch", async () => f());
    await attempt("observe tool", () => outer(() => tool()));
    console.log(JSON.stringify(out));`,
    env({ GOVERNOR_MODE: "observe" }),
  );
  expect(res.out).toEqual({
    inner: "blocked:outside_intent",
    "inner unnarrowed": "ok",
    "observe tool": "blocked:outside_intent",
  });
  expect(hits).toBe(1);
  const lines = res.audit
    .filter((l) => l.type === "ungoverned")
    .map((l) => [l.reason, l.blocked, l.within]);
  // A refusal names the grant whose narrowing refused it: the outer scope's.
  expect(lines).toEqual([
    ["outside_intent", true, "scope outer"],
    ["observe", false, "scope inner"],
    ["outside_intent", true, "scope outer"],
  ]);
});

it("GOVERNOR_GUARD_ALLOW: ~ needs an absolute HOME and never means the cwd or /; ~user, .host and padded exec: entries are not silently wrong", () => {
  const allowOf = (raw: string, env: Record<string, string>) => {
    const problems: string[] = [];
    return { ...parseAllow(raw, env, "/work/app", problems), problems: problems.length };
  };
  expect(allowOf("~, ~/cache", { HOME: "/home/a" })).toMatchObject({
    paths: ["/home/a", "/home/a/cache"],
    problems: 0,
  });
  expect(allowOf("~, ~/x", {})).toMatchObject({ paths: [], problems: 2 });
  expect(allowOf("~/x", { HOME: "rel" })).toMatchObject({ paths: [], problems: 1 });
  expect(allowOf("~bob/y", { HOME: "/home/a" })).toMatchObject({ paths: [], problems: 1 });
  expect(allowOf(".example.com", {})).toMatchObject({ hosts: [], problems: 1 });
  expect(allowOf("exec: git , [::1]:8080, /tmp/a b", {})).toMatchObject({
    commands: ["git"],
    hosts: ["[::1]:8080"],
    paths: ["/tmp/a b"],
    problems: 0,
  });
});

it("GOVERNOR_GUARD and GOVERNOR_GUARD_MODE ignore case and spaces; an unreadable mode installs the guards enforcing, never only observing", () => {
  const guard = (env: Record<string, string>, gate: "enforce" | "observe" = "observe") => {
    const problems: string[] = [];
    const spec = resolveGuard(undefined, gate, env, "/work/app", problems, []);
    return { primitives: spec?.primitives, mode: spec?.mode, problems: problems.length };
  };
  expect(guard({ GOVERNOR_GUARD: " http , FS ", GOVERNOR_GUARD_MODE: " Enforce " })).toEqual({
    primitives: ["http", "fs"],
    mode: "enforce",
    problems: 0,
  });
  expect(guard({ GOVERNOR_GUARD: "http", GOVERNOR_GUARD_MODE: "OBSERVE" }, "enforce")).toEqual({
    primitives: ["http"],
    mode: "observe",
    problems: 0,
  });
  expect(guard({ GOVERNOR_GUARD: "http", GOVERNOR_GUARD_MODE: "enforcing" })).toEqual({
    primitives: ["http"],
    mode: "enforce",
    problems: 1,
  });
});

it("a second install with the same guards but another allowlist says its allowlist is ignored (first install wins)", async () => {
  enforce = await startEnforce(() => allow("s-1"));
  const res = await runChild(
    dir,
    "app.mjs",
    `${HEAD}
    const g = rt.createGovernor({ guard: { on: "http", allow: ["${host}"] } });
    await attempt("fetch", () => fetch("http://${host}/x").then((r) => r.text()));
    console.log(JSON.stringify(out));`,
    env(),
  );
  expect(res.out).toEqual({ fetch: "blocked:no_intent" });
  expect(res.stderr).toContain("with another allowlist; the first install wins");
  expect(hits).toBe(0);
});
