// Starts the real `governor serve` CLI and reads its URL from the first stdout line.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { afterAll } from "vitest";
import { CLI, REPO } from "./paths.js";

export interface RunningServe {
  url: string;
  /** Everything serve wrote to stderr so far (one line per decision). */
  stderr(): string;
  stop(): Promise<void>;
}

// Serves that never printed their URL (the hook timed out) are killed when the file's tests end.
const starting = new Set<ChildProcess>();
afterAll(() => {
  for (const child of starting) child.kill("SIGKILL");
});

export function startServe(policyFile: string, extraArgs: string[] = []): Promise<RunningServe> {
  const child = spawn(
    process.execPath,
    [CLI, "serve", "--port", "0", "--policy", policyFile, "--no-watch", ...extraArgs],
    {
      cwd: REPO,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  starting.add(child);
  child.once("exit", () => starting.delete(child));
  let out = "";
  let err = "";
  child.stderr!.on("data", (d) => (err += d));
  // No start deadline of its own (a slow start on a loaded machine is not a failure): a hang is the
  // hook timeout's to catch.
  return new Promise((resolve, reject) => {
    child.once("exit", (code) =>
      reject(new Error(`governor serve exited with ${code} before listening.\nstderr: ${err}`)),
    );
    child.stdout!.on("data", (d) => {
      out += d;
      const m = /^listening on (http:\/\/\S+)\s*$/m.exec(out);
      if (!m) return;
      starting.delete(child);
      child.removeAllListeners("exit");
      resolve({ url: m[1], stderr: () => err, stop: () => stopChild(child) });
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const hard = setTimeout(() => child.kill("SIGKILL"), 3000);
    child.once("exit", () => {
      clearTimeout(hard);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/** A loopback URL nothing listens on: stands in for an enforce server that is down. */
export async function closedPortUrl(): Promise<string> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return `http://127.0.0.1:${port}`;
}
