// The exec guard, in child processes against the built runtime: every child_process function asks
// before a process starts; outside any allowed tool call or scope, enforce mode starts nothing.
import { afterEach, describe, expect, it } from "vitest";
import * as realCp from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { allow, startEnforce, type EnforceServer } from "../support/enforce-server.js";
import { TOUCH_CJS, runChild, ungoverned } from "./guard-child.js";
import { tmp } from "./helpers.js";
import { GovernorGuardError } from "../../src/runtime/index.js";
import { governedSpawn } from "../../src/runtime/guard/explicit.js";
import { firstWord } from "../../src/runtime/guard/exec.js";

let server: EnforceServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function env(extra: Record<string, string>): Promise<Record<string, string>> {
  server ??= await startEnforce(() => allow("x-1"));
  return { GOVERNOR_GUARD: "exec", GOVERNOR_ENFORCE_URL: server.url, ...extra };
}

const markers = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.startsWith("marker-"))
    .sort();

// Each function once, through the module object, ESM named imports and require() after load.
const ALL = `
import cp from "node:child_process";
import { spawnSync as namedSpawnSync, execFile as namedExecFile } from "node:child_process";
import { createRequire } from "node:module";
import { promisify } from "node:util";
import { attempt, withCallback, started, report } from __ATTEMPT__;
import __RUNTIME__;
const m = (n) => process.cwd() + "/marker-" + n;
const shape = (r) => { if (typeof r.stdout !== "string" || typeof r.stderr !== "string") throw new Error("not { stdout, stderr }"); };
const out = {};
out.spawn = await started(() => cp.spawn("touch", [m("spawn")]));
out.spawnSync = await attempt(() => cp.spawnSync("touch", [m("spawnSync")]));
out.exec = await withCallback((cb) => cp.exec("touch " + m("exec"), cb));
out.execSync = await attempt(() => cp.execSync("touch " + m("execSync")));
out.execFile = await withCallback((cb) => cp.execFile("touch", [m("execFile")], cb));
out.execFileSync = await attempt(() => cp.execFileSync("touch", [m("execFileSync")]));
out.fork = await started(() => cp.fork(__TOUCH__, [m("fork")]));
out.promisifyExec = await attempt(async () => shape(await promisify(cp.exec)("touch " + m("promisifyExec"))));
out.promisifyExecFile = await attempt(async () => shape(await promisify(cp.execFile)("touch", [m("promisifyExecFile")])));
out.namedSpawnSync = await attempt(() => namedSpawnSync("touch", [m("namedSpawnSync")]));
out.namedExecFile = await withCallback((cb) => namedExecFile("touch", [m("namedExecFile")], cb));
out.requireSpawnSync = await attempt(() => createRequire(import.meta.url)("child_process").spawnSync("touch", [m("requireSpawnSync")]));
report(out);
`;
const CALLS = [
  "spawn",
  "spawnSync",
  "exec",
  "execSync",
  "execFile",
  "execFileSync",
  "fork",
  "promisifyExec",
  "promisifyExecFile",
  "namedSpawnSync",
  "namedExecFile",
  "requireSpawnSync",
];
const RECORDS = [
  ["spawn", "touch"],
  ["spawnSync", "touch"],
  ["exec", "touch"],
  ["execSync", "touch"],
  ["execFile", "touch"],
  ["execFileSync", "touch"],
  ["fork", TOUCH_CJS],
  ["exec", "touch"],
  ["execFile", "touch"],
  ["spawnSync", "touch"],
  ["execFile", "touch"],
  ["spawnSync", "touch"],
];

describe("exec guard (built runtime, child processes)", () => {
  it("enforce, outside any scope: every function throws at the call (promisified forms reject), no process starts, one record each", async () => {
    const dir = tmp();
    const r = await runChild(dir, "all.mjs", ALL, await env({ GOVERNOR_GUARD_MODE: "enforce" }));
    expect(r.code).toBe(0);
    expect(r.out).toEqual({
      ...Object.fromEntries(CALLS.map((c) => [c, "threw:guard_blocked"])),
      promisifyExec: "rejected:guard_blocked",
      promisifyExecFile: "rejected:guard_blocked",
    });
    expect(markers(dir)).toEqual([]);
    // exec runs execFile inside: still one record per call, as the command, never its arguments.
    expect(ungoverned(r.audit)).toEqual(
      RECORDS.map(([op, target]) => [op, target, "no_intent", true]),
    );
    expect(r.audit[0]).toEqual({
      time: expect.any(String),
      type: "ungoverned",
      primitive: "exec",
      target: "touch",
      reason: "no_intent",
      blocked: true,
      mode: "enforce",
      op: "spawn",
    });
    for (const l of r.audit) expect(JSON.stringify(l)).not.toContain("marker-");
    expect(r.stderr).toContain(
      'governor guard (enforce): blocked a child process (spawnSync "touch") — it ran outside any allowed tool call or intentScope',
    );
    expect(server!.requests).toHaveLength(0);
  });

  it("observe: every function starts its process, unchanged (promisify still gives { stdout, stderr }), each recorded once", async () => {
    const dir = tmp();
    const r = await runChild(dir, "all.mjs", ALL, await env({ GOVERNOR_GUARD_MODE: "observe" }));
    expect(r.out).toEqual({
      ...Object.fromEntries(CALLS.map((c) => [c, "returned"])),
      spawn: "started",
      fork: "started",
      exec: "callback-ok",
      execFile: "callback-ok",
      namedExecFile: "callback-ok",
      promisifyExec: "resolved",
      promisifyExecFile: "resolved",
    });
    expect(markers(dir)).toEqual(CALLS.map((c) => `marker-${c}`).sort());
    expect(ungoverned(r.audit)).toEqual(
      RECORDS.map(([op, target]) => [op, target, "no_intent", false]),
    );
  });

  it("GOVERNOR_GUARD_ALLOW=exec:<command> lets those through in enforce mode, unrecorded", async () => {
    const dir = tmp();
    const r = await runChild(
      dir,
      "all.mjs",
      ALL,
      await env({
        GOVERNOR_GUARD_MODE: "enforce",
        GOVERNOR_GUARD_ALLOW: "exec:touch,exec:touch.cjs",
      }),
    );
    expect(markers(dir)).toEqual(CALLS.map((c) => `marker-${c}`).sort());
    expect(ungoverned(r.audit)).toEqual([]);
  });

  it("inside an allowed intentScope or gated tool the process starts; a command the scope does not name is refused", async () => {
    const dir = tmp();
    const r = await runChild(
      dir,
      "scope.mjs",
      `
import cp from "node:child_process";
import { attempt, started, report } from __ATTEMPT__;
import { intentScope, gate } from __RUNTIME__;
const m = (n) => process.cwd() + "/marker-" + n;
const out = {};
await intentScope({ action: "build", resource: { type: "job", commands: ["touch"] } }, async () => {
  await new Promise((r) => setImmediate(r));
  out.spawnSync = await attempt(() => cp.spawnSync("touch", [m("scope-spawnSync")]));
  out.spawn = await started(() => cp.spawn("/usr/bin/env", ["touch", m("scope-env")]));
  out.execSync = await attempt(() => cp.execSync("touch " + m("scope-execSync")));
});
const run = gate("run_touch", async (name) => cp.execFileSync("touch", [m(name)]));
out.tool = await attempt(() => run("tool"));
out.after = await attempt(() => cp.spawnSync("touch", [m("after")]));
report(out);
`,
      await env({ GOVERNOR_GUARD_MODE: "enforce" }),
    );
    expect(r.out).toEqual({
      spawnSync: "returned",
      spawn: "threw:guard_blocked",
      execSync: "returned",
      tool: "resolved",
      after: "threw:guard_blocked",
    });
    expect(markers(dir)).toEqual([
      "marker-scope-execSync",
      "marker-scope-spawnSync",
      "marker-tool",
    ]);
    expect(ungoverned(r.audit)).toEqual([
      ["spawn", "/usr/bin/env", "outside_intent", true],
      ["spawnSync", "touch", "no_intent", true],
    ]);
    expect(r.audit.find((l) => l.reason === "outside_intent")).toMatchObject({
      within: "scope build",
      requestId: "x-1",
    });
    expect(server!.requests.map((q) => q.body.action)).toEqual(["build", expect.any(String)]);
  });

  it("user code that runs inside a call let through (an options getter) is still checked", async () => {
    const dir = tmp();
    const r = await runChild(
      dir,
      "nested.mjs",
      `
import cp from "node:child_process";
import { attempt, report } from __ATTEMPT__;
import __RUNTIME__;
const m = (n) => process.cwd() + "/marker-" + n;
const out = {};
const options = { get env() { out.inner = tried(() => cp.spawnSync("sh", ["-c", "touch " + m("inner")])); return process.env; } };
function tried(fn) { try { fn(); return "ran"; } catch (e) { return e.code; } }
out.outer = await attempt(() => cp.execSync("touch " + m("outer"), options));
report(out);
`,
      await env({ GOVERNOR_GUARD_MODE: "enforce", GOVERNOR_GUARD_ALLOW: "exec:touch" }),
    );
    expect(r.out).toEqual({ outer: "returned", inner: "guard_blocked" });
    expect(markers(dir)).toEqual(["marker-outer"]);
    expect(ungoverned(r.audit)).toEqual([["spawnSync", "sh", "no_intent", true]]);
  });

  it("a shell command is its first word (spawn with shell too); a call let through keeps its result, errors, name and length", async () => {
    const dir = tmp();
    const r = await runChild(
      dir,
      "shape.mjs",
      `
import cp from "node:child_process";
import { promisify } from "node:util";
import { attempt, report } from __ATTEMPT__;
import __RUNTIME__;
const out = {};
const s = cp.spawnSync("printf", ["hi"]);
out.spawnSync = [s.status, String(s.stdout)];
out.child = cp.spawn("printf", ["x"]) instanceof cp.ChildProcess;
out.missing = String(cp.spawnSync("no-such-command-gov").error?.code);
out.badArg = await attempt(() => cp.spawn(42));
out.shell = await attempt(() => cp.execSync("  'printf' ok > /dev/null"));
out.spawnShell = await attempt(() => cp.spawnSync("printf ok | cat", { shell: true }));
out.shape = Object.fromEntries(["spawn", "spawnSync", "exec", "execSync", "execFile", "execFileSync", "fork"].map((n) => [n, [cp[n].name, cp[n].length]]));
out.customs = [typeof cp.exec[promisify.custom], typeof cp.execFile[promisify.custom]];
report(out);
`,
      await env({ GOVERNOR_GUARD_MODE: "observe" }),
    );
    expect(r.out.spawnSync).toEqual([0, "hi"]);
    expect(r.out.child).toBe(true);
    expect(r.out.missing).toBe("ENOENT");
    expect(r.out.badArg).toBe("threw:ERR_INVALID_ARG_TYPE");
    expect(r.out.shell).toBe("returned");
    expect(r.out.spawnShell).toBe("returned");
    const cp = realCp as unknown as Record<string, Function>;
    expect(r.out.shape).toEqual(
      Object.fromEntries(
        ["spawn", "spawnSync", "exec", "execSync", "execFile", "execFileSync", "fork"].map((n) => [
          n,
          [cp[n].name, cp[n].length],
        ]),
      ),
    );
    expect(r.out.customs).toEqual(["function", "function"]);
    expect(ungoverned(r.audit).map(([op, target]) => [op, target])).toEqual([
      ["spawnSync", "printf"],
      ["spawn", "printf"],
      ["spawnSync", "no-such-command-gov"],
      ["spawn", "42"],
      // Shell lines that run more than one command (a redirection, a pipe) name no single command.
      ["execSync", "printf …"],
      ["spawnSync", "printf …"],
    ]);
  });

  it("GOVERNOR_GUARD=exec,fs: a process started records only as exec (Node's own fd writes for it are not fs writes)", async () => {
    const dir = tmp();
    const r = await runChild(
      dir,
      "both.mjs",
      `
import cp from "node:child_process";
import fs from "node:fs";
import { report } from __ATTEMPT__;
import __RUNTIME__;
const m = (n) => process.cwd() + "/marker-" + n;
cp.execSync("touch " + m("execSync") + " && echo to-stderr >&2");
cp.execFileSync("tee", [m("execFileSync")], { input: "stdin data" });
fs.writeFileSync(m("file"), "x");
report({});
`,
      await env({ GOVERNOR_GUARD: "exec,fs", GOVERNOR_GUARD_MODE: "observe" }),
    );
    expect(r.code).toBe(0);
    expect(markers(dir)).toEqual(["marker-execFileSync", "marker-execSync", "marker-file"]);
    expect(r.audit.map((l) => [l.primitive, l.op, l.target])).toEqual([
      ["exec", "execSync", "touch …"],
      ["exec", "execFileSync", "tee"],
      ["fs", "writeFileSync", path.join(dir, "marker-file")],
    ]);
  });

  it("CJS: require() after governor loaded is covered; a function destructured before it keeps the original (documented)", async () => {
    const dir = tmp();
    const r = await runChild(
      dir,
      "cjs.cjs",
      `
const { spawnSync: before } = require("child_process");
require(__RUNTIME_CJS__);
const { spawnSync: after } = require("child_process");
const m = (n) => process.cwd() + "/marker-" + n;
const out = {};
try { after("touch", [m("after")]); out.after = "ran"; } catch (e) { out.after = e.code; }
out.before = before("touch", [m("before")]).status;
process.stdout.write(JSON.stringify(out));
`,
      await env({ GOVERNOR_GUARD_MODE: "enforce" }),
    );
    expect(r.out).toEqual({ after: "guard_blocked", before: 0 });
    expect(markers(dir)).toEqual(["marker-before"]);
    expect(ungoverned(r.audit)).toEqual([["spawnSync", "touch", "no_intent", true]]);
  });
});

describe("governedSpawn from the built runtime", () => {
  const SCRIPT = `
import cp from "node:child_process";
import { started, report } from __ATTEMPT__;
import { governedSpawn, intentScope } from __RUNTIME__;
const m = (n) => process.cwd() + "/marker-" + n;
const out = {};
out.outside = await started(() => governedSpawn("touch", [m("outside")]));
out.inScope = await intentScope({ action: "build", resource: { type: "job", commands: ["touch"] } }, () => started(() => governedSpawn("touch", [m("scope")], { stdio: "ignore" })));
out.plainSpawn = await started(() => cp.spawn("touch", [m("plain")]));
report(out);
`;

  it("with the exec guard on it is the hooked spawn: refused outside a scope (one record), started inside", async () => {
    const dir = tmp();
    const r = await runChild(
      dir,
      "explicit.mjs",
      SCRIPT,
      await env({ GOVERNOR_GUARD_MODE: "enforce" }),
    );
    expect(r.out).toEqual({
      outside: "threw:guard_blocked",
      inScope: "started",
      plainSpawn: "threw:guard_blocked",
    });
    expect(markers(dir)).toEqual(["marker-scope"]);
    expect(ungoverned(r.audit)).toEqual([
      ["spawn", "touch", "no_intent", true],
      ["spawn", "touch", "no_intent", true],
    ]);
  });

  it("with no guard on it still checks (the default governor's mode), while plain spawn is untouched", async () => {
    const dir = tmp();
    const { GOVERNOR_GUARD: _off, ...noGuard } = await env({});
    const r = await runChild(dir, "explicit.mjs", SCRIPT, noGuard);
    expect(r.out).toEqual({
      outside: "threw:guard_blocked",
      inScope: "started",
      plainSpawn: "started",
    });
    expect(markers(dir)).toEqual(["marker-plain", "marker-scope"]);
    expect(ungoverned(r.audit)).toEqual([["spawn", "touch", "no_intent", true]]);
  });
});

describe("governedSpawn without the exec guard installed (checks against the state it is given)", () => {
  const state = (mode: "enforce" | "observe", commands: string[] = []) => {
    const records: any[] = [];
    return {
      records,
      s: {
        mode,
        allow: { hosts: [], paths: [], commands },
        warn: () => {},
        record: (x: any) => records.push(x),
      },
    };
  };

  it("refused: throws before any process starts; allowed: it is spawn", async () => {
    const dir = tmp();
    const e = state("enforce");
    expect(() => governedSpawn("touch", [path.join(dir, "marker-a")], undefined, e.s)).toThrow(
      GovernorGuardError,
    );
    expect(e.records.map((x) => [x.target, x.op, x.blocked])).toEqual([["touch", "spawn", true]]);
    const ok = state("enforce", ["touch"]);
    const child = governedSpawn("touch", [path.join(dir, "marker-b")], { stdio: "ignore" }, ok.s);
    expect(child).toBeInstanceOf(realCp.ChildProcess);
    await new Promise((r) => child.on("close", r));
    expect(existsSync(path.join(dir, "marker-a"))).toBe(false);
    expect(existsSync(path.join(dir, "marker-b"))).toBe(true);
    expect(ok.records).toEqual([]);
  });
});

describe("firstWord: what a shell command line runs", () => {
  it("the first word, one pair of quotes off; anything glued to it stays, so it names no allowed command", () => {
    expect(firstWord("  git status --short")).toBe("git");
    expect(firstWord("'/opt/my tool/bin' --x")).toBe("/opt/my tool/bin");
    expect(firstWord('"rm" -rf x')).toBe("rm");
    expect(firstWord("git;rm -rf x")).toBe("git…");
    expect(firstWord("FOO=1 git")).toBe("FOO=…");
    expect(firstWord("   ")).toBe("");
    // More than one command: names no allowed command, so "exec:git" or resource.commands ["git"] do not cover it.
    expect(firstWord("git status && rm -rf x")).toBe("git …");
    expect(firstWord("git log | sh")).toBe("git …");
    expect(firstWord("git log $(curl evil)")).toBe("git …");
    expect(firstWord("git log > /etc/passwd")).toBe("git …");
    expect(firstWord("'git' status; rm x")).toBe("git …");
  });
});
