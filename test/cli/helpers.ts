// Spawning the real CLI: `node bin/governor.js ...` (needs dist/, built by `npm test` or `GOVERNOR_FAST_BUILD=1 npx tsup`).
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll } from "vitest";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const bin = path.join(root, "bin/governor.js");
export const policies = path.join(root, "test/fixtures/policies");

if (!existsSync(path.join(root, "dist/cli.js")))
  throw new Error("dist/cli.js is missing: run `GOVERNOR_FAST_BUILD=1 npx tsup` first");

/** Environment without any GOVERNOR_* or CI variables of the machine running the tests. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith("GOVERNOR_") && k !== "CI" && k !== "GITHUB_ACTIONS" && k !== "FORCE_COLOR")
      env[k] = v;
  }
  env.NO_COLOR = "1";
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Children still running. No timer kills them (a fixed deadline fails a slow run on a loaded machine):
 * the test's own timeout is the safety net, and whatever is left when a file's tests end is killed here.
 */
const live = new Set<ChildProcess>();
function track(child: ChildProcess): ChildProcess {
  live.add(child);
  child.once("exit", () => live.delete(child));
  return child;
}
afterAll(() => {
  for (const child of live) child.kill("SIGKILL");
});

export function run(
  args: string[],
  opts: { env?: Record<string, string | undefined>; cwd?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = track(
      spawn(process.execPath, [bin, ...args], {
        cwd: opts.cwd ?? root,
        env: cleanEnv(opts.env),
        stdio: ["ignore", "pipe", "pipe"],
      }),
    );
    let stdout = "";
    let stderr = "";
    child.stdout!.setEncoding("utf8").on("data", (d) => (stdout += d));
    child.stderr!.setEncoding("utf8").on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

export interface Served {
  url: string;
  proc: ChildProcess;
  stderr(): string;
  stop(): Promise<void>;
}

/** Starts `governor serve --port 0 ...` and resolves once it printed its `listening on` line. */
export function serve(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<Served> {
  return new Promise((resolve, reject) => {
    // resolves on its `listening on` line, rejects if it exits first; a hang is the hook timeout's to catch
    const proc = track(
      spawn(process.execPath, [bin, "serve", "--port", "0", ...args], {
        cwd: root,
        env: cleanEnv(env),
        stdio: ["ignore", "pipe", "pipe"],
      }),
    );
    let stdout = "";
    let stderr = "";
    proc.stderr!.setEncoding("utf8").on("data", (d) => (stderr += d));
    proc.on("close", (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
    proc.stdout!.setEncoding("utf8").on("data", (d) => {
      stdout += d;
      const m = /^listening on (https?:\/\/\S+)\n/.exec(stdout);
      if (!m) return;
      resolve({
        url: m[1],
        proc,
        stderr: () => stderr,
        stop: () =>
          new Promise<void>((done) => {
            if (proc.exitCode !== null) return done();
            proc.removeAllListeners("close");
            proc.once("close", () => done());
            proc.kill("SIGTERM");
          }),
      });
    });
  });
}

/** A temp directory with a copy of a fixture policy, so tests can edit it. */
export function tempPolicy(name: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "governor-policy-"));
  const file = path.join(dir, "policy.yaml");
  copyFileSync(path.join(policies, name), file);
  return file;
}

/** Polls until `check` returns true. The bound is a safety net under the test timeout, not a
 *  margin: a loaded machine may take seconds to reload a policy or write a log line. */
export async function until(
  check: () => Promise<boolean>,
  what: string,
  ms = 20_000,
): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A port nothing listens on: bind one, then free it. */
export async function freePort(): Promise<number> {
  const { createServer } = await import("node:net");
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as import("node:net").AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
