import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

// Shared helpers for init tests: fixture copies in temp dirs, the real CLI, byte snapshots.

export const REPO = fileURLToPath(new URL("../..", import.meta.url));
export const FIXTURES = join(REPO, "test", "fixtures", "init");
export const CLI = join(REPO, "bin", "governor.js");

const made: string[] = [];

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const abs = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(abs) : statSync(abs).mtimeMs);
  }
  return newest;
}

/**
 * Builds dist/ unless it is newer than every source file (`npm test` builds first; rebuilding from
 * several test files at once would race). `dts` also needs governor's .d.ts files.
 */
export function ensureBuilt(dts = false): void {
  const outputs = [
    join(REPO, "dist", "cli.js"),
    ...(dts ? [join(REPO, "dist", "runtime", "index.d.ts")] : []),
  ];
  const sources = Math.max(newestMtime(join(REPO, "src")), newestMtime(join(REPO, "templates")));
  const fresh = outputs.every((o) => {
    try {
      return statSync(o).mtimeMs >= sources;
    } catch {
      return false;
    }
  });
  if (fresh) return;
  const r = spawnSync("npx", ["tsup"], {
    cwd: REPO,
    encoding: "utf8",
    env: { ...process.env, ...(dts ? {} : { GOVERNOR_FAST_BUILD: "1" }) },
  });
  if (r.status !== 0) throw new Error(`build failed: ${r.stderr}`);
}

export function copyFixture(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `governor-init-${name}-`));
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  made.push(dir);
  return dir;
}

export function cleanupTemp(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function git(dir: string, ...args: string[]): string {
  const r = spawnSync("git", args, { cwd: dir, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

export function gitInit(dir: string): void {
  git(dir, "init", "-q");
  git(dir, "-c", "user.email=t@example.com", "-c", "user.name=t", "add", "-A");
  git(dir, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "fixture");
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runInit(args: string[], env: Record<string, string | undefined> = {}): CliResult {
  const r = spawnSync(process.execPath, [CLI, "init", ...args], {
    encoding: "utf8",
    env: { ...process.env, CI: undefined, FORCE_COLOR: "0", ...env },
    stdio: ["pipe", "pipe", "pipe"],
    input: "",
    timeout: 60_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Environment for runInit in which init's first write to `file` comes out unparseable
 *  (corrupt-write.mjs wraps node:fs in the child; the writer has no hook for it). */
export function corruptWrite(file: string): Record<string, string> {
  const preload = pathToFileURL(join(REPO, "test", "init", "corrupt-write.mjs")).href;
  const options = `${process.env.NODE_OPTIONS ?? ""} --import ${preload}`.trim();
  return { CORRUPT_WRITE_FILE: file, NODE_OPTIONS: options };
}

export function json<T = Report>(r: CliResult): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`stdout is not JSON (exit ${r.code}):\n${r.stdout}\nstderr:\n${r.stderr}`);
  }
}

/** Every file under dir (except .git and node_modules) with its bytes. */
export function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name === ".git" || e.name === "node_modules") continue;
      const abs = join(d, e.name);
      if (e.isDirectory()) walk(abs);
      else if (statSync(abs).isFile())
        out.set(relative(dir, abs), readFileSync(abs).toString("base64"));
    }
  };
  walk(dir);
  return out;
}

export const read = (dir: string, path: string) => readFileSync(join(dir, path), "utf8");

export interface Report {
  tools: {
    file: string;
    line: number;
    name: string | null;
    nameConfidence: string;
    framework: string;
    form: string;
    status: string;
    reason?: string;
  }[];
  entrypoints: { file: string; status: string }[];
  files: { path: string; action: "update" | "create" | "unchanged" }[];
  dependencies: {
    name: string;
    range: string;
    package: string;
    status: string;
    install: string;
    command: string | null;
  }[];
  warnings: string[];
}
