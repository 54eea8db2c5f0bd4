// The exec and fs guard tests' child processes: a script against the built runtime, with the
// guard settings in its environment (guards patch process globals: never in the test worker).
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

export const RUNTIME = pathToFileURL(path.resolve(__dirname, "../../dist/runtime/index.js")).href;
export const RUNTIME_CJS = path.resolve(__dirname, "../../dist/runtime/index.cjs");
export const ATTEMPT = pathToFileURL(path.resolve(__dirname, "../fixtures/guard/attempt.mjs")).href;
export const TOUCH_CJS = path.resolve(__dirname, "../fixtures/guard/touch.cjs");

export interface ChildResult {
  code: number | null;
  stderr: string;
  /** What the script passed to report(). */
  out: any;
  /** The audit log's lines. */
  audit: any[];
}

/** Run `source` as `<dir>/<file>` (.mjs or .cjs) with `env` (GOVERNOR_AUDIT_LOG defaults to
 *  <dir>/audit.jsonl); `__RUNTIME__`, `__RUNTIME_CJS__`, `__ATTEMPT__`, `__TOUCH__` are filled in. */
export function runChild(
  dir: string,
  file: string,
  source: string,
  env: Record<string, string>,
): Promise<ChildResult> {
  const audit = env.GOVERNOR_AUDIT_LOG ?? path.join(dir, "audit.jsonl");
  const script = path.join(dir, file);
  writeFileSync(
    script,
    source
      .replaceAll("__RUNTIME__", JSON.stringify(RUNTIME))
      .replaceAll("__RUNTIME_CJS__", JSON.stringify(RUNTIME_CJS))
      .replaceAll("__ATTEMPT__", JSON.stringify(ATTEMPT))
      .replaceAll("__TOUCH__", JSON.stringify(TOUCH_CJS)),
  );
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "", GOVERNOR_AUDIT_LOG: audit, ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => {
      let out: unknown;
      try {
        out = JSON.parse(stdout);
      } catch {
        out = stdout;
      }
      const lines = existsSync(audit)
        ? readFileSync(audit, "utf8")
            .trim()
            .split("\n")
            .filter(Boolean)
            .map((l) => JSON.parse(l))
        : [];
      resolve({ code, stderr, out, audit: lines });
    });
  });
}

/** The ungoverned records, as [op, target, reason, blocked]. */
export const ungoverned = (audit: any[]) =>
  audit.filter((l) => l.type === "ungoverned").map((l) => [l.op, l.target, l.reason, l.blocked]);
