// Driving `governor mcp` (the enforce server) with the real MCP SDK Client, over stdio or HTTP.
import { spawn, type ChildProcess } from "node:child_process";
import { afterAll } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { bin, cleanEnv, root } from "../cli/helpers.js";

export interface StdioSession {
  client: Client;
  /** JSON-RPC framing errors the client saw (a non-JSON line on stdout is one). */
  errors: Error[];
  stderr(): string;
  close(): Promise<void>;
}

export async function stdioClient(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<StdioSession> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [bin, "mcp", ...args],
    env: cleanEnv(env) as Record<string, string>,
    cwd: root,
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const client = new Client({ name: "governor-test", version: "1.0.0" });
  const errors: Error[] = [];
  client.onerror = (e) => errors.push(e);
  await client.connect(transport);
  return { client, errors, stderr: () => stderr, close: () => client.close() };
}

export interface HttpServer {
  url: string;
  proc: ChildProcess;
  stdout(): string;
  stderr(): string;
  stop(): Promise<number | null>;
}

const live = new Set<ChildProcess>();
afterAll(() => {
  for (const p of live) p.kill("SIGKILL");
});

/** Starts `governor mcp --http --port 0 ...`; resolves on its `listening on` stderr line. */
export function httpServer(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<HttpServer> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [bin, "mcp", "--http", "--port", "0", ...args], {
      cwd: root,
      env: cleanEnv(env),
      stdio: ["ignore", "pipe", "pipe"],
    });
    live.add(proc);
    proc.once("exit", () => live.delete(proc));
    let stdout = "";
    let stderr = "";
    proc.stdout!.setEncoding("utf8").on("data", (d) => (stdout += d));
    proc.on("close", (code) => reject(new Error(`governor mcp exited with ${code}: ${stderr}`)));
    proc.stderr!.setEncoding("utf8").on("data", (d) => {
      stderr += d;
      const m = /^listening on (http:\/\/\S+\/mcp)\n/.exec(stderr);
      if (!m) return;
      resolve({
        url: m[1],
        proc,
        stdout: () => stdout,
        stderr: () => stderr,
        stop: () =>
          new Promise((done) => {
            if (proc.exitCode !== null) return done(proc.exitCode);
            proc.removeAllListeners("close");
            proc.once("close", (code) => done(code));
            proc.kill("SIGTERM");
          }),
      });
    });
  });
}

export async function httpClient(url: string, key?: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: key ? { headers: { authorization: `Bearer ${key}` } } : undefined,
  });
  const client = new Client({ name: "governor-test", version: "1.0.0" });
  await client.connect(transport);
  return client;
}

export const readIntent = { action: "query", resource: { type: "postgres_db", name: "users" } };
export const refundIntent = { action: "refund", resource: { type: "payment", name: "order-42" } };

/** A tool result's structuredContent, typed loosely for assertions. */
export const sc = (r: unknown) =>
  (r as { structuredContent: Record<string, any> }).structuredContent;
export const text = (r: unknown) =>
  (r as { content: { type: string; text: string }[] }).content.map((c) => c.text).join("\n");
