import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import {
  CLI,
  cleanupTemp,
  copyFixture,
  json,
  read,
  REPO,
  runInit,
  snapshot,
  ensureBuilt,
} from "./helpers.js";

// --typecheck: tsc --noEmit before and after; a project that type-checked before must after, or
// everything is rolled back. Uses the real `ai`, `zod` and governor type declarations.

beforeAll(() => ensureBuilt(true), 120_000);
afterAll(cleanupTemp);

function withModules(dir: string, governorDir: string): void {
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(join(REPO, "node_modules", "ai"), join(dir, "node_modules", "ai"));
  symlinkSync(join(REPO, "node_modules", "zod"), join(dir, "node_modules", "zod"));
  symlinkSync(governorDir, join(dir, "node_modules", "governor"));
}

describe("--typecheck", () => {
  it("the rewritten TS fixture still type-checks (gate keeps inferred types)", () => {
    const dir = copyFixture("ts-esm-npm");
    withModules(dir, REPO);
    const r = runInit(["--yes", "--json", "--no-install", "--typecheck", "--cwd", dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(json(r).tools.filter((t) => t.status === "gated")).toHaveLength(2);
    expect(read(dir, "src/tools.ts")).toContain('gate("refund_payment"');
  });

  it("type-checks each workspace package that has a tsconfig", () => {
    const dir = copyFixture("monorepo");
    withModules(dir, REPO);
    const r = runInit(["--yes", "--json", "--no-install", "--typecheck", "--cwd", dir]);
    expect(r.code, r.stderr).toBe(0);
    const report = json(r);
    expect(report.tools.map((t) => [t.name, t.status])).toEqual([
      ["search_docs", "gated"],
      ["send_email", "gated"],
    ]);
    expect(report.warnings.filter((w) => /type-check/.test(w))).toEqual([]);
  });

  it("rolls everything back when the project type-checked before and not after", () => {
    const dir = copyFixture("ts-esm-npm");
    // a governor whose types lack `gate`: the gated code cannot type-check against it
    const fake = join(dir, "..", `${dir.split("/").pop()}-governor`);
    mkdirSync(fake);
    writeFileSync(
      join(fake, "package.json"),
      JSON.stringify({
        name: "governor",
        version: "0.0.0",
        exports: {
          "./runtime": { types: "./runtime.d.ts" },
          "./register": { types: "./register.d.ts" },
        },
      }),
    );
    writeFileSync(join(fake, "runtime.d.ts"), "export {};\n");
    writeFileSync(join(fake, "register.d.ts"), "export {};\n");
    withModules(dir, fake);
    const before = snapshot(dir);
    const r = runInit(["--yes", "--no-install", "--typecheck", "--cwd", dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("typecheck_failed");
    expect(r.stderr).toMatch(/src\/tools\.ts.*error TS\d+/);
    expect(snapshot(dir)).toEqual(before);
  });

  it("SIGTERM while the after-check runs rolls every change back", async () => {
    const dir = copyFixture("ts-esm-npm");
    withModules(dir, REPO);
    const before = snapshot(dir);
    const child = spawn(
      process.execPath,
      [CLI, "init", "--yes", "--no-install", "--typecheck", "--cwd", dir],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) =>
      child.on("exit", (code) => resolve(code)),
    );
    // files are written between the two type-checks: wait for the first write, then interrupt
    const entry = join(dir, "src/index.ts");
    // no count of its own: a slow first type-check only makes this wait longer (the test timeout is the net)
    while (child.exitCode === null && !readFileSync(entry, "utf8").includes("governor/register"))
      await new Promise((r) => setTimeout(r, 25));
    expect(read(dir, "src/index.ts")).toContain("governor/register");
    child.kill("SIGTERM");
    expect(await exited).toBe(130);
    expect(stderr).toContain("rolled back");
    expect(snapshot(dir)).toEqual(before);
  });
});
