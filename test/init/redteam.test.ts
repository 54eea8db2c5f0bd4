import { readFileSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { cleanupTemp, copyFixture, ensureBuilt, git, gitInit, json, runInit } from "./helpers.js";

// Red-team variants of issue 10's init findings that the first fixes missed.

beforeAll(() => ensureBuilt(), 120_000);
afterAll(() => cleanupTemp());
vi.setConfig({ testTimeout: 120_000 });

const APPLY = ["--yes", "--json", "--no-install"];

describe("init never writes into .git or .governor through a link inside the project", () => {
  it(".gitignore linked to .git/info/exclude, .env.example to .git/config: refused, nothing written (undo could never restore them)", () => {
    const dir = copyFixture("js-cjs-yarn");
    gitInit(dir);
    const exclude = readFileSync(join(dir, ".git", "info", "exclude"));
    const config = readFileSync(join(dir, ".git", "config"));
    rmSync(join(dir, ".env.example"));
    symlinkSync(join(".git", "info", "exclude"), join(dir, ".gitignore"));
    symlinkSync(join(".git", "config"), join(dir, ".env.example"));
    git(dir, "add", "-A");
    git(dir, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "links");
    const r = runInit([...APPLY, "--cwd", dir]);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    const out = json<{ refused: { path: string; why: string }[]; error: { code: string } }>(r);
    expect(out.error.code).toBe("write_refused");
    expect(out.refused.map((f) => f.path).sort()).toEqual([".env.example", ".gitignore"]);
    expect(readFileSync(join(dir, ".git", "info", "exclude")).equals(exclude)).toBe(true);
    expect(readFileSync(join(dir, ".git", "config")).equals(config)).toBe(true);
  });
});
