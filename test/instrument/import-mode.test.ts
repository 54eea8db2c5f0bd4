// governor/register imported by the app's entrypoint (as init adds it), not preloaded with --import:
// class prototypes are still patched before any of the app's modules can call a tool.
import { afterEach, describe, expect, it } from "vitest";
import { allow, deny, startEnforce, type EnforceServer } from "../support/enforce-server.js";
import { runFixture } from "./helpers.js";

let server: EnforceServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("governor/register as the first import of an ESM entrypoint", () => {
  it("gates a tool called while a later import loads, and one reached from the entrypoint's body", async () => {
    server = await startEnforce((req) =>
      req.body.resource?.name === "send_email" ? deny("d-1", { reason: "no email" }) : allow(),
    );
    const run = await runFixture("import-mode/entry.mjs", {
      load: "none",
      env: { GOVERNOR_ENFORCE_URL: server.url },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.summary.ran).toEqual(["at_load"]);
    expect(run.summary.later.ran).toEqual([]);
    expect(run.summary.later.text).toMatch(/blocked by policy.*no email/);
    expect(run.audit.map((a) => [a.tool, a.outcome, a.gatedBy])).toEqual([
      ["at_load", "executed", "instrumentation"],
      ["send_email", "blocked", "instrumentation"],
    ]);
  });

  it("with enforce down, neither runs", async () => {
    const run = await runFixture("import-mode/entry.mjs", {
      load: "none",
      env: { GOVERNOR_ENFORCE_URL: "http://127.0.0.1:9" },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.summary.ran).toEqual([]);
    expect(run.summary.atLoad).toMatch(/was not run/);
    expect(run.summary.later.ran).toEqual([]);
  });
});
