// MCP SDK: servers (McpServer.registerTool, McpServer.tool, a low-level Server with a CallTool
// switch) and clients (callTool, request, callToolStream), gated by instrumentation alone (ESM and
// CJS) and by the wrappers alone, in real processes against a real enforce server.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { governMcpClient, governMcpServer } from "../../src/runtime/index.js";
import {
  allow,
  closedUrl,
  deny,
  startEnforce,
  type EnforceServer,
} from "../support/enforce-server.js";
import { runFixture, type Load } from "./helpers.js";

const DENIED = new Set(["send_email", "delete_file"]);
let enforce: EnforceServer;

beforeAll(async () => {
  enforce = await startEnforce((req) =>
    DENIED.has(req.body?.resource?.name) ? deny("req-mcp") : allow(),
  );
});
afterAll(() => enforce.close());

const modes: { name: string; load: Load; arg: string; ext: "mjs" | "cjs"; by: string }[] = [
  {
    name: "instrumentation alone, ESM (--import)",
    load: "import",
    arg: "none",
    ext: "mjs",
    by: "instrumentation",
  },
  {
    name: "instrumentation alone, CJS (-r)",
    load: "require",
    arg: "none",
    ext: "cjs",
    by: "instrumentation",
  },
  { name: "the wrapper alone, ESM", load: "none", arg: "wrap", ext: "mjs", by: "registration" },
  { name: "the wrapper alone, CJS", load: "none", arg: "wrap", ext: "cjs", by: "registration" },
];

describe.each(modes)("MCP server, $name", ({ load, arg, ext, by }) => {
  it("a DENY'd tool never runs and the caller gets the refusal result; ALLOW'd ones run; each call asked once", async () => {
    const before = enforce.requests.length;
    const run = await runFixture(`mcp/server.${ext}`, {
      load,
      args: [arg],
      env: { GOVERNOR_ENFORCE_URL: enforce.url },
    });
    expect(run.code, run.stderr).toBe(0);
    const { ran, results } = run.summary;
    expect(ran).toEqual(["add", "lookup", "late_tool", "read_file"]);
    for (const name of ["send_email", "delete_file"]) {
      expect(results[name].isError).toBe(true);
      expect(results[name].text).toMatch(
        new RegExp(`^The tool call "${name}" was blocked by policy \\(request id req-mcp\\)`),
      );
    }
    expect(results.add).toEqual({ isError: false, text: "5" });
    expect(results.late_tool).toEqual({ isError: false, text: "late y" });
    expect(results.read_file).toEqual({ isError: false, text: "contents" });
    // lookup is gate()d at its definition too: one enforce request per call, six calls.
    expect(enforce.requests.length - before).toBe(6);
    expect(run.audit.map((a) => [a.tool, a.gatedBy, a.outcome])).toEqual([
      ["send_email", by, "blocked"],
      ["add", by, "executed"],
      ["lookup", by, "executed"],
      ["late_tool", by, "executed"],
      ["delete_file", by, "blocked"],
      ["read_file", by, "executed"],
    ]);
    // The intent comes from params.arguments only.
    expect(enforce.requests.at(-6)!.body.resource.name).toBe("send_email");
  });

  it("with enforce down nothing runs, and each caller is told the call was not checked", async () => {
    const run = await runFixture(`mcp/server.${ext}`, {
      load,
      args: [arg],
      env: { GOVERNOR_ENFORCE_URL: await closedUrl() },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.summary.ran).toEqual([]);
    for (const r of Object.values(run.summary.results) as any[]) {
      expect(r.isError).toBe(true);
      expect(r.text).toMatch(/was not run: it could not be checked against policy/);
    }
  });
});

describe.each(modes)("MCP client, $name", ({ load, arg, ext, by }) => {
  it("callTool, request and callToolStream: a DENY'd call is never sent and returns the refusal result", async () => {
    const before = enforce.requests.length;
    const run = await runFixture(`mcp/client.${ext}`, {
      load,
      args: [arg],
      env: { GOVERNOR_ENFORCE_URL: enforce.url },
    });
    expect(run.code, run.stderr).toBe(0);
    const { ran, results } = run.summary;
    // What the bare server was asked to run.
    expect(ran).toEqual(["lookup", "read_file", "stream_tool"]);
    expect(results.send_email.isError).toBe(true);
    expect(results.send_email.text).toMatch(/^The tool call "send_email" was blocked by policy/);
    expect(results.delete_file.isError).toBe(true);
    expect(results.delete_file.text).toMatch(/^The tool call "delete_file" was blocked by policy/);
    expect(results.lookup).toEqual({ isError: false, text: "ran lookup" });
    expect(results.read_file).toEqual({ isError: false, text: "ran read_file" });
    expect(results.stream_tool).toEqual({ isError: false, text: "ran stream_tool" });
    // listTools is not a tool call; governing twice asks once.
    expect(enforce.requests.length - before).toBe(5);
    expect(run.audit.map((a) => [a.tool, a.gatedBy, a.outcome])).toEqual([
      ["send_email", by, "blocked"],
      ["lookup", by, "executed"],
      ["delete_file", by, "blocked"],
      ["read_file", by, "executed"],
      ["stream_tool", by, "executed"],
    ]);
  });

  it("with enforce down no call is sent", async () => {
    const run = await runFixture(`mcp/client.${ext}`, {
      load,
      args: [arg],
      env: { GOVERNOR_ENFORCE_URL: await closedUrl() },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.summary.ran).toEqual([]);
    expect(run.summary.results.lookup.text).toMatch(/could not be checked against policy/);
  });
});

describe("without governor", () => {
  it("the same fixtures run every call (what the gates above stop)", async () => {
    const server = await runFixture("mcp/server.mjs", {
      load: "none",
      args: ["none"],
      env: { GOVERNOR_ENFORCE_URL: enforce.url },
    });
    expect(server.summary.ran).toEqual([
      "send_email",
      "add",
      "lookup",
      "late_tool",
      "delete_file",
      "read_file",
    ]);
    const client = await runFixture("mcp/client.mjs", {
      load: "none",
      args: ["none"],
      env: { GOVERNOR_ENFORCE_URL: enforce.url },
    });
    expect(client.summary.ran).toEqual([
      "send_email",
      "lookup",
      "delete_file",
      "read_file",
      "stream_tool",
    ]);
  });
});

describe("governMcpServer / governMcpClient", () => {
  it("return the same object, and name what they cannot gate", () => {
    const server = new McpServer({ name: "s", version: "1" });
    expect(governMcpServer(server)).toBe(server);
    expect(governMcpServer(server.server)).toBe(server.server);
    expect(() => governMcpServer({ connect() {} })).toThrow(
      /governMcpServer: expected an McpServer or a Server .*NOT gated/,
    );
    expect(() => governMcpClient({} as object)).toThrow(
      /governMcpClient: expected a Client .*NOT gated/,
    );
  });
});
