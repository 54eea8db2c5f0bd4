// Issue 9, shape 10: init at a repository root with no package.json but packages below it names
// those packages (path, name, the agent frameworks each uses) and the command to run in each,
// in its error and in --json, and writes nothing. Like shadcn at a monorepo root: it names the
// targets rather than guessing one.
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cleanupTemp,
  CLI,
  copyFixture,
  ensureBuilt,
  gitInit,
  json,
  runInit,
  snapshot,
} from "./helpers.js";

beforeAll(() => ensureBuilt(), 120_000);
afterAll(() => cleanupTemp());

interface BelowJson {
  error: { code: string; message: string; fix: string };
  packages: {
    dir: string;
    name: string | null;
    frameworks: string[];
    unsupportedFrameworks: string[];
    workspacePackages?: number;
    error?: string;
    command?: string;
  }[];
}

/** The fixture, plus what a real checkout has that the fixture cannot commit. */
function repo(): string {
  const dir = copyFixture("packages-below");
  mkdirSync(join(dir, "node_modules/left-pad"), { recursive: true });
  writeFileSync(join(dir, "node_modules/left-pad/package.json"), '{ "name": "left-pad" }\n');
  mkdirSync(join(dir, ".cache/tool"), { recursive: true });
  writeFileSync(join(dir, ".cache/tool/package.json"), '{ "name": "cached" }\n');
  return dir;
}

describe("init at a root with no package.json and packages below it", () => {
  it("names each package and the frameworks it uses, gives the command for each that uses one, and writes nothing", () => {
    const dir = repo();
    const before = snapshot(dir);
    const r = runInit(["--dry-run", "--cwd", dir]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(
      `error [not_a_package]: No package.json in ${dir}, but 4 packages below it. init works on one package (or workspace root) at a time and does not guess which:\n`,
    );
    expect(r.stderr).toContain(
      [
        "  apps/web (web): ai-sdk",
        "  docs (docs): no agent framework found",
        "  services/agent (agent): langchain; not supported: Inngest AgentKit",
        "  services/broken: cannot be read: package.json is not valid JSON",
      ].join("\n"),
    );
    // the tests' cwd is not the fixture: absolute paths, which work from anywhere
    expect(r.stderr).toContain(
      [
        "fix: Run init in each package that uses an agent framework:",
        `  governor init --cwd ${join(dir, "apps/web")}`,
        `  governor init --cwd ${join(dir, "services/agent")}`,
      ].join("\n"),
    );
    // test fixtures, dependencies and dot-directories are not the user's packages
    expect(r.stderr).not.toMatch(/sample-fixture|left-pad|cached/);
    expect(snapshot(dir)).toEqual(before);
  });

  it("--json carries the same list, with each package's command", () => {
    const dir = repo();
    const r = runInit(["--yes", "--json", "--cwd", dir]);
    expect(r.code).toBe(2);
    const report = json<BelowJson>(r);
    expect(report.error.code).toBe("not_a_package");
    expect(report.error.fix).toContain(`governor init --cwd ${join(dir, "apps/web")}`);
    expect(report.packages).toEqual([
      {
        dir: "apps/web",
        name: "web",
        frameworks: ["ai-sdk"],
        unsupportedFrameworks: [],
        command: `governor init --cwd ${join(dir, "apps/web")}`,
      },
      { dir: "docs", name: "docs", frameworks: [], unsupportedFrameworks: [] },
      {
        dir: "services/agent",
        name: "agent",
        frameworks: ["langchain"],
        unsupportedFrameworks: ["Inngest AgentKit"],
        command: `governor init --cwd ${join(dir, "services/agent")}`,
      },
      {
        dir: "services/broken",
        name: null,
        frameworks: [],
        unsupportedFrameworks: [],
        error: expect.stringMatching(/^package\.json is not valid JSON/),
      },
    ]);
  });

  it("the named commands work: init in each listed package gates its tools", () => {
    const dir = repo();
    const report = json<BelowJson>(runInit(["--json", "--cwd", dir]));
    gitInit(dir);
    const gated: string[] = [];
    for (const p of report.packages.filter((x) => x.command)) {
      const args = p.command!.replace(/^governor init /, "").split(" ");
      // the first init leaves the tree changed: the second needs --allow-dirty
      const r = runInit([...args, "--yes", "--json", "--no-install", "--allow-dirty"]);
      expect(r.code, r.stderr).toBe(0);
      gated.push(...json(r).tools.map((t) => `${p.dir}: ${t.framework} ${t.name} ${t.status}`));
    }
    expect(gated).toEqual([
      "apps/web: ai-sdk lookup_order gated",
      "services/agent: langchain refund_payment gated",
    ]);
  });

  it("commands are relative to the shell's directory when it is above the packages; a workspace root below is one target", () => {
    const dir = repo();
    mkdirSync(join(dir, "packages/ws/packages/bot"), { recursive: true });
    writeFileSync(
      join(dir, "packages/ws/package.json"),
      '{ "name": "ws", "private": true, "workspaces": ["packages/*"] }\n',
    );
    writeFileSync(
      join(dir, "packages/ws/packages/bot/package.json"),
      '{ "name": "bot", "dependencies": { "@openai/agents": "^0.14.0" } }\n',
    );
    // run from the repository root, as a person would
    const s = spawnSync(process.execPath, [CLI, "init"], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, CI: "true" },
    });
    const r = { code: s.status, stderr: s.stderr };
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("  packages/ws (ws): openai-agents; workspace root of 1 package\n");
    expect(r.stderr).not.toContain("packages/ws/packages/bot");
    expect(r.stderr).toContain(
      [
        "  governor init --cwd apps/web",
        "  governor init --cwd packages/ws",
        "  governor init --cwd services/agent",
      ].join("\n"),
    );
  });

  it("no package.json and no package below: the plain error, as before", () => {
    const dir = repo();
    const r = runInit(["--dry-run", "--json", "--cwd", join(dir, "apps/web/app")]);
    expect(r.code).toBe(2);
    expect(json<{ error: { code: string; message: string } }>(r)).toEqual({
      error: {
        code: "not_a_package",
        message: `No package.json in ${join(dir, "apps/web/app")}.`,
        fix: "Run governor init in your project's directory, or pass --cwd <dir>.",
      },
    });
  });
});
