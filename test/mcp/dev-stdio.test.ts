import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bin, cleanEnv } from "../cli/helpers.js";
import { cleanupTemp, copyFixture, ensureBuilt } from "../init/helpers.js";

// `governor mcp --dev` over stdio, spawned through the CLI: the handshake and tools/list load no
// ts-morph (a preload records every CommonJS module the process loaded, as it exits).

beforeAll(() => ensureBuilt(), 120_000);
afterAll(cleanupTemp);

const work = mkdtempSync(path.join(tmpdir(), "governor-dev-stdio-"));
const preload = path.join(work, "record-modules.mjs");
writeFileSync(
  preload,
  `import { createRequire } from "node:module";
import { writeFileSync } from "node:fs";
const require = createRequire(import.meta.url);
process.on("exit", () => writeFileSync(process.env.RECORD_MODULES, JSON.stringify(Object.keys(require.cache))));
`,
);

let runs = 0;
/** Starts the server in `cwd`, runs `use`, closes stdin (the server exits), returns the modules it loaded. */
async function session(
  cwd: string,
  args: string[],
  use: (c: Client) => Promise<void>,
): Promise<{ modules: string[]; stderr: string }> {
  const out = path.join(work, `modules-${++runs}.json`);
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ["--import", preload, bin, "mcp", "--dev", ...args],
    cwd,
    env: cleanEnv({ RECORD_MODULES: out }) as Record<string, string>,
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (d) => (stderr += d));
  const client = new Client({ name: "test", version: "0" });
  await client.connect(transport);
  try {
    await use(client);
  } finally {
    await client.close();
  }
  return { modules: JSON.parse(readFileSync(out, "utf8")), stderr };
}

const heavy = (modules: string[]) =>
  modules.filter((m) => /[\\/](ts-morph|@ts-morph|typescript)[\\/]/.test(m));

describe("governor mcp --dev over stdio", () => {
  it("answers tools/list without loading ts-morph", async () => {
    const dir = copyFixture("ts-esm-npm");
    let names: string[] = [];
    const { modules, stderr } = await session(dir, [], async (c) => {
      names = (await c.listTools()).tools.map((t) => t.name);
      await c.listResources();
    });
    expect(names).toContain("governor_scan");
    expect(names).not.toContain("governor_apply");
    expect(modules.length).toBeGreaterThan(0);
    expect(heavy(modules)).toEqual([]);
    expect(stderr).not.toMatch(/error/i);
  });

  it("loads it once a tool needs it, and answers over the same channel (--allow-apply lists apply)", async () => {
    const dir = copyFixture("ts-esm-npm");
    let scan: CallToolResult | undefined;
    let names: string[] = [];
    const { modules } = await session(dir, ["--allow-apply"], async (c) => {
      names = (await c.listTools()).tools.map((t) => t.name);
      scan = (await c.callTool({ name: "governor_scan", arguments: {} })) as CallToolResult;
    });
    expect(names).toContain("governor_apply");
    expect(scan?.isError).toBeFalsy();
    expect((scan?.structuredContent as { summary: unknown }).summary).toEqual({
      tools: 2,
      gated: 0,
      notGated: 2,
    });
    expect(heavy(modules).length).toBeGreaterThan(0);
  });

  it("keeps stdout to JSON-RPC lines while init and doctor code runs", async () => {
    const dir = copyFixture("ts-esm-npm");
    const child = spawn(process.execPath, [bin, "mcp", "--dev"], {
      cwd: dir,
      env: cleanEnv(),
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
    child.stderr.resume();
    const closed = new Promise((r) => child.once("close", r));
    const send = (m: object) => child.stdin.write(JSON.stringify({ jsonrpc: "2.0", ...m }) + "\n");
    const answered = async (id: number) => {
      while (!stdout.split("\n").some((l) => l.startsWith("{") && JSON.parse(l).id === id))
        await new Promise((r) => child.stdout.once("data", r));
    };
    send({
      id: 1,
      method: "initialize",
      params: {
        protocolVersion: "2025-06-18",
        capabilities: {},
        clientInfo: { name: "raw", version: "0" },
      },
    });
    await answered(1);
    send({ method: "notifications/initialized" });
    send({
      id: 2,
      method: "tools/call",
      params: { name: "governor_plan", arguments: { install: false } },
    });
    send({
      id: 3,
      method: "tools/call",
      params: { name: "governor_doctor", arguments: { samples: 1 } },
    });
    await answered(2);
    await answered(3);
    child.stdin.end();
    await closed;
    const lines = stdout.split("\n").filter(Boolean);
    expect(lines.length).toBe(3);
    for (const l of lines) expect(JSON.parse(l)).toMatchObject({ jsonrpc: "2.0" });
    const plan = JSON.parse(lines.find((l) => JSON.parse(l).id === 2)!);
    expect(plan.result.structuredContent.plan_id).toMatch(/^plan_/);
  });
});
