import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { cleanupTemp, copyFixture, json, read, REPO, runInit, snapshot } from "./helpers.js";

// --typecheck: tsc --noEmit before and after; a project that type-checked before must after, or
// everything is rolled back. Uses the real `ai`, `zod` and governor type declarations.

beforeAll(() => {
  // the full build emits governor's .d.ts files, which the rewritten fixture imports
  const r = spawnSync("npx", ["tsup"], { cwd: REPO, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`build failed: ${r.stderr}`);
}, 120_000);
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

  it("rolls everything back when the project type-checked before and not after", () => {
    const dir = copyFixture("ts-esm-npm");
    // a governor whose types lack `gate`: the gated code cannot type-check against it
    const fake = join(dir, "..", `${dir.split("/").pop()}-governor`);
    mkdirSync(fake);
    writeFileSync(join(fake, "package.json"), JSON.stringify({ name: "governor", version: "0.0.0", exports: { "./runtime": { types: "./runtime.d.ts" }, "./register": { types: "./register.d.ts" } } }));
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
});
