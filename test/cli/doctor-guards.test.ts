// doctor's guards check through the real CLI: which guards the environment turns on (mode, allowlist),
// and the ungoverned records of a real audit log file, against a real `governor serve`.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { policies, root, run, serve, type Served } from "./helpers.js";

const KEY = "sk-doctor-guards-0123456789";
let srv: Served;
let project: string;

function makeProject(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "governor-doctor-guards-"));
  writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify({
      name: "workflow",
      type: "module",
      main: "index.js",
      dependencies: { governor: "^0.1.0" },
    }),
  );
  writeFileSync(
    path.join(dir, "index.js"),
    'import "governor/register";\nimport { intentScope } from "governor/runtime";\nawait intentScope({ action: "sync", resource: "crm" }, () => fetch("https://crm.example.com"));\n',
  );
  mkdirSync(path.join(dir, "node_modules"));
  symlinkSync(root, path.join(dir, "node_modules", "governor"), "dir");
  return dir;
}

const rec = (o: Record<string, unknown>) =>
  JSON.stringify({ time: "2025-01-02T03:04:05.000Z", type: "ungoverned", ...o });

/** An audit log file in the project: gate records, ungoverned records, and a torn last line. */
function auditLog(name: string, lines: string[]): string {
  const file = path.join(project, name);
  writeFileSync(file, lines.join("\n") + "\n");
  return file;
}

const doctor = (env: Record<string, string>, args: string[] = []) =>
  run(["doctor", "--cwd", project, "--json", "--samples", "1", ...args], {
    env: { GOVERNOR_ENFORCE_URL: srv.url, GOVERNOR_API_KEY: KEY, ...env },
  });
const guards = (stdout: string) =>
  JSON.parse(stdout).checks.find((c: { id: string }) => c.id === "guards");

beforeAll(async () => {
  project = makeProject();
  srv = await serve(["--policy", path.join(policies, "basic.yaml")], {
    GOVERNOR_SERVE_API_KEY: KEY,
  });
});
afterAll(async () => {
  await srv?.stop();
  rmSync(project, { recursive: true, force: true });
});

describe.concurrent("doctor guards", { timeout: 120_000 }, () => {
  it("no guard on: a skip that says how to turn them on; the exit code stays 0", async () => {
    const r = await doctor({});
    expect(r.code, r.stdout).toBe(0);
    const c = guards(r.stdout);
    expect(c.status).toBe("skip");
    expect(c.message).toMatch(/^guards are off: set GOVERNOR_GUARD=http,exec,fs/);
    // in the text report too
    const t = await run(["doctor", "--cwd", project, "--samples", "1"], {
      env: { GOVERNOR_ENFORCE_URL: srv.url, GOVERNOR_API_KEY: KEY },
    });
    expect(t.stdout).toMatch(/- skip\s+guards\s+guards are off: set GOVERNOR_GUARD=http,exec,fs/);
  });

  it("guards on in enforce mode: names them, the allowlist, and counts the log's ungoverned records (all blocked: pass)", async () => {
    const log = auditLog("enforce.jsonl", [
      JSON.stringify({
        time: "2025-01-02T03:04:05.000Z",
        tool: "lookup",
        intent: null,
        decision: "ALLOW",
        outcome: "executed",
        requestId: "r-1",
        latencyMs: 1,
        mode: "enforce",
        cached: false,
        errorCode: null,
        gatedBy: "definition",
      }),
      rec({
        primitive: "http",
        target: "crm.example.com",
        method: "POST",
        reason: "no_intent",
        blocked: true,
        mode: "enforce",
      }),
      rec({
        primitive: "http",
        target: "crm.example.com",
        method: "GET",
        reason: "no_intent",
        blocked: true,
        mode: "enforce",
      }),
      rec({
        primitive: "http",
        target: "evil.example.net:8443",
        method: "GET",
        reason: "outside_intent",
        blocked: true,
        mode: "enforce",
        within: "scope sync",
        requestId: "r-2",
      }),
      rec({
        primitive: "fs",
        target: "/srv/out/report.csv",
        op: "writeFile",
        reason: "expired",
        blocked: true,
        mode: "enforce",
        within: "scope export",
        requestId: "r-3",
      }),
      '{"time":"2025-01-02T03:04:06.000Z","type":"ungoverned","primitive":"ht', // torn by a crash
    ]);
    const r = await doctor({
      GOVERNOR_GUARD: "http,fs",
      GOVERNOR_GUARD_ALLOW: "api.openai.com,*.example.org,/tmp/app,exec:git",
      GOVERNOR_AUDIT_LOG: log,
    });
    expect(r.code, r.stdout).toBe(0);
    const c = guards(r.stdout);
    expect(c.status, c.message).toBe("pass");
    expect(c.message).toContain(
      "http, fs guards on, mode enforce, allow api.openai.com, *.example.org, /tmp/app, exec:git",
    );
    expect(c.message).toContain(
      `audit log ${log}: 4 ungoverned side effect(s), 4 blocked, 0 let through; by guard http 3, fs 1; by reason no_intent 2, outside_intent 1, expired 1; top targets http crm.example.com (2)`,
    );
    expect(c.details).toMatchObject({
      on: ["http", "fs"],
      mode: "enforce",
      allow: { hosts: ["api.openai.com", "*.example.org"], paths: ["/tmp/app"], commands: ["git"] },
      audit_log: log,
      ungoverned: {
        total: 4,
        blocked: 4,
        letThrough: 0,
        byPrimitive: { http: 3, fs: 1 },
        byReason: { no_intent: 2, outside_intent: 1, expired: 1 },
        partial: false,
      },
    });
    expect(c.details.ungoverned.topTargets).toEqual([
      { target: "http crm.example.com", count: 2 },
      { target: "fs /srv/out/report.csv", count: 1 },
      { target: "http evil.example.net:8443", count: 1 },
    ]);
  });

  it("ungoverned side effects let through (observe): a warning with the fix; --strict makes it fail", async () => {
    const log = auditLog("observe.jsonl", [
      rec({
        primitive: "exec",
        target: "curl",
        op: "spawn",
        reason: "no_intent",
        blocked: false,
        mode: "observe",
      }),
      rec({
        primitive: "http",
        target: "api.stripe.com",
        method: "POST",
        reason: "observe",
        blocked: false,
        mode: "observe",
        within: "tool refund",
        requestId: null,
      }),
      rec({
        primitive: "http",
        target: "api.stripe.com",
        method: "POST",
        reason: "fail_open",
        blocked: false,
        mode: "observe",
        within: "tool refund",
        requestId: null,
      }),
    ]);
    const env = {
      GOVERNOR_GUARD: "http,exec",
      GOVERNOR_GUARD_MODE: "observe",
      GOVERNOR_AUDIT_LOG: log,
    };
    const r = await doctor(env);
    expect(r.code, r.stdout).toBe(0);
    const c = guards(r.stdout);
    expect(c.status).toBe("warn");
    expect(c.message).toContain("http, exec guards on, mode observe, nothing allowlisted");
    expect(c.message).toContain(
      "3 ungoverned side effect(s), 0 blocked, 3 let through; by guard http 2, exec 1",
    );
    expect(c.message).toContain("top targets http api.stripe.com (2), exec curl (1)");
    expect(c.fix).toMatch(
      /intentScope\(\{ action, resource \}, fn\).*GOVERNOR_GUARD_ALLOW.*GOVERNOR_GUARD_MODE=enforce/,
    );
    const strict = await doctor(env, ["--strict"]);
    expect(strict.code).toBe(1);
    expect(guards(strict.stdout).status).toBe("warn");
  });

  it("the guard mode follows the gate's (observe); an audit log not written yet or on stderr is said, not counted", async () => {
    const missing = path.join(project, "not-yet.jsonl");
    const c = guards(
      (
        await doctor({
          GOVERNOR_GUARD: "exec",
          GOVERNOR_MODE: "observe",
          GOVERNOR_AUDIT_LOG: missing,
        })
      ).stdout,
    );
    expect(c.status).toBe("pass");
    expect(c.message).toBe(
      `exec guard on, mode observe, nothing allowlisted; audit log ${missing} not written yet`,
    );
    const s = guards((await doctor({ GOVERNOR_GUARD: "fs", GOVERNOR_AUDIT_LOG: "stderr" })).stdout);
    expect(s.message).toContain(
      "the audit log is stderr, so doctor cannot count ungoverned side effects",
    );
    const preset = guards(
      (
        await doctor({
          GOVERNOR_GUARD: "http",
          GOVERNOR_GUARD_ALLOW: "@model-providers,localhost:4318",
        })
      ).stdout,
    );
    expect(preset.message).toMatch(
      /^http guard on, mode enforce, allow @model-providers, localhost:4318; /,
    );
    expect(preset.details.allow.hosts).toContain("api.anthropic.com");
    const none = guards((await doctor({ GOVERNOR_GUARD: "fs" })).stdout);
    expect(none.message).toContain(
      "no audit log to count ungoverned side effects in (set GOVERNOR_AUDIT_LOG to a file)",
    );
  });

  it("guard config problems: a warning naming them (the config check fails the run, as for any bad setting)", async () => {
    const bad = await doctor({ GOVERNOR_GUARD: "http,htp", GOVERNOR_GUARD_ALLOW: "not a host" });
    expect(bad.code).toBe(1);
    const out = JSON.parse(bad.stdout);
    const c = guards(bad.stdout);
    expect(c.status).toBe("warn");
    expect(c.message).toContain('GOVERNOR_GUARD: unknown guard "htp"');
    expect(c.message).toContain('GOVERNOR_GUARD_ALLOW: "not a host" is not a host');
    expect(out.checks.find((k: { id: string }) => k.id === "config").status).toBe("fail");

    const off = guards(
      (
        await doctor({
          GOVERNOR_GUARD: "http",
          GOVERNOR_GUARD_MODE: "enforce",
          GOVERNOR_MODE: "off",
        })
      ).stdout,
    );
    expect(off.status).toBe("warn");
    expect(off.message).toContain("GOVERNOR_GUARD_MODE=enforce cannot work while governor is off");

    const offSoft = await doctor({ GOVERNOR_GUARD: "http", GOVERNOR_DISABLED: "1" });
    expect(guards(offSoft.stdout)).toMatchObject({
      status: "warn",
      message: expect.stringContaining("GOVERNOR_GUARD=http is set but governor is off"),
    });

    const allowOnly = guards((await doctor({ GOVERNOR_GUARD_ALLOW: "ftp://x" })).stdout);
    expect(allowOnly).toMatchObject({
      status: "warn",
      message: expect.stringContaining('GOVERNOR_GUARD_ALLOW: "ftp://x" is not a host'),
    });

    const noGuard = guards((await doctor({ GOVERNOR_GUARD_MODE: "enforce" })).stdout);
    expect(noGuard.status).toBe("warn");
    expect(noGuard.message).toContain("GOVERNOR_GUARD_MODE=enforce is set but no guard is on");
  });
});
