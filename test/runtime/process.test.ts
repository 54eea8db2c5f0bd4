// Process behaviour of the built runtime, in child processes: never keeps a process alive, flushes
// the audit log on exit and on a signal-driven exit, never writes to stdout.
import { afterEach, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import type { Readable } from "node:stream";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { allow, startEnforce, type EnforceServer } from "../support/enforce-server.js";
import { tmp } from "./helpers.js";

const runtime = pathToFileURL(path.resolve(__dirname, "../../dist/runtime/index.js")).href;
const runtimeCjs = path.resolve(__dirname, "../../dist/runtime/index.cjs");

let server: EnforceServer | undefined;
// No timer kills a child (a fixed deadline fails a slow run): the test timeout is the safety net, and
// a child still running when its test ends is killed here.
const live = new Set<ChildProcess>();
afterEach(async () => {
  for (const child of live) child.kill("SIGKILL");
  live.clear();
  await server?.close();
  server = undefined;
});

function run(
  script: string,
  prelude = "",
): Promise<{
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  audit: any[];
}> {
  const dir = tmp();
  const file = path.join(dir, "app.mjs");
  const audit = path.join(dir, "audit.jsonl");
  const body = script.replaceAll('"URL"', JSON.stringify(server!.url));
  writeFileSync(
    file,
    `${prelude}\nimport { createGovernor } from ${JSON.stringify(runtime)};\nconst governor = createGovernor({ enforceUrl: ${JSON.stringify(server!.url)}, auditLog: ${JSON.stringify(audit)}, env: {}, config: {} });\n${body}`,
  );
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file, audit], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "" },
    });
    live.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code, signal) => {
      live.delete(child);
      const lines = existsSync(audit)
        ? readFileSync(audit, "utf8")
            .trim()
            .split("\n")
            .filter(Boolean)
            .map((l) => JSON.parse(l))
        : [];
      resolve({ code, signal, stdout, stderr, audit: lines });
    });
  });
}

describe("process behaviour (built runtime)", () => {
  it("an unclosed governor does not keep the process alive, flushes on exit and writes nothing to stdout", async () => {
    server = await startEnforce(() => allow("p-1"));
    const r = await run(
      `await governor.gate("get_x", async () => 1)();\nawait governor.check({ action: "read", actor: { id: "a", type: "user" }, resource: { type: "x" } });`,
    );
    expect(r.code).toBe(0);
    // Exited by itself: a process held by the keep-alive pool (30 s idle) would outlive the test's
    // 30 s timeout, and the server keeps its side open for 60 s.
    expect(r.stdout).toBe("");
    expect(r.audit.map((l) => [l.tool, l.outcome, l.requestId])).toEqual([
      ["get_x", "executed", "p-1"],
    ]);
  });

  it("a SIGTERM with no handler of the app's still flushes the audit line, then ends by the signal", async () => {
    server = await startEnforce(() => allow("p-2"));
    const r = await run(
      `await governor.gate("get_x", async () => 1)();\nsetTimeout(() => {}, 5000);\nprocess.kill(process.pid, "SIGTERM");`,
    );
    expect(r.signal).toBe("SIGTERM");
    expect(r.audit.map((l) => l.requestId)).toEqual(["p-2"]);
  });

  it("with the ESM and CJS builds both logging, a SIGTERM still ends the process after flushing both", async () => {
    server = await startEnforce((req) => allow(req.body.actor.id));
    const r = await run(
      `import { createRequire } from "node:module";\nconst cjs = createRequire(import.meta.url)(${JSON.stringify(runtimeCjs)});\n` +
        `const other = cjs.createGovernor({ enforceUrl: ${JSON.stringify("URL")}, auditLog: process.argv[2], env: {}, config: {}, actor: { id: "cjs" } });\n` +
        `await governor.gate("get_x", async () => 1)();\nawait other.gate("get_x", async () => 1)();\nsetTimeout(() => {}, 5000);\nprocess.kill(process.pid, "SIGTERM");`,
    );
    expect(r.signal).toBe("SIGTERM");
    expect(r.audit.map((l) => l.requestId).sort()).toEqual(["anonymous", "cjs"]);
  });

  it("an app's once() SIGTERM handler registered before governor keeps control of the exit", async () => {
    server = await startEnforce(() => allow("p-4"));
    const r = await run(
      `await governor.gate("get_x", async () => 1)();\nsetTimeout(() => {}, 5000);\nprocess.kill(process.pid, "SIGTERM");`,
      `process.once("SIGTERM", () => { process.stderr.write("graceful\\n"); setTimeout(() => process.exit(4), 50); });`,
    );
    expect(r.signal).toBe(null);
    expect(r.code).toBe(4);
    expect(r.audit.map((l) => l.requestId)).toEqual(["p-4"]);
  });

  it("an app's own SIGTERM handler keeps control of the exit; the audit line is flushed", async () => {
    server = await startEnforce(() => allow("p-3"));
    const r = await run(
      `process.on("SIGTERM", () => { process.stderr.write("graceful\\n"); setTimeout(() => process.exit(3), 50); });\nawait governor.gate("get_x", async () => 1)();\nsetTimeout(() => {}, 5000);\nprocess.kill(process.pid, "SIGTERM");`,
    );
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("graceful");
    expect(r.audit.map((l) => l.requestId)).toEqual(["p-3"]);
  });

  it("audit to stderr: a slow reader (full pipe) loses no line and gets them whole and in order", async () => {
    const dir = tmp();
    const file = path.join(dir, "app.mjs");
    writeFileSync(
      file,
      `import { createGovernor } from ${JSON.stringify(runtime)};\n` +
        `const governor = createGovernor({ mode: "off", auditLog: "stderr", env: {}, config: {} });\n` +
        `const tool = governor.gate("get_x", async () => 1);\nfor (let i = 0; i < 2000; i++) await tool();\nawait governor.close();\n` +
        // tells the test every line was handed over (to the pipe, or queued once it was full)
        `(await import("node:fs")).writeSync(3, "closed\\n");\n`,
    );
    const child = spawn(process.execPath, [file], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "" },
      stdio: ["ignore", "pipe", "pipe", "pipe"],
    });
    live.add(child);
    const [out, err, done] = child.stdio.slice(1, 4) as Readable[];
    err.pause(); // the pipe fills up (64 kB) while the child keeps logging
    let stderr = "";
    let stdout = "";
    out.on("data", (d) => (stdout += d));
    await once(done, "data");
    err.on("data", (d) => (stderr += d));
    err.resume();
    const code = await new Promise((r) => child.on("close", r));
    expect(code).toBe(0);
    expect(stdout).toBe("");
    const lines = stderr.split("\n").filter((l) => l.startsWith("{"));
    expect(lines.length).toBe(2000);
    expect(stderr.length).toBeGreaterThan(64 * 1024); // more than the pipe holds: it was full
    expect(lines.every((l) => JSON.parse(l).tool === "get_x")).toBe(true);
    expect(stderr).not.toMatch(/could not write the audit log|dropped/);
  });
});
