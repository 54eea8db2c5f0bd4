// examples/workflow must keep working: a plain Node workflow governed by intent scopes and the http
// guard, run against the real `governor serve` with the example's own policy.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, CLI, REPO } from "./support/paths.js";
import { run } from "./support/project.js";
import { startServe, type RunningServe } from "./support/serve.js";

const EXAMPLE = join(REPO, "examples", "workflow");
let serve: RunningServe;
let dir: string;

beforeAll(async () => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), "governor-workflow-"));
  serve = await startServe(join(EXAMPLE, "policy.yaml"));
});
afterAll(async () => {
  await serve?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const lines = (file: string) =>
  readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));

describe("examples/workflow", { timeout: 60_000 }, () => {
  it("the allowed step reaches the CRM, the denied step never runs, the request outside any scope is blocked and recorded", async () => {
    const audit = join(dir, "enforce.jsonl");
    const r = await run([join(EXAMPLE, "workflow.mjs")], {
      cwd: REPO,
      env: { GOVERNOR_ENFORCE_URL: serve.url, GOVERNOR_AUDIT_LOG: audit },
    });
    const out = `${r.stdout}\n${r.stderr}`;
    expect(r.code, out).toBe(0);
    const crm = /fake CRM listening on http:\/\/(127\.0\.0\.1:\d+)/.exec(r.stdout)?.[1];
    expect(crm, out).toBeDefined();
    expect(r.stdout).toMatch(
      /^step 1 read contacts: ALLOW \(request id [\w-]+\), fetched 2 contacts$/m,
    );
    expect(r.stdout).toMatch(
      /^step 2 purge contacts: DENY \(stepup_required, request id [\w-]+\), not run: .*Deleting CRM contacts in bulk needs a human approver/m,
    );
    expect(r.stdout).toContain(
      `outside any scope: BLOCKED by the http guard (guard_blocked, no_intent): governor blocked an outbound HTTP request (GET ${crm})`,
    );
    // Only the allowed step's request reached the CRM: no DELETE, no export.
    expect(r.stdout).toMatch(/^the CRM saw: GET \/contacts$/m);

    const records = lines(audit);
    expect(
      records.filter((l) => l.gatedBy === "scope").map((l) => [l.tool, l.decision, l.outcome]),
    ).toEqual([
      ["read", "ALLOW", "executed"],
      ["delete", "DENY", "blocked"],
    ]);
    const ungoverned = records.filter((l) => l.type === "ungoverned");
    expect(ungoverned).toEqual([
      {
        time: expect.any(String),
        type: "ungoverned",
        primitive: "http",
        target: crm,
        method: "GET",
        reason: "no_intent",
        blocked: true,
        mode: "enforce",
      },
    ]);
    expect(readFileSync(audit, "utf8")).not.toContain("export=all");
    // The enforce calls themselves were never taken for ungoverned traffic.
    expect(out).not.toContain(new URL(serve.url).host);

    // doctor counts the run's ungoverned line, as the README says.
    const d = await run(
      [CLI, "doctor", "--json", "--cwd", dir, "--url", serve.url, "--samples", "1"],
      { cwd: dir, env: { GOVERNOR_GUARD: "http", GOVERNOR_AUDIT_LOG: audit } },
    );
    const guards = JSON.parse(d.stdout).checks.find((c: { id: string }) => c.id === "guards");
    expect(guards, d.stdout + d.stderr).toMatchObject({
      status: "pass",
      details: {
        on: ["http"],
        mode: "enforce",
        ungoverned: { total: 1, blocked: 1, letThrough: 0, byReason: { no_intent: 1 } },
      },
    });
    expect(guards.message).toContain(`top targets http ${crm} (1)`);
  });

  it("observe mode: the request outside any scope goes through and is recorded as let through", async () => {
    const audit = join(dir, "observe.jsonl");
    const r = await run([join(EXAMPLE, "workflow.mjs")], {
      cwd: REPO,
      env: { GOVERNOR_ENFORCE_URL: serve.url, GOVERNOR_AUDIT_LOG: audit, GOVERNOR_MODE: "observe" },
    });
    const out = `${r.stdout}\n${r.stderr}`;
    expect(r.code, out).toBe(0);
    expect(r.stdout).toContain(
      "outside any scope: request let through (status 200; recorded as ungoverned)",
    );
    // observe runs the denied step too: its DELETE reaches the CRM (an observe grant, recorded as such).
    expect(r.stdout).toMatch(/^step 2 purge contacts: ran$/m);
    expect(r.stdout).toMatch(
      /^the CRM saw: GET \/contacts, DELETE \/contacts, GET \/contacts\?export=all$/m,
    );
    const ungoverned = lines(audit).filter((l) => l.type === "ungoverned");
    expect(
      ungoverned.map((l) => [l.method, l.reason, l.blocked, l.mode, l.within ?? null]),
    ).toEqual([
      ["DELETE", "observe", false, "observe", "scope delete"],
      ["GET", "no_intent", false, "observe", null],
    ]);
  });
});
