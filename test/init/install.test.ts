import { chmodSync, mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanupTemp, copyFixture, json, read, runInit, snapshot, ensureBuilt } from "./helpers.js";

// The install step runs the project's real package manager through execa. pnpm/yarn are not installed
// here and the network is off, so a stand-in executable on PATH records how it was called.

beforeAll(() => ensureBuilt(), 120_000);
afterAll(cleanupTemp);

function fakePackageManager(name: string, script: string): { path: string; log: string } {
  const dir = copyFixture("already-gated"); // any temp dir will do
  const bin = join(dir, "fake-bin");
  mkdirSync(bin);
  const log = join(dir, "calls.log");
  writeFileSync(join(bin, name), `#!/bin/sh\necho "$PWD|$*" >> "${log}"\n${script}\n`);
  chmodSync(join(bin, name), 0o755);
  return { path: `${bin}:${process.env.PATH}`, log };
}

describe("install", () => {
  it("runs `<pm> install` in the project after adding the dependency; undo restores the lockfile", () => {
    const pm = fakePackageManager("pnpm", `echo "# touched by install" >> pnpm-lock.yaml`);
    const dir = copyFixture("js-esm-pnpm");
    const original = snapshot(dir);
    const r = runInit(["--yes", "--json", "--cwd", dir], { PATH: pm.path });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(pm.log, "utf8").trim()).toBe(`${dir}|install`);
    const report = json(r);
    expect(report.dependencies[0]).toMatchObject({
      status: "added",
      install: "ran",
      command: "pnpm install",
    });
    expect(JSON.parse(read(dir, "package.json")).dependencies.governor).toBeTruthy();
    expect(read(dir, "pnpm-lock.yaml")).toContain("touched by install");

    const undo = runInit(["--undo", "--cwd", dir]);
    expect(undo.code, undo.stderr).toBe(0);
    expect(snapshot(dir)).toEqual(original);
  });

  it("--no-install never calls the package manager", () => {
    const pm = fakePackageManager("pnpm", "");
    const dir = copyFixture("js-esm-pnpm");
    const r = runInit(["--yes", "--json", "--no-install", "--cwd", dir], { PATH: pm.path });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(pm.log)).toBe(false);
    expect(json(r).dependencies[0]).toMatchObject({ install: "skipped", command: "pnpm install" });
  });

  it("a declared dependency is not re-added and nothing is installed", () => {
    const pm = fakePackageManager("npm", "");
    const dir = copyFixture("already-gated");
    const r = runInit(["--yes", "--json", "--cwd", dir], { PATH: pm.path });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(pm.log)).toBe(false);
    expect(json(r).dependencies[0]).toMatchObject({
      status: "already-declared",
      install: "not-needed",
      command: null,
    });
  });

  it("a failed install keeps the edits, reports it, names the command, and exits non-zero", () => {
    const pm = fakePackageManager("yarn", `echo "network unreachable" >&2; exit 3`);
    const dir = copyFixture("js-cjs-yarn");
    const r = runInit(["--yes", "--json", "--cwd", dir], { PATH: pm.path });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("install_failed");
    expect(r.stderr).toContain("yarn install");
    expect(r.stderr).toContain("network unreachable");
    expect(json(r).dependencies[0].install).toBe("failed");
    expect(read(dir, "server.js")).toContain('require("governor/register")');
    // and undo still works
    expect(runInit(["--undo", "--cwd", dir]).code).toBe(0);
    expect(read(dir, "server.js")).not.toContain("governor");
  });

  it("monorepo: one install at the workspace root", () => {
    const pm = fakePackageManager("npm", "");
    const dir = copyFixture("monorepo");
    const r = runInit(["--yes", "--json", "--cwd", dir], { PATH: pm.path });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(pm.log, "utf8").trim()).toBe(`${dir}|install`);
  });
});
