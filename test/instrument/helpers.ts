// Run a fixture app as its own Node process, instrumented by governor/register (or not), against a
// real enforce server, and read what happened: its stdout (a JSON summary on the last line), its
// stderr and its audit log.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = fileURLToPath(new URL("../../", import.meta.url));
export const FIXTURES = path.join(REPO, "test", "fixtures", "instrument");
export const REGISTER_ESM = path.join(REPO, "dist", "register.js");
export const REGISTER_CJS = path.join(REPO, "dist", "register.cjs");

export interface AppRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The last stdout line, parsed (fixtures print a JSON summary there), or null. */
  summary: any;
  /** Parsed audit lines (GOVERNOR_AUDIT_LOG is set to a temp file). */
  audit: any[];
}

/** How governor is loaded: `--import` (ESM build), `-r` (CJS build), or not at all. */
export type Load = "import" | "require" | "none";

/** The test runner's environment minus anything that would steer governor or the app. */
export function cleanEnv(): Record<string, string> {
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
  return { ...env, NO_COLOR: "1" };
}

export function runFixture(
  file: string,
  opts: { load: Load; env?: Record<string, string>; cwd?: string; args?: string[] },
): Promise<AppRun> {
  const auditDir = mkdtempSync(path.join(tmpdir(), "gov-inst-"));
  const auditLog = path.join(auditDir, "audit.jsonl");
  const flags =
    opts.load === "import"
      ? ["--import", REGISTER_ESM]
      : opts.load === "require"
        ? ["-r", REGISTER_CJS]
        : [];
  const script = path.isAbsolute(file) ? file : path.join(FIXTURES, file);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...flags, script, ...(opts.args ?? [])],
      {
        cwd: opts.cwd ?? path.dirname(script),
        env: {
          ...cleanEnv(),
          GOVERNOR_AUDIT_LOG: auditLog,
          GOVERNOR_CACHE_TTL_MS: "0",
          ...opts.env,
        },
        timeout: 60_000,
        maxBuffer: 16 << 20,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : null) : 0;
        const last = stdout.trim().split("\n").at(-1) ?? "";
        let summary: any = null;
        try {
          summary = JSON.parse(last);
        } catch {
          summary = null;
        }
        const audit = existsSync(auditLog)
          ? readFileSync(auditLog, "utf8")
              .split("\n")
              .filter(Boolean)
              .map((l) => JSON.parse(l))
          : [];
        rmSync(auditDir, { recursive: true, force: true });
        resolve({ code, stdout, stderr, summary, audit });
      },
    );
  });
}
