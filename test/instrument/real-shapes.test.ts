// Shapes found validating issue 8 on real public repositories, each as our own minimal fixture
// (test/fixtures/instrument/real). Each test states what a user relies on; a failing one is a miss.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  allow,
  closedUrl,
  deny,
  startEnforce,
  type EnforceServer,
} from "../support/enforce-server.js";
import { FIXTURES, REPO, cleanEnv, runFixture } from "./helpers.js";

let enforce: EnforceServer;
beforeAll(async () => {
  enforce = await startEnforce((req) =>
    req.body?.resource?.name === "export_notes" ? deny("req-real") : allow(),
  );
});
afterAll(() => enforce.close());

// modelcontextprotocol/servers src/everything: simulate-research-query is registered with
// server.experimental.tasks.registerToolTask and called as a task (tools/call with params.task).
describe("MCP task-based tool (experimental.tasks.registerToolTask), instrumentation alone", () => {
  // The client side asks first (its Client is instrumented too): a task-augmented call it refuses
  // has no task to poll, so the refusal is the call's error message.
  const refusalOf = (got: any[]) =>
    got.find((m) => m.type === "result")?.text ??
    got.find((m) => m.type === "error")?.message ??
    null;

  it("DENY: createTask never runs and the client gets the refusal, not a schema error", async () => {
    const run = await runFixture("real/mcp-task-tool/app.mjs", {
      load: "import",
      env: { GOVERNOR_ENFORCE_URL: enforce.url },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.summary.ran).toEqual(["lookup_note"]);
    expect(run.summary.got.lookup_note).toEqual({ isError: false, text: "note 7" });
    expect(refusalOf(run.summary.got.export_notes)).toContain("blocked by policy");
    expect(JSON.stringify(run.summary.got.export_notes)).not.toMatch(
      /invalid_type|did not return a task/,
    );
  });

  it("enforce down: nothing runs and the client gets the refusal, not 'Task creation did not return a task'", async () => {
    const run = await runFixture("real/mcp-task-tool/app.mjs", {
      load: "import",
      env: { GOVERNOR_ENFORCE_URL: await closedUrl() },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.summary.ran).toEqual([]);
    expect(JSON.stringify(run.summary.got.export_notes)).not.toContain("did not return a task");
    expect(refusalOf(run.summary.got.export_notes)).toBeTruthy();
  });
});

describe("MCP task-based tool, only the server gated (governMcpServer)", () => {
  it("DENY: createTask never runs; the client polls a task whose result is the refusal", async () => {
    const run = await runFixture("real/mcp-task-tool/app.mjs", {
      load: "none",
      args: ["--govern-server"],
      env: { GOVERNOR_ENFORCE_URL: enforce.url },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.summary.ran).toEqual(["lookup_note"]);
    const seen = run.summary.got.export_notes;
    expect(seen.map((m: any) => m.type)).toContain("taskCreated");
    expect(seen.find((m: any) => m.type === "result")).toMatchObject({
      isError: true,
      text: expect.stringContaining("blocked by policy"),
    });
    expect(JSON.stringify(seen)).not.toMatch(/invalid_type|did not return a task/);
    expect(run.audit.find((a) => a.tool === "export_notes")).toMatchObject({
      outcome: "blocked",
      gatedBy: "registration",
    });
  });
});

describe("doctor on an MCP server with a task-based tool and a tool named by a constant", () => {
  let dir: string;
  let governed: any;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "governor-real-shapes-"));
    cpSync(path.join(FIXTURES, "real/doctor-task-tool"), dir, { recursive: true });
    const r = spawnSync(
      process.execPath,
      [path.join(REPO, "bin/governor.js"), "doctor", "--cwd", dir, "--json", "--samples", "1"],
      {
        env: { ...cleanEnv(), GOVERNOR_ENFORCE_URL: enforce.url },
        encoding: "utf8",
      },
    );
    governed = JSON.parse(r.stdout).checks.find((c: { id: string }) => c.id === "tools.governed");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("names the registerToolTask tool (no layer gates it here, so it must be named)", () => {
    expect(JSON.stringify(governed.details)).toContain("export_notes");
    expect(governed.details.tools).toBe(3);
  });

  it("names a tool registered under a constant by its name, not as 'registerTool'", () => {
    const where: string[] = governed.details.notGated.map((n: { where: string }) => n.where);
    expect(where.some((w) => w.includes("compress_note"))).toBe(true);
  });
});
