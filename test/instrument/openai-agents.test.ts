// OpenAI Agents JS end to end: real @openai/agents (ESM and CJS builds) driven by an offline model,
// a real enforce server, each app in its own Node process. Gated by instrumentation alone
// (governor/register), by governTools alone, and by both with a definition gate.
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
let downUrl: string;

beforeAll(async () => {
  server = await startEnforce(() => allow());
  downUrl = await closedUrl();
});
afterAll(() => server.close());

const APP = {
  import: "openai-agents/app.mjs",
  require: "openai-agents/app.cjs",
  none: "openai-agents/app.mjs",
} as const;

async function run(
  load: Load,
  args: string[],
  decide: "allow" | "deny" | "down",
  file: string = APP[load],
) {
  server.requests.length = 0;
  server.respond = () =>
    decide === "deny"
      ? deny("req-oa-deny", { reason: "mail is off today" })
      : allow("req-oa-allow");
  const r = await runFixture(file, {
    load,
    args,
    env: { GOVERNOR_ENFORCE_URL: decide === "down" ? downUrl : server.url },
  });
  expect(r.summary, r.stderr).not.toBeNull();
  expect(r.summary.error, r.stderr).toBeNull();
  return r;
}

/** The tool output the model was handed for `name`. */
const outputFor = (r: { summary: any }, name: string): string =>
  r.summary.seen.find((s: any) => s.name === name)?.output;

// Each shape: the tool the model calls, and what running it leaves in `ran`.
const SHAPES = [
  { scenario: "tool", name: "send_email", ran: ["send_email"] },
  { scenario: "astool", name: "research", ran: ["researcher", "inner:research", "researcher"] },
  { scenario: "mcp", name: "send_email", ran: ["mcp:send_email"] },
] as const;

describe.each(["import", "require"] as const)("instrumentation alone (load %s)", (load) => {
  for (const shape of SHAPES) {
    describe(shape.scenario, () => {
      it("DENY: the tool never runs and the model gets the refusal as the tool's output", async () => {
        const r = await run(load, [shape.scenario], "deny");
        expect(r.summary.ran).toEqual([]);
        const out = outputFor(r, shape.name);
        expect(out).toContain(`"${shape.name}"`);
        expect(out).toContain("req-oa-deny");
        expect(out).not.toContain("Please try again");
        expect(server.requests).toHaveLength(1);
        expect(r.audit).toMatchObject([
          { tool: shape.name, decision: "DENY", outcome: "blocked", gatedBy: "instrumentation" },
        ]);
      });

      it("ALLOW: the tool runs", async () => {
        const r = await run(load, [shape.scenario], "allow");
        expect(r.summary.ran).toEqual(shape.ran);
        // asTool: the agent tool and the nested agent's own tool of the same name are two calls.
        const calls = shape.scenario === "astool" ? 2 : 1;
        expect(server.requests).toHaveLength(calls);
        expect(r.audit.map((a) => [a.tool, a.outcome, a.gatedBy])).toEqual(
          Array(calls).fill([shape.name, "executed", "instrumentation"]),
        );
      });

      it("enforce down: nothing runs, the run completes with the unavailable refusal as the output", async () => {
        const r = await run(load, [shape.scenario], "down");
        expect(r.summary.ran).toEqual([]);
        expect(outputFor(r, shape.name)).toContain("enforce_unavailable");
        expect(r.summary.final).toContain("could not be checked against policy");
        expect(r.audit).toMatchObject([
          { tool: shape.name, outcome: "error", gatedBy: "instrumentation" },
        ]);
      });
    });
  }
});

describe("governor/register imported by the ESM entrypoint (no flag)", () => {
  // @openai/agents is linked before register runs; Agent.prototype can still be patched.
  it.each(["tool", "astool", "mcp"])(
    "%s: a DENY'd tool never runs, gated by instrumentation",
    async (scenario) => {
      const r = await run("none", [scenario], "deny", "openai-agents/app-register.mjs");
      expect(r.summary.ran).toEqual([]);
      expect(r.audit).toMatchObject([{ outcome: "blocked", gatedBy: "instrumentation" }]);
    },
  );
});

describe("governTools alone (no governor/register)", () => {
  // MCP-server tools are built by the Agent at run time: instrumentation gates those.
  for (const shape of SHAPES.filter((s) => s.scenario !== "mcp")) {
    describe.each(["import", "require"] as const)(`${shape.scenario} (%s build)`, (build) => {
      const file = APP[build];

      it("DENY: the tool never runs and the model gets the refusal as the tool's output", async () => {
        const r = await run("none", [shape.scenario, "--govern"], "deny", file);
        expect(r.summary.ran).toEqual([]);
        expect(outputFor(r, shape.name)).toContain("req-oa-deny");
        expect(r.audit).toMatchObject([
          { tool: shape.name, decision: "DENY", outcome: "blocked", gatedBy: "registration" },
        ]);
      });

      it("ALLOW: the tool runs", async () => {
        const r = await run("none", [shape.scenario, "--govern"], "allow", file);
        expect(r.summary.ran).toEqual(shape.ran);
        expect(server.requests).toHaveLength(shape.scenario === "astool" ? 2 : 1);
        expect(r.audit.every((a) => a.gatedBy === "registration" && a.outcome === "executed")).toBe(
          true,
        );
      });

      it("enforce down: nothing runs and the run completes", async () => {
        const r = await run("none", [shape.scenario, "--govern"], "down", file);
        expect(r.summary.ran).toEqual([]);
        expect(outputFor(r, shape.name)).toContain("enforce_unavailable");
        expect(r.summary.final).toMatch(/^done: /);
      });
    });
  }

  it("without any layer, the tool runs and nothing is asked (the fixture is not gated by itself)", async () => {
    const r = await run("none", ["tool"], "deny");
    expect(r.summary.ran).toEqual(["send_email"]);
    expect(server.requests).toHaveLength(0);
  });
});

describe("asTool: the nested agent's tool of the same name is a call of its own", () => {
  it.each([
    ["instrumentation", "import", []],
    ["governTools", "none", ["--govern"]],
  ] as const)(
    "%s: agent tool allowed, inner tool denied: the nested agent runs, its tool does not",
    async (_layer, load, flags) => {
      server.requests.length = 0;
      server.respond = (_req, n) => (n === 1 ? allow("req-outer") : deny("req-inner"));
      const r = await runFixture(APP[load], {
        load,
        args: ["astool", ...flags],
        env: { GOVERNOR_ENFORCE_URL: server.url },
      });
      expect(r.summary.error, r.stderr).toBeNull();
      expect(r.summary.ran).toEqual(["researcher", "researcher"]);
      expect(server.requests).toHaveLength(2);
      expect(r.audit.map((a) => a.outcome)).toEqual(["executed", "blocked"]);
    },
  );
});

describe("layers together ask enforce once per call", () => {
  it("definition gate (onDeny return) + instrumentation: one request, by the outer layer; DENY never runs", async () => {
    const r = await run("import", ["tool", "--gated"], "deny");
    expect(r.summary.ran).toEqual([]);
    expect(server.requests).toHaveLength(1);
    expect(r.audit).toMatchObject([
      { tool: "send_email", outcome: "blocked", gatedBy: "instrumentation" },
    ]);
  });

  it("definition gate + instrumentation, ALLOW: runs after one request", async () => {
    const r = await run("require", ["tool", "--gated"], "allow");
    expect(r.summary.ran).toEqual(["send_email"]);
    expect(server.requests).toHaveLength(1);
  });

  it("definition gate alone (what init writes): a DENY reaches the model as the output, not a retry hint", async () => {
    const r = await run("none", ["tool", "--gated"], "deny");
    expect(r.summary.ran).toEqual([]);
    expect(outputFor(r, "send_email")).toContain("req-oa-deny");
    expect(outputFor(r, "send_email")).not.toContain("Please try again");
    expect(r.audit).toMatchObject([{ gatedBy: "definition" }]);
  });

  it("governTools + instrumentation: one request, gated at registration", async () => {
    const r = await run("import", ["tool", "--govern", "--gated"], "allow");
    expect(r.summary.ran).toEqual(["send_email"]);
    expect(server.requests).toHaveLength(1);
    expect(r.audit).toMatchObject([{ gatedBy: "registration", outcome: "executed" }]);
  });
});
