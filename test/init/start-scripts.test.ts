// init's offer to preload governor/register in start scripts: the exact line per runner, shown in the
// plan and --json, asked at a terminal, left alone with --yes, and undone with --undo.
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withPreload } from "../../src/detectors/start-scripts.js";
import { setScript } from "../../src/init/start-scripts.js";
import {
  CLI,
  cleanupTemp,
  copyFixture,
  ensureBuilt,
  gitInit,
  json,
  read,
  REPO,
  runInit,
  snapshot,
} from "./helpers.js";

beforeAll(() => ensureBuilt(), 120_000);
// No timer kills a terminal session (a fixed deadline fails a slow run): the test timeout is the
// safety net, and whatever is still running when the file's tests end is killed here.
const live = new Set<ChildProcess>();
afterAll(() => {
  for (const child of live) child.kill("SIGKILL");
  cleanupTemp();
});

/** A copy of test/fixtures/layers/<name> under git, like a user's clean checkout. */
function layersFixture(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `governor-init-${name}-`));
  cpSync(join(REPO, "test/fixtures/layers", name), dir, { recursive: true });
  gitInit(dir);
  return dir;
}

describe("the preload line for each kind of start script", () => {
  it.each([
    ["node src/main.mjs", "node --import governor/register src/main.mjs", "flag"],
    ["node server.js", "node --import governor/register server.js", "flag"],
    ["tsx watch src/index.ts", "tsx watch --import governor/register src/index.ts", "flag"],
    ["tsx src/index.ts", "tsx --import governor/register src/index.ts", "flag"],
    [
      "NODE_ENV=production node --env-file=.env dist/server.js",
      "NODE_ENV=production node --import governor/register --env-file=.env dist/server.js",
      "flag",
    ],
    [
      "npm run build && node dist/index.js",
      "npm run build && node --import governor/register dist/index.js",
      "flag",
    ],
    [
      "nodemon src/index.js",
      "NODE_OPTIONS='--import governor/register' nodemon src/index.js",
      "node-options",
    ],
    [
      "ts-node src/index.ts",
      "NODE_OPTIONS='--import governor/register' ts-node src/index.ts",
      "node-options",
    ],
  ])("%s", (before, after, how) => {
    expect(withPreload(before)).toEqual({ after, how });
  });

  it.each([
    "next dev",
    "vite",
    "node --import governor/register src/a.js",
    "node -r governor/register a.cjs",
    "tsx --version",
  ])("%s: nothing to offer", (line) => {
    expect(withPreload(line)).toBeNull();
  });

  it("edits one script's value and keeps the rest of package.json byte for byte", () => {
    const text =
      '{\r\n\t"name": "x",\r\n\t"scripts": { "start": "node a.js", "test": "vitest" }\r\n}\r\n';
    expect(setScript(text, "start", "node --import governor/register a.js")).toBe(
      '{\r\n\t"name": "x",\r\n\t"scripts": { "start": "node --import governor/register a.js", "test": "vitest" }\r\n}\r\n',
    );
  });
});

describe("governor init and start scripts", () => {
  it("--dry-run --json shows the proposed script change in the plan", () => {
    const dir = copyFixture("ts-esm-npm");
    const r = runInit(["--cwd", dir, "--dry-run", "--json"]);
    expect(r.code).toBe(0);
    expect(json<{ scripts: unknown[] }>(r).scripts).toEqual([
      {
        package: ".",
        script: "dev",
        before: "tsx watch src/index.ts",
        after: "tsx watch --import governor/register src/index.ts",
        how: "flag",
        status: "proposed",
      },
    ]);
  });

  it("--yes leaves the scripts alone, says so, and prints the exact line to use", () => {
    const dir = copyFixture("js-esm-pnpm");
    gitInit(dir);
    const r = runInit(["--cwd", dir, "--yes", "--no-install"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(read(dir, "package.json")).scripts.start).toBe("node src/main.mjs");
    expect(r.stdout).toContain(
      "Start scripts (left as they are: --yes does not change how your app starts; edit them as shown to preload instrumentation):",
    );
    expect(r.stdout).toContain(
      "scripts.start: node src/main.mjs  ->  node --import governor/register src/main.mjs",
    );
    expect(r.stdout).toMatch(
      /Next steps:[\s\S]*Preload instrumentation so tools init could not rewrite .* `node --import governor\/register src\/main\.mjs` \(scripts\.start\)/,
    );
  });

  it("a project without start scripts gets the command for its entrypoint", () => {
    const dir = copyFixture("js-cjs-yarn");
    const r = runInit(["--cwd", dir, "--dry-run"]);
    expect(r.stdout).not.toContain("Start scripts");
    const withYes = runInit(["--cwd", copyAndCommit("js-cjs-yarn"), "--yes", "--no-install"]);
    expect(withYes.stdout).toMatch(
      /Preload instrumentation .*: `node --import governor\/register server\.js`/,
    );
  });

  it("Next.js: nothing offered; next steps say instrumentation cannot reach its bundles", () => {
    const dir = layersFixture("next-app");
    const r = runInit(["--cwd", dir, "--yes", "--no-install"]);
    expect(r.code, r.stderr).toBe(0);
    expect(
      json<{ scripts: unknown[] }>(
        runInit(["--cwd", layersFixture("next-app"), "--dry-run", "--json"]),
      ).scripts,
    ).toEqual([]);
    expect(r.stdout).toMatch(
      /Next\.js bundles this package's server code .*: gate what init could not rewrite with governTools/,
    );
  });

  it("at a terminal: asks, writes the script on yes (backed up with the rest), and --undo restores package.json", async () => {
    const dir = copyFixture("js-esm-pnpm");
    gitInit(dir);
    const before = snapshot(dir);
    const original = read(dir, "package.json");
    const r = await inTerminal(`--cwd ${dir} --no-install`, [
      ["Add --import governor/register", "y"],
      ["Apply these changes", "y"],
    ]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain("Preload instrumentation");
    expect(r.out).toContain("Add --import governor/register to these scripts?");
    const pkg = JSON.parse(read(dir, "package.json"));
    expect(pkg.scripts.start).toBe("node --import governor/register src/main.mjs");
    expect(pkg.dependencies.governor).toBeDefined();
    expect(r.out).toContain("Instrumentation is preloaded by scripts.start");
    const undo = runInit(["--cwd", dir, "--undo"]);
    expect(undo.code, undo.stderr).toBe(0);
    expect(read(dir, "package.json")).toBe(original);
    const after = snapshot(dir);
    for (const [file, bytes] of before) expect(after.get(file), file).toBe(bytes);
  });

  it("at a terminal, answering no keeps the script and still applies the rest", async () => {
    const dir = copyFixture("js-esm-pnpm");
    gitInit(dir);
    const r = await inTerminal(`--cwd ${dir} --no-install`, [
      ["Add --import governor/register", "n"],
      ["Apply these changes", "y"],
    ]);
    expect(r.code, r.out).toBe(0);
    expect(JSON.parse(read(dir, "package.json")).scripts.start).toBe("node src/main.mjs");
    expect(read(dir, "src/main.mjs")).toContain('import "governor/register";');
  });
});

function copyAndCommit(name: string): string {
  const dir = copyFixture(name);
  gitInit(dir);
  return dir;
}

/** Runs init in a pseudo-terminal (util-linux `script`) and types each answer once its question shows. */
function inTerminal(
  args: string,
  answers: [question: string, typed: string][],
): Promise<{ code: number | null; out: string }> {
  const cmd = `stty cols 160 rows 50; ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} init ${args}`;
  return new Promise((resolve) => {
    const child = spawn("script", ["-qec", cmd, "/dev/null"], {
      env: { ...process.env, CI: "", FORCE_COLOR: "0" },
    });
    let out = "";
    const pending = [...answers];
    live.add(child);
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      const clean = out.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");
      // each question is typed into once, when it first shows (the questions differ)
      while (pending.length && clean.includes(pending[0][0]))
        child.stdin.write(pending.shift()![1]);
    });
    child.on("close", (code) => {
      live.delete(child);
      resolve({ code, out: out.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "") });
    });
  });
}
