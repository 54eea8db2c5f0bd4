// Mastra end to end: real @mastra/core 0.24 agents with an offline model, run as their own Node
// processes against a real enforce server, gated by instrumentation alone (--import / -r) or by
// governTools alone. readFile is allowed, sendEmail denied.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  allow,
  closedUrl,
  deny,
  startEnforce,
  type EnforceServer,
} from "../support/enforce-server.js";
import { runFixture, type Load } from "./helpers.js";

let server: EnforceServer;
beforeAll(async () => {
  server = await startEnforce((req) =>
    req.body?.resource?.name === "sendEmail" ? deny("r-deny") : allow("r-allow"),
  );
});
afterAll(() => server.close());

const run = async (file: string, load: Load, args: string[] = [], url = server.url) => {
  const before = server.requests.length;
  const r = await runFixture(`mastra/${file}`, { load, args, env: { GOVERNOR_ENFORCE_URL: url } });
  return { ...r, asked: server.requests.slice(before).map((q) => q.body?.resource?.name) };
};
const outputOf = (summary: any, name: string) =>
  summary.seen.find((s: any) => s.name === name)?.output;

const cases: { title: string; file: string; load: Load; args: string[]; by: string }[] = [
  {
    title: "instrumentation alone, ESM (--import)",
    file: "app.mjs",
    load: "import",
    args: [],
    by: "instrumentation",
  },
  {
    title: "instrumentation alone, ESM, agent.stream()",
    file: "app.mjs",
    load: "import",
    args: ["--stream"],
    by: "instrumentation",
  },
  {
    title: "instrumentation alone, ESM, Agent from the package root",
    file: "app-root.mjs",
    load: "import",
    args: [],
    by: "instrumentation",
  },
  {
    title: "instrumentation alone, CJS (-r)",
    file: "app.cjs",
    load: "require",
    args: [],
    by: "instrumentation",
  },
  {
    title: "instrumentation alone, ESM, governor/register imported first (not preloaded)",
    file: "app-first-import.mjs",
    load: "none",
    args: [],
    by: "instrumentation",
  },
  {
    title: "governTools alone, ESM",
    file: "app.mjs",
    load: "none",
    args: ["--govern"],
    by: "registration",
  },
  {
    title: "governTools alone, CJS",
    file: "app.cjs",
    load: "none",
    args: ["--govern"],
    by: "registration",
  },
];

describe.each(cases)("Mastra agent: $title", ({ file, load, args, by }) => {
  it("runs the allowed tool, never the denied one, and the model gets the refusal as its output", async () => {
    const r = await run(file, load, args);
    expect(r.summary, r.stderr).toBeTruthy();
    expect(r.summary.error).toBeNull();
    expect(r.summary.ran).toEqual(["readFile"]);
    expect(outputOf(r.summary, "readFile")).toEqual({ text: "contents of /notes.txt" });
    expect(outputOf(r.summary, "sendEmail")).toMatch(
      /"sendEmail" was blocked by policy \(request id r-deny\)/,
    );
    expect(r.summary.text).toBe("done");
    // Asked once each, by the key the model calls (not the tool ids "read-file" / "send-email").
    expect(r.asked.sort()).toEqual(["readFile", "sendEmail"]);
    const audit = Object.fromEntries(r.audit.map((a) => [a.tool, a]));
    expect(audit.readFile).toMatchObject({ gatedBy: by, decision: "ALLOW", outcome: "executed" });
    expect(audit.sendEmail).toMatchObject({ gatedBy: by, decision: "DENY", outcome: "blocked" });
    // The intent comes from the tool's input: the runtime context carries an email, readFile's input none.
    expect(audit.readFile.intent.data.pii).toBe(false);
    expect(audit.sendEmail.intent.data.pii).toBe(true);
    expect(r.stderr).not.toMatch(/could not instrument @mastra/);
    expect(r.stderr).not.toMatch(/TOOL_EXECUTION_FAILED/);
  });

  it("with enforce down runs nothing and the run still completes", async () => {
    const r = await run(file, load, args, await closedUrl());
    expect(r.summary?.error, r.stderr).toBeNull();
    expect(r.summary.ran).toEqual([]);
    expect(r.summary.text).toBe("done");
    expect(outputOf(r.summary, "readFile")).toMatch(/was not run/i);
    expect(outputOf(r.summary, "sendEmail")).toMatch(/was not run/i);
    expect(r.audit.map((a) => [a.tool, a.outcome, a.gatedBy]).sort()).toEqual([
      ["readFile", "error", by],
      ["sendEmail", "error", by],
    ]);
  });
});

describe("Mastra: layers together", () => {
  it.each<[string, Load, string[], string]>([
    ["instrumentation + gate() at the definition", "import", ["--gated"], "instrumentation"],
    ["governTools + gate() at the definition", "none", ["--govern", "--gated"], "registration"],
    ["instrumentation + governTools", "import", ["--govern"], "instrumentation"],
  ])("%s: each call is asked once, by the outer layer", async (_t, load, args, by) => {
    const r = await run("app.mjs", load, args);
    expect(r.summary?.ran, r.stderr).toEqual(["readFile"]);
    expect(r.asked.sort()).toEqual(["readFile", "sendEmail"]);
    expect(r.audit.map((a) => [a.tool, a.gatedBy]).sort()).toEqual([
      ["readFile", by],
      ["sendEmail", by],
    ]);
  });

  it("a key Mastra renames for the model is asked once, under the name the model calls", async () => {
    const r = await run("app.mjs", "import", ["--renamed"]);
    expect(r.summary?.ran, r.stderr).toEqual(["readFile"]);
    expect(r.asked.sort()).toEqual(["notes_read", "sendEmail"]);
    expect(outputOf(r.summary, "notes_read")).toEqual({ text: "contents of /notes.txt" });
  });

  it("a tool the app takes from agent.getTools() and runs itself (as agent.network() does) is gated by its key", async () => {
    const r = await run("app.mjs", "import", ["--direct"]);
    expect(r.summary?.ran, r.stderr).toEqual([]);
    expect(r.summary.direct).toMatch(/"sendEmail" was blocked by policy/);
    expect(r.audit).toMatchObject([
      { tool: "sendEmail", gatedBy: "instrumentation", outcome: "blocked" },
    ]);
  });

  it("GOVERNOR_INSTRUMENT=off: nothing is gated by instrumentation (the tests above are not vacuous)", async () => {
    const r = await runFixture("mastra/app.mjs", {
      load: "import",
      env: { GOVERNOR_ENFORCE_URL: server.url, GOVERNOR_INSTRUMENT: "off" },
    });
    expect(r.summary?.ran, r.stderr).toEqual(["readFile", "sendEmail"]);
    expect(r.audit).toEqual([]);
  });
});
