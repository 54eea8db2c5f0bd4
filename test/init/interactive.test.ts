import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, cleanupTemp, copyFixture, read, snapshot, ensureBuilt } from "./helpers.js";

// Interactive mode needs a TTY: util-linux `script` gives the CLI a pseudo-terminal, and the answer
// is typed into it.

beforeAll(() => ensureBuilt(), 120_000);
afterAll(cleanupTemp);

function inTerminal(args: string, typed: string, env: Record<string, string> = {}) {
  const cmd = `stty cols 120 rows 40; ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} init ${args}`;
  const r = spawnSync("script", ["-qec", cmd, "/dev/null"], {
    input: typed,
    encoding: "utf8",
    timeout: 30_000,
    env: { ...process.env, CI: "", FORCE_COLOR: "0", ...env },
  });
  return { code: r.status, out: r.stdout.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "") };
}

describe("interactive (TTY)", () => {
  it("shows what was detected and a diff preview, asks, and writes on yes", () => {
    const dir = copyFixture("js-cjs-yarn");
    const r = inTerminal(`--cwd ${dir} --no-install`, "y\r");
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain("Detected");
    expect(r.out).toContain("package manager: yarn (yarn.lock)");
    expect(r.out).toContain('+require("governor/register");');
    expect(r.out).toContain("Apply these changes");
    expect(read(dir, "server.js")).toContain('require("governor/register");');
  });

  it("writes nothing when the answer is no", () => {
    const dir = copyFixture("js-cjs-yarn");
    const before = snapshot(dir);
    const r = inTerminal(`--cwd ${dir} --no-install`, "n");
    expect(r.code).toBe(2);
    expect(r.out).toContain("Nothing was written");
    expect(snapshot(dir)).toEqual(before);
  });

  it("with CI set, a terminal does not make it interactive: no prompt, refusal without --yes", () => {
    const dir = copyFixture("js-cjs-yarn");
    const before = snapshot(dir);
    const r = inTerminal(`--cwd ${dir} --no-install`, "y\r", { CI: "true" });
    expect(r.code).toBe(2);
    expect(r.out).not.toContain("Apply these changes");
    expect(r.out).toContain("rerun with --yes");
    expect(snapshot(dir)).toEqual(before);
  });
});
