// Vercel AI SDK, end to end: a real `ai` app (mock model from ai/test) run as its own Node process
// against a real enforce server, gated by instrumentation alone (ESM --import, CJS -r; the app has
// no governor code) or by governTools() alone. Policy: send_email DENY, get_weather ALLOW.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  allow,
  closedUrl,
  deny,
  startEnforce,
  type EnforceServer,
} from "../support/enforce-server.js";
import { runFixture, type AppRun, type Load } from "./helpers.js";

let server: EnforceServer;
beforeAll(async () => {
  server = await startEnforce((req) =>
    req.body?.action === "send" ? deny("d-1", { reason: "no outbound email" }) : allow("a-1"),
  );
});
afterAll(() => server.close());

const SHAPES = [
  "generateText",
  "streamText",
  "generator",
  "agent",
  "agent-stream",
  "mcp",
  "factory",
  "package",
] as const;

function run(
  file: string,
  load: Load,
  shape: string,
  env: Record<string, string> = {},
): Promise<AppRun> {
  return runFixture(`ai-sdk/${file}`, {
    load,
    args: [shape],
    env: { GOVERNOR_ENFORCE_URL: server.url, ...env },
  });
}

/** The denied tool never ran and the model got the refusal; the allowed one ran; the app finished. */
function expectGated(r: AppRun, gatedBy: string) {
  expect(r.stderr).not.toMatch(/could not instrument|Error/);
  expect(r.code).toBe(0);
  expect(r.summary.ran).toEqual(["get_weather"]);
  expect(r.summary.results.send_email).toEqual({
    type: "error-text",
    value: expect.stringContaining(
      'The tool call "send_email" was blocked by policy (request id d-1). Reason: no outbound email.',
    ),
  });
  expect(r.summary.results.get_weather.type).not.toBe("error-text");
  expect(r.summary.text).toBe("done");
  const calls = r.audit.map((a) => [a.tool, a.outcome, a.gatedBy]).sort();
  expect(calls).toEqual([
    ["get_weather", "executed", gatedBy],
    ["send_email", "blocked", gatedBy],
  ]);
}

const LOADS = [
  ["import", "app.mjs"],
  ["require", "app.cjs"],
] as const;

describe("AI SDK, instrumentation alone (no governor code in the app)", () => {
  for (const [load, file] of LOADS) {
    for (const shape of SHAPES) {
      it(`${load === "import" ? "ESM, --import" : "CJS, -r"}: ${shape}`, async () => {
        expectGated(await run(file, load, shape), "instrumentation");
      });
    }
  }

  it("enforce down: nothing runs, the model is told, the app finishes", async () => {
    const url = await closedUrl();
    for (const [load, file] of LOADS) {
      for (const shape of ["generateText", "agent"]) {
        const r = await run(file, load, shape, { GOVERNOR_ENFORCE_URL: url });
        expect(r.code).toBe(0);
        expect(r.summary.ran).toEqual([]);
        expect(r.summary.results.send_email.type).toBe("error-text");
        expect(r.summary.results.get_weather.type).toBe("error-text");
        expect(r.summary.text).toBe("done");
        expect(r.audit.map((a) => [a.outcome, a.gatedBy])).toEqual([
          ["error", "instrumentation"],
          ["error", "instrumentation"],
        ]);
      }
    }
  });

  it("GOVERNOR_INSTRUMENT=off leaves tools ungated; the debug line names what was patched, with the version", async () => {
    const off = await run("app.mjs", "import", "generateText", {
      GOVERNOR_INSTRUMENT: "off",
      GOVERNOR_DEBUG: "1",
    });
    expect(off.summary.ran.sort()).toEqual(["get_weather", "send_email"]);
    expect(off.audit).toEqual([]);
    expect(off.stderr).toContain("instrumentation off (GOVERNOR_INSTRUMENT=off)");
    expect(off.stderr).not.toContain("instrumented ai");

    const version = (await import("ai/package.json", { with: { type: "json" } })).default.version;
    const esm = await run("app.mjs", "import", "generateText", { GOVERNOR_DEBUG: "1" });
    expect(esm.stderr).toContain(
      `instrumented ai ${version} (esm): generateText, streamText, ToolLoopAgent.prototype.prepareCall`,
    );
    const cjs = await run("app.cjs", "require", "generateText", { GOVERNOR_DEBUG: "1" });
    expect(cjs.stderr).toContain(
      `instrumented ai ${version} (cjs): generateText, streamText, ToolLoopAgent.prototype.prepareCall`,
    );
  });
});

describe("AI SDK, governTools() alone (no instrumentation)", () => {
  for (const shape of SHAPES) {
    it(`ESM: ${shape}`, async () => {
      expectGated(await run("wrapped.mjs", "none", shape), "registration");
    });
  }
  for (const shape of ["generateText", "agent", "mcp"]) {
    it(`CJS: ${shape}`, async () => {
      expectGated(await run("wrapped.cjs", "none", shape), "registration");
    });
  }

  it("enforce down: nothing runs and the app finishes", async () => {
    const r = await run("wrapped.mjs", "none", "generateText", {
      GOVERNOR_ENFORCE_URL: await closedUrl(),
    });
    expect(r.code).toBe(0);
    expect(r.summary.ran).toEqual([]);
    expect(r.summary.text).toBe("done");
  });

  it("with instrumentation too, each call is asked once, by the wrapper", async () => {
    const before = server.requests.length;
    const r = await run("wrapped.mjs", "import", "agent");
    expectGated(r, "registration");
    expect(server.requests.length - before).toBe(2);
  });
});

describe("AI SDK, layers together", () => {
  it("a tool gated at its definition and instrumented is asked once, by the definition gate", async () => {
    for (const [load, flag] of [
      ["import", "--import"],
      ["none", "no instrumentation"],
    ] as const) {
      const before = server.requests.length;
      const r = await run("definition.mjs", load, "factory");
      expect(r.summary?.ran, `${flag}: ${r.stderr}`).toEqual(["get_weather"]);
      expect(r.summary.results.send_email.value).toContain('"send_email" was blocked by policy');
      expect(server.requests.length - before).toBe(2);
      expect(r.audit.map((a) => [a.tool, a.gatedBy]).sort()).toEqual([
        ["get_weather", "definition"],
        ["send_email", "definition"],
      ]);
    }
  });
});

describe('AI SDK, `import "governor/register"` as the first import of an ESM entrypoint', () => {
  // ESM links the entrypoint's whole static graph before register runs: the `ai` exports the app
  // imported cannot be rebound any more; the ToolLoopAgent prototype still can be patched.
  it("agents are gated (prototype patch); generateText/streamText are not, and stderr says so by name", async () => {
    const agent = await run("early-register.mjs", "none", "agent");
    expect(agent.summary?.ran, agent.stderr).toEqual(["get_weather"]);
    expect(agent.audit.map((a) => [a.tool, a.gatedBy]).sort()).toEqual([
      ["get_weather", "instrumentation"],
      ["send_email", "instrumentation"],
    ]);

    const r = await run("early-register.mjs", "none", "generateText");
    expect(r.summary.mode).toBe("import");
    expect(r.summary.ai).toContainEqual(
      expect.objectContaining({
        format: "esm",
        patched: ["ToolLoopAgent.prototype.prepareCall"],
        linkedBefore: ["generateText", "streamText"],
      }),
    );
    expect(r.stderr).toMatch(
      /generateText, streamText from ai \S+ \(esm\) were loaded before governor\/register.*--import governor\/register/,
    );
    // The limitation the warning names: these calls were not asked.
    expect(r.summary.ran.sort()).toEqual(["get_weather", "send_email"]);
    expect(r.audit).toEqual([]);
  });
});

describe('AI SDK, `require("governor/register")` as the first line of a CommonJS entrypoint', () => {
  it("gates every shape, as -r does", async () => {
    for (const shape of ["generateText", "streamText", "agent"])
      expectGated(await run("early-register.cjs", "none", shape), "instrumentation");
  });
});
