// A fixture app copied to a temp dir, as a user's project: its dependencies are
// symlinks into this repo's node_modules (Node resolves their own dependencies
// from the real path) and `governor` links to this repo.
import { execFile, type ChildProcess } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, expect } from "vitest";
import { CLI, FIXTURES, REPO } from "./paths.js";

export interface Project {
  dir: string;
  /** The command `npm start` would run, as [node args...]. */
  startArgs: string[];
  remove(): void;
}

export interface ProcResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function copyFixture(name: string): Project {
  const dir = mkdtempSync(join(tmpdir(), `governor-e2e-${name}-`));
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const deps = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies });
  for (const dep of [...deps, "governor"]) {
    const target = dep === "governor" ? REPO : join(REPO, "node_modules", dep);
    if (!existsSync(target))
      throw new Error(`fixture ${name} needs ${dep}, which is not in this repo's node_modules`);
    const link = join(dir, "node_modules", dep);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(target, link, "dir");
  }
  return {
    dir,
    startArgs: startArgs(pkg.scripts?.start ?? ""),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** "tsx src/index.ts" -> ["--import", "tsx", "src/index.ts"]; "node index.js" -> ["index.js"]. */
function startArgs(script: string): string[] {
  const [bin, ...rest] = script.split(/\s+/);
  if (bin === "tsx") return ["--import", "tsx", ...rest];
  if (bin === "node") return rest;
  throw new Error(`unsupported start script: ${script}`);
}

// No timer kills a child (a fixed deadline fails a slow run on a loaded machine): the hook and test
// timeouts are the safety net, and whatever is still running when a file's tests end is killed here.
const live = new Set<ChildProcess>();
afterAll(() => {
  for (const child of live) child.kill("SIGKILL");
});

export function run(
  args: string[],
  opts: { cwd: string; env?: Record<string, string> },
): Promise<ProcResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      args,
      { cwd: opts.cwd, env: { ...cleanEnv(), ...opts.env }, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        live.delete(child);
        const code = err ? (typeof err.code === "number" ? err.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    live.add(child);
  });
}

/** The test runner's environment minus anything that would steer governor or the app. */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (
      v === undefined ||
      k.startsWith("GOVERNOR_") ||
      k.startsWith("VITEST") ||
      k === "NODE_OPTIONS"
    )
      continue;
    env[k] = v;
  }
  return { ...env, NO_COLOR: "1", CI: "1" };
}

export function runInit(project: Project, extra: string[] = []): Promise<ProcResult> {
  return run([CLI, "init", "--yes", "--no-install", "--allow-dirty", ...extra], {
    cwd: project.dir,
  });
}

/** Runs the app's start command; its last stdout line is a JSON summary. */
export async function runApp(
  project: Project,
  env: Record<string, string>,
  nodeArgs: string[] = [],
) {
  const res = await run([...nodeArgs, ...project.startArgs], { cwd: project.dir, env });
  const last = res.stdout.trim().split("\n").at(-1) ?? "";
  let summary: { answer: string; toolResults: Record<string, string> } | null = null;
  try {
    summary = JSON.parse(last);
  } catch {
    summary = null;
  }
  return { ...res, summary };
}

export function readLines(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8").split("\n").filter(Boolean);
}

/** A CLI run's --json output, or null when stdout is not JSON (the run failed before printing it). */
export function json(r: ProcResult): any {
  try {
    return JSON.parse(r.stdout);
  } catch {
    return null;
  }
}

/** A second init on the gated project: it succeeds, every tool is already gated, no file changes. */
export function expectSecondInitNoop(second: ProcResult & { report?: any }, tools: number): void {
  expect(second.code, second.stderr).toBe(0);
  expect((second.report?.tools ?? []).map((t: any) => t.status)).toEqual(
    Array(tools).fill("already-gated"),
  );
  expect(
    (second.report?.files ?? []).filter((f: any) => f.action !== "unchanged"),
    second.stdout,
  ).toEqual([]);
}
