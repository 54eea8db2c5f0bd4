// The acceptance test: a gated MCP server started by an MCP client over stdio, with the
// client's default filtered environment and another working directory, finds its enforce URL (and
// API key) through the governor.config.json next to it, and answers per policy.
import { mkdirSync, mkdtempSync, copyFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allow, deny, startEnforce, type EnforceServer } from "../support/enforce-server.js";
import { FIXTURES, REGISTER_ESM, REPO, runFixture } from "./helpers.js";

const KEY = "sk-stdio-test-0123456789";
let enforce: EnforceServer;

beforeAll(async () => {
  // A server that requires the key: without it, every check is a 401 (no decision, nothing runs).
  enforce = await startEnforce((req) => {
    if (req.headers.authorization !== `Bearer ${KEY}`)
      return { status: 401, body: { error: "unauthorized" } };
    return req.body?.resource?.name === "send_email" ? deny("req-stdio") : allow();
  });
});
afterAll(() => enforce.close());

/** An app directory of its own (package.json, the server script, node_modules from this repo). */
function serverApp(config: object | undefined, key?: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "gov-mcp-app-"));
  writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify({ name: "mcp-app", type: "module" }),
  );
  copyFileSync(path.join(FIXTURES, "mcp", "stdio-server.mjs"), path.join(dir, "server.mjs"));
  symlinkSync(path.join(REPO, "node_modules"), path.join(dir, "node_modules"), "dir");
  if (config) writeFileSync(path.join(dir, "governor.config.json"), JSON.stringify(config));
  if (key) {
    mkdirSync(path.join(dir, "secrets"));
    writeFileSync(path.join(dir, "secrets", "governor.key"), key + "\n");
  }
  return dir;
}

const elsewhere = () => mkdtempSync(path.join(tmpdir(), "gov-mcp-cwd-"));

const ways = [
  {
    name: "node --import governor/register in the client's command",
    mode: "flag",
    flags: ["--import", REGISTER_ESM],
  },
  { name: "governMcpServer in the server", mode: "wrap", flags: [] as string[] },
];

describe.each(ways)("a stdio MCP server gated by $name", ({ mode, flags }) => {
  it("finds enforce.url and enforce.apiKeyFile in its governor.config.json: DENY'd refused, allowed runs", async () => {
    const app = serverApp(
      {
        enforce: { url: enforce.url, apiKeyFile: "./secrets/governor.key" },
        tools: { lookup: { action: "read" } },
      },
      KEY,
    );
    const before = enforce.requests.length;
    // The client's own environment has the settings; the stdio transport does not pass them on.
    const run = await runFixture("mcp/stdio-client.mjs", {
      load: "none",
      args: [path.join(app, "server.mjs"), mode, elsewhere(), ...flags],
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.summary.results.lookup).toEqual({ isError: false, text: "ran lookup acme" });
    expect(run.summary.results.send_email.isError).toBe(true);
    expect(run.summary.results.send_email.text).toMatch(
      /^The tool call "send_email" was blocked by policy \(request id req-stdio\)/,
    );
    const asked = enforce.requests.slice(before);
    expect(asked.map((r) => r.body.resource.name)).toEqual(["send_email", "lookup"]);
    expect(asked.every((r) => r.headers.authorization === `Bearer ${KEY}`)).toBe(true);
    // The intent map from the same file applies.
    expect(asked[1]!.body.action).toBe("read");
    expect(run.stderr).not.toContain(KEY);
  });

  it("with no configuration nothing runs, and the refusal says which setting is missing and where governor looked", async () => {
    const app = serverApp(undefined);
    const before = enforce.requests.length;
    const run = await runFixture("mcp/stdio-client.mjs", {
      load: "none",
      args: [path.join(app, "server.mjs"), mode, elsewhere(), ...flags],
      env: { GOVERNOR_ENFORCE_URL: enforce.url },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(enforce.requests.length).toBe(before);
    const text = run.summary.results.lookup.text;
    expect(run.summary.results.lookup.isError).toBe(true);
    expect(text).toMatch(
      /^The tool call "lookup" was not run: it could not be checked against policy because governor is not configured/,
    );
    expect(text).toContain("GOVERNOR_ENFORCE_URL is not set");
    expect(text).toContain(path.join(app, "governor.config.json"));
  });
});

describe("a stdio MCP server whose key file is wrong", () => {
  it("refuses every call (fail closed) and never prints the key", async () => {
    const app = serverApp(
      { enforce: { url: enforce.url, apiKeyFile: "./secrets/governor.key" } },
      "sk-wrong-key-0123456789",
    );
    const run = await runFixture("mcp/stdio-client.mjs", {
      load: "none",
      args: [path.join(app, "server.mjs"), "flag", elsewhere(), "--import", REGISTER_ESM],
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.summary.results.lookup.isError).toBe(true);
    expect(run.summary.results.lookup.text).toMatch(/could not be checked against policy/);
    expect(run.stdout + run.stderr).not.toContain("sk-wrong-key-0123456789");
  });
});
