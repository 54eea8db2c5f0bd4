// `governor serve` stops with whatever started it (issue 10): SIGHUP, and a parent that dies, even when
// npx runs serve through `sh -c` and is SIGKILLed (the shell and serve are re-parented, nobody signals them).
import { afterEach, describe, expect, it } from "vitest";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  symlinkSync,
  writeFileSync,
  copyFileSync,
} from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { bin, cleanEnv, policies, root } from "../cli/helpers.js";

const npx = existsSync(path.join(path.dirname(process.execPath), "npx"))
  ? path.join(path.dirname(process.execPath), "npx")
  : "npx";

/** A project dir where `npx --no-install governor` finds this checkout, and a policy path unique to the test. */
function project(): { dir: string; policy: string } {
  const dir = mkdtempSync(path.join(tmpdir(), "governor-lifecycle-"));
  writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify({ name: "lifecycle-app", version: "1.0.0", private: true }),
  );
  mkdirSync(path.join(dir, "node_modules/.bin"), { recursive: true });
  symlinkSync(root, path.join(dir, "node_modules/governor"));
  symlinkSync("../governor/bin/governor.js", path.join(dir, "node_modules/.bin/governor"));
  const policy = path.join(dir, "policy.yaml");
  copyFileSync(path.join(policies, "basic.yaml"), policy);
  return { dir, policy };
}

/** Resolves with the port once the process printed `listening on http://...:PORT`. */
function listening(p: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    p.stderr!.setEncoding("utf8").on("data", (d) => (err += d));
    p.stdout!.setEncoding("utf8").on("data", (d) => {
      out += d;
      const m = /listening on http:\/\/[^\s]+:(\d+)\n/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    p.once("close", (code) => reject(new Error(`exited (${code}) before listening: ${err}`)));
  });
}

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });

/** Polls until nothing accepts on the port; the bound is a safety net, not a margin. */
async function portCloses(port: number, ms = 30_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!(await accepts(port))) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

// Servers a failing test would leave behind, found by the unique policy path in their command line.
const marks: string[] = [];
afterEach(() => {
  const table = execFileSync("ps", ["-eo", "pid=,args="], { encoding: "utf8" });
  for (const line of table.split("\n")) {
    const [pid, ...args] = line.trim().split(/\s+/);
    if (marks.some((m) => args.join(" ").includes(m))) {
      try {
        process.kill(Number(pid), "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
  marks.length = 0;
});

describe("governor serve exits with whatever started it", () => {
  it("SIGKILL of `npx governor serve` (npm -> sh -c -> node): the port stops accepting", async () => {
    const { dir, policy } = project();
    marks.push(policy);
    const p = spawn(npx, ["--no-install", "governor", "serve", "--port", "0", "--policy", policy], {
      cwd: dir,
      env: cleanEnv({
        npm_config_update_notifier: "false",
        npm_config_fund: "false",
        npm_config_audit: "false",
      }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    const port = await listening(p);
    expect(await accepts(port)).toBe(true);
    p.kill("SIGKILL");
    expect(await portCloses(port)).toBe(true);
  }, 60_000);

  it("SIGKILL of a node parent that spawned serve: the port stops accepting", async () => {
    const { policy } = project();
    marks.push(policy);
    const script = `require("child_process").spawn(process.execPath, ${JSON.stringify([bin, "serve", "--port", "0", "--policy", policy])}, { stdio: "inherit" })`;
    const p = spawn(process.execPath, ["-e", script], {
      env: cleanEnv(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    const port = await listening(p);
    p.kill("SIGKILL");
    expect(await portCloses(port)).toBe(true);
  }, 60_000);

  it("SIGHUP (the terminal closed): says it stops, exits 0, port closed", async () => {
    const { policy } = project();
    marks.push(policy);
    const p = spawn(process.execPath, [bin, "serve", "--port", "0", "--policy", policy], {
      env: cleanEnv(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    p.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
    const exited = new Promise<[number | null, string | null]>((r) =>
      p.once("close", (code, sig) => r([code, sig])),
    );
    const port = await listening(p);
    p.kill("SIGHUP");
    expect(await exited).toEqual([0, null]);
    expect(stderr).toMatch(/governor serve: SIGHUP, stopping/);
    expect(await accepts(port)).toBe(false);
  }, 60_000);
});
