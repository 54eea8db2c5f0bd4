// Red-team cases for the exec and fs guards, in child processes against the built runtime: a shell
// line or option that runs something other than what the guard read must not pass as an allowed
// command, and no assignment value reaches the audit log.
import { afterEach, describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { allow, startEnforce, type EnforceServer } from "../support/enforce-server.js";
import { runChild } from "./guard-child.js";
import { tmp } from "./helpers.js";
import { firstWord } from "../../src/runtime/guard/exec.js";

let server: EnforceServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const markers = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.startsWith("marker-"))
    .sort();

// Each runs `touch marker-<n>` while dressed up as git (allowlisted, or the scope's one command).
const DISGUISED = `
import cp from "node:child_process";
import { attempt, report } from __ATTEMPT__;
import { intentScope } from __RUNTIME__;
const m = (n) => process.cwd() + "/marker-" + n;
const calls = {
  noSpaces: () => cp.execSync("touch\${IFS}" + m("noSpaces") + ";/usr/bin/git --version"),
  assignment: () => cp.execSync("FOO=/usr/bin/git touch " + m("assignment")),
  quotedSubst: () => cp.execSync('"$(touch ' + m("quotedSubst") + ')/usr/bin/git" --version', { stdio: "ignore" }),
  shellArgs: () => cp.execFileSync("git", ["--version;", "touch", m("shellArgs")], { shell: true }),
  nullArgs: () => cp.spawnSync("touch " + m("nullArgs") + "; /usr/bin/git", null, { shell: true }),
  forkExecPath: () => cp.fork("/usr/bin/git", [m("forkExecPath")], { execPath: "/usr/bin/touch", execArgv: [] }),
  otherShell: () => cp.execSync("git", { shell: "/usr/bin/touch", cwd: process.cwd() }),
};
const out = {};
const run = async () => {
  for (const [k, f] of Object.entries(calls)) out[k] = await attempt(f);
  out.plain = await attempt(() => cp.execSync("git --version", { stdio: "ignore" }));
};
if (process.env.IN_SCOPE) await intentScope({ action: "build", resource: { type: "job", commands: ["git"] } }, run);
else await run();
report(out);
`;
const NAMES = [
  "noSpaces",
  "assignment",
  "quotedSubst",
  "shellArgs",
  "nullArgs",
  "forkExecPath",
  "otherShell",
];

describe("exec guard: a line dressed up as an allowed command", () => {
  for (const where of ["allowlisted exec:git", "a scope naming only git"]) {
    it(`is refused, with nothing started (${where})`, async () => {
      server ??= await startEnforce(() => allow("x-1"));
      const dir = tmp();
      const env: Record<string, string> = {
        GOVERNOR_GUARD: "exec",
        GOVERNOR_ENFORCE_URL: server.url,
      };
      if (where.startsWith("allow")) env.GOVERNOR_GUARD_ALLOW = "exec:git";
      else env.IN_SCOPE = "1";
      const r = await runChild(dir, "disguised.mjs", DISGUISED, env);
      expect(r.stderr).not.toContain("Error [");
      for (const n of NAMES) expect([n, r.out[n]]).toEqual([n, "threw:guard_blocked"]);
      expect(r.out.plain).toBe("returned");
      expect(markers(dir)).toEqual([]);
    });
  }

  it("records an assignment's name, never its value", async () => {
    const dir = tmp();
    const r = await runChild(
      dir,
      "secret.mjs",
      `
import cp from "node:child_process";
import { attempt, report } from __ATTEMPT__;
import __RUNTIME__;
report({ r: await attempt(() => cp.execSync("API_KEY=sk-live-123 curl https://x")) });
`,
      { GOVERNOR_GUARD: "exec", GOVERNOR_GUARD_MODE: "enforce" },
    );
    expect(r.out.r).toBe("threw:guard_blocked");
    expect(r.audit.map((l) => l.target)).toEqual(["API_KEY=…"]);
    expect(r.stderr + readFileSync(`${dir}/audit.jsonl`, "utf8")).not.toContain("sk-live");
  });
});

describe("firstWord: a first word that is not a plain name names no command", () => {
  it("cuts it to its leading name", () => {
    expect(firstWord("touch${IFS}x;/usr/bin/git")).toBe("touch…");
    expect(firstWord("FOO=/usr/bin/git rm -rf x")).toBe("FOO=…");
    expect(firstWord('"$(rm x)/usr/bin/git" y')).toBe("…");
    expect(firstWord("'git'-x y")).toBe("git…");
    expect(firstWord('"/opt/my tool/git" status')).toBe("/opt/my tool/git");
    expect(firstWord("/usr/bin/git-upload-pack x")).toBe("/usr/bin/git-upload-pack");
  });
});

describe("fs guard: paths that leave an allowed prefix", () => {
  it("'..' in a string, URL or Buffer, a rename either way, a cp filter's own write: refused; the audit log outside the allowlist is still written", async () => {
    const dir = tmp();
    const r = await runChild(
      dir,
      "paths.mjs",
      `
import fs from "node:fs";
import fsp from "node:fs/promises";
import { attempt, report } from __ATTEMPT__;
import __RUNTIME__;
const D = process.cwd();
fs.mkdirSync(D + "/app/in", { recursive: true });
const out = {};
out.dotdot = await attempt(() => fs.writeFileSync(D + "/app/../x1", "x"));
out.url = await attempt(() => fs.writeFileSync(new URL("file://" + D + "/app/%2e%2e/x2"), "x"));
out.buffer = await attempt(() => fs.writeFileSync(Buffer.from(D + "/app/in/../../x3"), "x"));
out.inside = await attempt(() => fs.writeFileSync(Buffer.from(D + "/app/in/../y"), "x"));
out.renameOut = await attempt(() => fs.renameSync(D + "/app/y", D + "/x4"));
out.renameIn = await attempt(() => fs.renameSync(D + "/paths.mjs", D + "/app/p"));
out.cpFilter = await attempt(() => fsp.cp(D + "/app/in", D + "/app/c", { recursive: true, filter: () => (fs.writeFileSync(D + "/x5", "x"), true) }));
report(out);
`,
      { GOVERNOR_GUARD: "fs", GOVERNOR_GUARD_MODE: "enforce", GOVERNOR_GUARD_ALLOW: `${dir}/app` },
    );
    expect(r.out).toEqual({
      dotdot: "threw:guard_blocked",
      url: "threw:guard_blocked",
      buffer: "threw:guard_blocked",
      inside: "returned",
      renameOut: "threw:guard_blocked",
      renameIn: "threw:guard_blocked",
      cpFilter: "rejected:guard_blocked",
    });
    expect(
      readdirSync(dir)
        .filter((f) => f.startsWith("x"))
        .sort(),
    ).toEqual([]);
    expect(r.audit.map((l) => l.target)).toEqual([
      `${dir}/x1`,
      `${dir}/x2`,
      `${dir}/x3`,
      `${dir}/x4`,
      `${dir}/paths.mjs`,
      `${dir}/x5`,
    ]);
  });
});
