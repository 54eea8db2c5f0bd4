// `governor doctor` as a real process against real servers: a `governor serve`, a 500 server, a server
// that breaks the contract, and a port nothing listens on.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort, policies, root, run, serve, type Served } from "./helpers.js";
import { startEnforce, tlsDir, type EnforceServer } from "../support/enforce-server.js";

const KEY = "sk-doctor-0123456789";
const DECISION_KEY = "dk-doctor-0123456789abcdef";
const SKEW_MS = 3_600_000;
let srv: Served;
let broken: EnforceServer;
let notContract: EnforceServer;
let project: string;

const TOOL =
  'export const lookup = tool({ description: "Look up", inputSchema: z.object({ key: z.string() }), execute: EXEC });\n';
const UNGATED =
  'import { tool } from "ai";\nimport { z } from "zod";\n' +
  TOOL.replace("EXEC", "async ({ key }) => key");
const GATED =
  'import { tool } from "ai";\nimport { z } from "zod";\nimport { gate } from "governor/runtime";\n' +
  TOOL.replace("EXEC", 'gate("lookup", async ({ key }) => key)');

/** A user's project: governor installed (linked to this checkout), wired in (or not). */
function makeProject(wired = true): string {
  const dir = mkdtempSync(path.join(tmpdir(), "governor-doctor-"));
  writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify({
      name: "support-agent",
      type: "module",
      main: "index.js",
      dependencies: { governor: "^0.1.0", ai: "^6.0.0" },
    }),
  );
  writeFileSync(
    path.join(dir, "index.js"),
    (wired ? 'import "governor/register";\n' : "") +
      'import { lookup } from "./tools.js";\nconsole.log(lookup);\n',
  );
  writeFileSync(path.join(dir, "tools.js"), wired ? GATED : UNGATED);
  mkdirSync(path.join(dir, "node_modules"));
  symlinkSync(root, path.join(dir, "node_modules", "governor"), "dir");
  writeFileSync(
    path.join(dir, "governor.probes.json"),
    JSON.stringify({
      probes: [
        {
          name: "reads are allowed",
          intent: {
            action: "query",
            actor: { id: "u1", type: "user" },
            resource: { type: "postgres_db", name: "users" },
          },
          expect: "allow",
        },
        {
          name: "refunds need a human",
          tool: "refund_payment",
          args: { amount: 5 },
          expect: "deny",
          deny_code: "stepup_required",
        },
      ],
    }),
  );
  return dir;
}

const doctor = (args: string[], env: Record<string, string> = {}) =>
  run(["doctor", "--cwd", project, "--json", ...args], {
    env: {
      GOVERNOR_ENFORCE_URL: srv.url,
      GOVERNOR_API_KEY: KEY,
      GOVERNOR_DECISION_KEY: DECISION_KEY,
      ...env,
    },
  });
const byId = (out: { checks: { id: string }[] }) =>
  Object.fromEntries(out.checks.map((c) => [c.id, c])) as Record<string, any>;

beforeAll(async () => {
  project = makeProject();
  [srv, broken, notContract] = await Promise.all([
    serve(["--policy", path.join(policies, "basic.yaml")], {
      GOVERNOR_SERVE_API_KEY: KEY,
      GOVERNOR_DECISION_KEY: DECISION_KEY,
    }),
    startEnforce(() => ({ status: 500, raw: '{"detail":"Canonicalization failed"}' })),
    startEnforce(() => ({ raw: '{"decision":"MAYBE"}' })),
  ]);
});
afterAll(async () => {
  await Promise.all([srv?.stop(), broken?.close(), notContract?.close()]);
});

// Several doctors run at once, each a few seconds: a generous timeout is only the safety net.
describe.concurrent("governor doctor", { timeout: 180_000 }, () => {
  it("a healthy setup: exit 0, every live and repo check passes, JSON has the documented shape", async () => {
    const r = await doctor(["--samples", "3"]);
    const out = JSON.parse(r.stdout);
    expect(r.code, r.stdout).toBe(0);
    expect(out.ok).toBe(true);
    for (const c of out.checks) {
      expect(
        Object.keys(c).every((k) => ["id", "status", "message", "fix", "details"].includes(k)),
      ).toBe(true);
      expect(["pass", "warn", "fail", "skip"]).toContain(c.status);
    }
    const c = byId(out);
    for (const id of [
      "config",
      "safety",
      "enforce.reachable",
      "enforce.auth",
      "enforce.contract",
      "probes",
      "latency",
      "clock",
      "runtime.installed",
      "runtime.entrypoint",
      "tools.governed",
    ])
      expect(c[id].status, `${id}: ${c[id].message}`).toBe("pass");
    expect(c.probes.message).toBe("2 probe(s) answered as expected");
    expect(c.latency.details).toMatchObject({ samples: 3 });
    expect(c.latency.message).toMatch(/p50 [\d.]+ ms, p95 [\d.]+ ms over 3 calls/);
    expect(c["runtime.entrypoint"].message).toContain("index.js");
    expect(c["tools.governed"].message).toBe("all 1 tool definition(s) are gated");
    expect(c["intent-map"].status).toBe("skip");
    expect(c["intent-map"].fix).toMatch(/governor init/);
    expect(r.stdout + r.stderr).not.toContain(KEY);
  });

  it("a probe answered differently: exit 1, names the probe, what it got and what to fix", async () => {
    const probes = path.join(project, "wrong.probes.json");
    writeFileSync(
      probes,
      JSON.stringify([{ name: "refunds are fine", tool: "refund_payment", expect: "allow" }]),
    );
    const r = await doctor(["--probes", probes, "--samples", "1"]);
    expect(r.code).toBe(1);
    const c = byId(JSON.parse(r.stdout));
    expect(c.probes.status).toBe("fail");
    expect(c.probes.message).toContain(
      '"refunds are fine": expected ALLOW, got DENY (stepup_required) - Refunds need a human approver.',
    );
    expect(c.probes.fix).toMatch(/Fix the policy, or the expectation in .*wrong\.probes\.json/);
  });

  it("a probe whose intent enforce cannot read: says which field, and to fix the probe rather than the policy", async () => {
    const probes = path.join(project, "invalid.probes.json");
    writeFileSync(
      probes,
      JSON.stringify({
        probes: [
          {
            name: "no actor",
            intent: { action: "read", resource: { type: "db" } },
            expect: "allow",
          },
        ],
      }),
    );
    const r = await doctor(["--probes", probes, "--samples", "1"]);
    expect(r.code).toBe(1);
    const c = byId(JSON.parse(r.stdout));
    expect(c.probes.message).toContain(
      '"no actor": no decision (enforce answered HTTP 422: [{"type":"missing","loc":["body","actor"],"msg":"Field required"}] instead of a decision)',
    );
    expect(c.probes.fix).toMatch(
      /^Fix the intent of "no actor" in .*invalid\.probes\.json: an intent needs "action", "actor"/,
    );
  });

  it("unreachable, and a repo not wired: exit 1, each says what to do", async () => {
    const port = await freePort();
    const r = await run(["doctor", "--cwd", makeProject(false), "--json"], {
      env: { GOVERNOR_ENFORCE_URL: `http://127.0.0.1:${port}` },
    });
    expect(r.code).toBe(1);
    const c = byId(JSON.parse(r.stdout));
    expect(c["enforce.reachable"]).toMatchObject({
      status: "fail",
      message: `nothing is listening on 127.0.0.1:${port} (connection refused)`,
    });
    expect(c["enforce.reachable"].fix).toContain(`governor serve --policy <file> --port ${port}`);
    expect(c["enforce.contract"].status).toBe("skip");
    expect(c["runtime.entrypoint"]).toMatchObject({
      status: "warn",
      message: "no import of governor/register in index.js",
    });
    expect(c["tools.governed"]).toMatchObject({
      status: "fail",
      message: "1 of 1 tool definition(s) not gated: tools.js:3 (lookup)",
    });
    expect(c["tools.governed"].fix).toMatch(/governor init/);
  });

  it("401, 500 and a body that breaks the contract each fail the right check", async () => {
    const [unauth, failing, garbage] = await Promise.all([
      doctor([], { GOVERNOR_API_KEY: "not-the-key" }),
      doctor([], { GOVERNOR_ENFORCE_URL: broken.url }),
      doctor([], { GOVERNOR_ENFORCE_URL: notContract.url }),
    ]);
    for (const r of [unauth, failing, garbage]) expect(r.code).toBe(1);
    const a = byId(JSON.parse(unauth.stdout));
    expect(a["enforce.auth"]).toMatchObject({
      status: "fail",
      message: "enforce rejected the credentials (HTTP 401)",
    });
    expect(a["enforce.auth"].fix).toMatch(/GOVERNOR_API_KEY/);
    const f = byId(JSON.parse(failing.stdout));
    expect(f["enforce.contract"].status).toBe("fail");
    expect(f["enforce.contract"].fix).toMatch(/failed \(HTTP 500\): check its logs/);
    const g = byId(JSON.parse(garbage.stdout));
    expect(g["enforce.contract"].status).toBe("fail");
    expect(g["enforce.contract"].message).toMatch(/MAYBE|decision/);
    expect(g["enforce.contract"].fix).toMatch(/speaks the enforce API/);
  });

  it("fail-open in CI is a warning; --strict and --max-latency turn problems into exit 1; GitHub annotations", async () => {
    const env = { GOVERNOR_FAIL_MODE: "open", GITHUB_ACTIONS: "true", CI: "true" };
    const lenient = await doctor(["--samples", "1"], env);
    expect(lenient.code).toBe(0);
    const c = byId(JSON.parse(lenient.stdout));
    expect(c.safety).toMatchObject({
      status: "warn",
      message: "fail mode is open in CI: when enforce cannot answer, tools run without a decision",
    });
    expect(lenient.stderr).toMatch(
      /^::warning title=governor doctor%3A safety::fail mode is open in CI.*Fix: Set GOVERNOR_FAIL_MODE=closed/m,
    );

    const strict = await run(
      ["doctor", "--cwd", project, "--strict", "--max-latency", "0.001", "--samples", "2"],
      {
        env: { GOVERNOR_ENFORCE_URL: srv.url, GOVERNOR_API_KEY: KEY, ...env },
      },
    );
    expect(strict.code).toBe(1);
    expect(strict.stdout).toMatch(/! warn\s+safety/);
    expect(strict.stdout).toMatch(/✗ fail\s+latency\s+p50 .* above --max-latency 0\.001 ms/);
    expect(strict.stdout).toMatch(/fix: Set GOVERNOR_FAIL_MODE=closed/);
    expect(strict.stdout).toMatch(/not ok: .*\(--strict: warnings fail\)/);
    expect(strict.stdout).toMatch(/^::error title=governor doctor%3A latency::/m);
  });

  it("an untrusted TLS certificate, and a skewed clock with signed decisions, each fail with what to do", async () => {
    const skewed = await startEnforce(
      () => ({
        raw: '{"decision":"ALLOW","metadata":{"request_id":"r-1"}}',
        // Skewed from when each answer is sent, not from setup, and by an hour: far more than any
        // delay a loaded machine adds between the answer and doctor reading its clock.
        headers: { date: new Date(Date.now() + SKEW_MS).toUTCString() },
      }),
      { tls: true },
    );
    try {
      const env = { GOVERNOR_ENFORCE_URL: skewed.url };
      // --timeout: doctor's own 2 s default for reading the server's time is no margin for a busy machine
      const slow = ["--timeout", "120000"];
      const [untrusted, trusted] = await Promise.all([
        doctor(slow, env),
        doctor(slow, { ...env, NODE_EXTRA_CA_CERTS: path.join(tlsDir, "localhost-test.crt") }),
      ]);
      const u = byId(JSON.parse(untrusted.stdout));
      expect(u["enforce.reachable"].status).toBe("fail");
      expect(u["enforce.reachable"].message).toMatch(
        /^TLS handshake with 127\.0\.0\.1:\d+ failed \(DEPTH_ZERO_SELF_SIGNED_CERT\)/,
      );
      expect(u["enforce.reachable"].fix).toMatch(/NODE_EXTRA_CA_CERTS/);
      // Following that fix makes TLS pass; then the unsigned ALLOW and the clock fail.
      const t = byId(JSON.parse(trusted.stdout));
      expect(t["enforce.reachable"].status).toBe("pass");
      expect(t["enforce.reachable"].message).toMatch(/tls [\d.]+ ms/);
      expect(t["enforce.contract"]).toMatchObject({
        status: "fail",
        message: "signed decisions are on, but the ALLOW's decision token did not verify",
      });
      expect(t.clock).toMatchObject({
        status: "fail",
        message: expect.stringMatching(/^clock differs from enforce by about \d+ s$/),
      });
      // a late reader only shrinks the measured skew: anything within 10 minutes of the hour is the skew
      const seconds = Number(/about (\d+) s/.exec(t.clock.message)![1]);
      expect(seconds).toBeGreaterThan(SKEW_MS / 1000 - 600);
      expect(seconds).toBeLessThan(SKEW_MS / 1000 + 60);
      expect(t.clock.fix).toMatch(/NTP/);
    } finally {
      await skewed.close();
    }
  });

  it("a wrong base path is not mistaken for accepted credentials; no key for a keyed server says none is set", async () => {
    const [wrongPath, noKey] = await Promise.all([
      run(["doctor", "--cwd", project, "--json", "--samples", "1"], {
        env: { GOVERNOR_ENFORCE_URL: `${srv.url}/wrong/base` },
      }),
      run(["doctor", "--cwd", project, "--json", "--samples", "1"], {
        env: { GOVERNOR_ENFORCE_URL: srv.url },
      }),
    ]);
    const w = byId(JSON.parse(wrongPath.stdout));
    expect(w["enforce.auth"].status).toBe("skip"); // a 404 comes before authentication
    expect(w["enforce.contract"]).toMatchObject({
      status: "fail",
      message:
        "no decision for a read probe: enforce answered HTTP 404: Not Found instead of a decision.",
    });
    expect(w["enforce.contract"].fix).toMatch(/\/wrong\/base is the management plane's base URL/);
    const n = byId(JSON.parse(noKey.stdout));
    expect(n["enforce.auth"]).toMatchObject({
      status: "fail",
      message: "enforce requires an API key and none is set (HTTP 401)",
    });
    expect(n["enforce.auth"].fix).toMatch(
      /needs a key: pass --api-key <key> or set GOVERNOR_API_KEY/,
    );
    for (const r of [wrongPath, noKey])
      expect(r.stdout).not.toMatch(/tool was not run|undefined|\[object Object\]/);
  });

  it("one bad setting fails config but does not hide the live checks (exit 1)", async () => {
    const r = await doctor(["--samples", "1"], {
      GOVERNOR_TIMEOUT_MS: "soon",
      GOVERNOR_DECISION_KEY: "",
    });
    expect(r.code).toBe(1);
    const c = byId(JSON.parse(r.stdout));
    expect(c.config).toMatchObject({
      status: "fail",
      message: expect.stringMatching(/GOVERNOR_TIMEOUT_MS must be a number .*\(got "soon"\)/),
    });
    expect(c.safety.status).toBe("skip");
    for (const id of ["enforce.reachable", "enforce.auth", "enforce.contract", "probes", "latency"])
      expect(c[id].status, `${id}: ${c[id].message}`).toBe("pass");
  });

  it("GOVERNOR_ENFORCE_URL only in .env: says doctor reads the environment and how to load it", async () => {
    const dir = makeProject();
    writeFileSync(
      path.join(dir, ".env"),
      "# local\nGOVERNOR_API_KEY=\nGOVERNOR_ENFORCE_URL=http://127.0.0.1:8787\n",
    );
    const r = await run(["doctor", "--cwd", dir, "--json"]);
    const c = byId(JSON.parse(r.stdout));
    expect(c.config.status).toBe("fail");
    expect(c.config.message).toMatch(
      /GOVERNOR_ENFORCE_URL is not set.*\(it is in \.env, but doctor reads the environment, not \.env\)/,
    );
    expect(c.config.fix).toMatch(/Load \.env into this shell first/);
    const other = makeProject();
    writeFileSync(path.join(other, ".env"), "GOVERNOR_ENFORCE_URL=\nGOVERNOR_API_KEY=x\n"); // empty value: not a hint
    expect(
      byId(JSON.parse((await run(["doctor", "--cwd", other, "--json"])).stdout)).config.fix,
    ).toMatch(/^Set GOVERNOR_ENFORCE_URL/);
  });

  it("exit 2 when doctor itself cannot run (bad options)", async () => {
    const [bad, unknown] = await Promise.all([
      run(["doctor", "--samples", "0"]),
      run(["doctor", "--prob", "x"]),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--samples: expected at least 1/);
    expect(bad.stderr).toMatch(/governor doctor --help/);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option '--prob'[\s\S]*governor doctor --help/);
  });
});
