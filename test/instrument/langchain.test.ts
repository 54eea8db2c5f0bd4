// LangChain.js and LangGraph end to end: real @langchain/core, langchain, @langchain/langgraph and a
// prebuilt tool package (@langchain/tavily's TavilySearch), ESM and CJS builds, driven by offline
// fake models, against a real enforce server, each app in its own Node process. Every way a tool
// runs (tool.invoke, ToolNode, createReactAgent, createAgent, bindTools + a hand loop), gated by
// instrumentation alone and by governTools alone; the fixture app has no gate() anywhere.
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
let downUrl: string;

beforeAll(async () => {
  server = await startEnforce(() => allow());
  downUrl = await closedUrl();
});
afterAll(() => server.close());

const SCENARIOS = ["direct", "toolNode", "reactAgent", "createAgent", "handLoop"] as const;
// The four tools every scenario hands the model: tool() x2, a StructuredTool subclass, a prebuilt tool.
const DENIED = ["send_email", "search_docs", "tavily_search", "ping"];
const CALL_IDS: Record<string, string> = {
  send_email: "call_send",
  lookup_order: "call_lookup",
  search_docs: "call_search",
  tavily_search: "call_tavily",
};
// direct also calls send_email without a ToolCall and a DynamicTool ("ping"); the others call each tool once.
const CALLS = 6 + 4 * 4;

type Decide = "policy" | "allow" | "down";

async function run(
  file: string,
  load: Load,
  decide: Decide,
  env: Record<string, string> = {},
): Promise<AppRun> {
  server.requests.length = 0;
  server.respond = (req) =>
    decide === "policy" && DENIED.includes(req.body?.resource?.name)
      ? deny("req-lc-deny", { reason: "not today" })
      : allow("req-lc-allow");
  const r = await runFixture(file, {
    load,
    env: { GOVERNOR_ENFORCE_URL: decide === "down" ? downUrl : server.url, ...env },
  });
  expect(r.code, r.stderr).toBe(0);
  expect(r.summary, r.stderr).not.toBeNull();
  for (const s of Object.keys(r.summary))
    expect(r.summary[s].error, `${s}: ${r.stderr}`).toBeUndefined();
  return r;
}

/** DENY'd tools never ran; the model got the refusal as the tool's output, on the right call id. */
function expectPolicyOutcome(r: AppRun): void {
  for (const s of SCENARIOS) {
    const { seen, ran } = r.summary[s];
    expect(ran, s).toEqual({ lookup_order: 1 });
    expect(seen.lookup_order, s).toEqual({ content: "order o-1: shipped", id: "call_lookup" });
    for (const name of ["send_email", "search_docs", "tavily_search"]) {
      expect(seen[name].id, `${s} ${name}`).toBe(CALL_IDS[name]);
      expect(seen[name].content, `${s} ${name}`).toContain(
        `The tool call "${name}" was blocked by policy (request id req-lc-deny)`,
      );
      expect(seen[name].content, `${s} ${name}`).not.toContain("Please fix your mistakes");
    }
    if (s !== "direct" && s !== "toolNode") expect(r.summary[s].final, s).toBe("done");
  }
  expect(r.summary.direct.raw).toContain('The tool call "send_email" was blocked by policy');
  expect(r.summary.direct.pong).toContain('The tool call "ping" was blocked by policy');
}

function expectAllRan(r: AppRun): void {
  for (const s of SCENARIOS) {
    const { seen, ran } = r.summary[s];
    expect(ran, s).toEqual(
      s === "direct"
        ? { send_email: 2, lookup_order: 1, search_docs: 1, tavily_search: 1, ping: 1 }
        : { send_email: 1, lookup_order: 1, search_docs: 1, tavily_search: 1 },
    );
    expect(seen.send_email.content, s).toBe("sent to a@example.com");
    expect(seen.search_docs.content, s).toBe("results for refunds");
    expect(seen.tavily_search.content, s).toContain("found it");
  }
}

function expectNothingRan(r: AppRun): void {
  for (const s of SCENARIOS) {
    const { seen, ran } = r.summary[s];
    expect(ran, s).toEqual({});
    for (const name of Object.keys(CALL_IDS)) {
      expect(seen[name].content, `${s} ${name}`).toContain(
        `The tool call "${name}" was not run: it could not be checked against policy`,
      );
      expect(seen[name].content, `${s} ${name}`).not.toContain("Please fix your mistakes");
    }
    if (s !== "direct" && s !== "toolNode") expect(r.summary[s].final, s).toBe("done");
  }
}

/** Every call asked enforce exactly once, audited as gated by `by`. */
function expectAskedOnce(r: AppRun, by: string): void {
  expect(server.requests).toHaveLength(CALLS);
  expect(r.audit).toHaveLength(CALLS);
  expect(new Set(r.audit.map((a) => a.gatedBy))).toEqual(new Set([by]));
}

const APP = { import: "langchain/app.mjs", require: "langchain/app.cjs" } as const;

describe.each(["import", "require"] as const)("instrumentation alone (load %s)", (load) => {
  it("DENY: the tool never runs and the model gets the refusal as the tool's output; ALLOW'd ones run", async () => {
    const r = await run(APP[load], load, "policy");
    expectPolicyOutcome(r);
    expectAskedOnce(r, "instrumentation");
    expect(
      r.audit
        .filter((a) => a.outcome === "blocked")
        .map((a) => a.tool)
        .sort(),
    ).toEqual(
      [
        ...Array(5).fill("send_email"),
        ...Array(5).fill("search_docs"),
        ...Array(5).fill("tavily_search"),
        "send_email",
        "ping",
      ].sort(),
    );
    expect(r.stderr).not.toContain("could not instrument @langchain/core/tools");
  });

  it("ALLOW: every tool runs, the prebuilt one included", async () => {
    const r = await run(APP[load], load, "allow");
    expectAllRan(r);
    expectAskedOnce(r, "instrumentation");
  });

  it("with the http guard enforcing: the prebuilt tool's own request to its API runs inside its allowed call", async () => {
    const r = await run(APP[load], load, "allow", {
      GOVERNOR_GUARD: "http",
      GOVERNOR_GUARD_MODE: "enforce",
    });
    expectAllRan(r);
    expect(r.audit.filter((a) => a.type === "ungoverned")).toEqual([]);
  });

  it("enforce down: nothing runs, every tool's output is the unavailable refusal, the app finishes", async () => {
    const r = await run(APP[load], load, "down");
    expectNothingRan(r);
    expect(r.audit).toHaveLength(CALLS);
    expect(r.audit.every((a) => a.outcome === "error" && a.gatedBy === "instrumentation")).toBe(
      true,
    );
  });
});

describe.each(["import", "require"] as const)(
  "governTools alone, no governor/register (%s build)",
  (build) => {
    const env = { FIXTURE_GOVERN: "1" };

    it("DENY: the tool never runs and the model gets the refusal as the tool's output; ALLOW'd ones run", async () => {
      const r = await run(APP[build], "none", "policy", env);
      expectPolicyOutcome(r);
      expectAskedOnce(r, "registration");
    });

    it("ALLOW: every tool runs", async () => {
      const r = await run(APP[build], "none", "allow", env);
      expectAllRan(r);
      expectAskedOnce(r, "registration");
    });

    it("enforce down: nothing runs, the app finishes", async () => {
      const r = await run(APP[build], "none", "down", env);
      expectNothingRan(r);
      expect(r.audit.every((a) => a.outcome === "error" && a.gatedBy === "registration")).toBe(
        true,
      );
    });
  },
);

describe("governTools and instrumentation together", () => {
  it("each call is asked once, by the registration layer that got there first", async () => {
    const r = await run(APP.import, "import", "policy", { FIXTURE_GOVERN: "1" });
    expectPolicyOutcome(r);
    expectAskedOnce(r, "registration");
  });
});

describe("governor/register as the entrypoint's first import (no --import)", () => {
  // The entrypoint's static imports are linked before register runs, so the hooks never see
  // @langchain/core/tools; register then resolves the app's copy and patches its prototype before
  // the entrypoint's body runs.
  it("DENY'd tools never run and ALLOW'd ones do, gated by instrumentation", async () => {
    const r = await run("langchain/entry-import.mjs", "none", "policy");
    expectPolicyOutcome(r);
    expectAskedOnce(r, "instrumentation");
  });
});

describe("without any layer (control)", () => {
  it("every tool runs and nothing is asked", async () => {
    const r = await run(APP.import, "none", "policy");
    expectAllRan(r);
    expect(server.requests).toHaveLength(0);
  });
});

describe("tools gated at their definition (init's rewrite, onDeny return)", () => {
  const DEFINED = "langchain/defined.mjs";
  const expectDefined = (r: AppRun) => {
    expect(r.summary.ran).toEqual(["lookup_order"]);
    expect(r.summary.seen.lookup_order).toEqual({
      content: "order o-1: shipped",
      id: "call_lookup",
    });
    for (const [name, id] of [
      ["send_email", "call_send"],
      ["search_docs", "call_search"],
    ]) {
      expect(r.summary.seen[name].id).toBe(id);
      expect(r.summary.seen[name].content).toContain(
        `The tool call "${name}" was blocked by policy (request id req-lc-deny)`,
      );
      expect(r.summary.seen[name].content).not.toContain("Please fix your mistakes");
    }
    expect(r.summary.final).toBe("done");
  };

  it("and instrumented: each call is asked once, by instrumentation", async () => {
    const r = await run(DEFINED, "import", "policy");
    expectDefined(r);
    expect(server.requests).toHaveLength(3);
    expect(r.audit.map((a) => [a.tool, a.gatedBy])).toEqual(
      expect.arrayContaining([
        ["send_email", "instrumentation"],
        ["search_docs", "instrumentation"],
        ["lookup_order", "instrumentation"],
      ]),
    );
    expect(r.audit).toHaveLength(3);
  });

  it("alone: the definition gate asks, and the model gets its refusal as the tool's output", async () => {
    const r = await run(DEFINED, "none", "policy");
    expectDefined(r);
    expect(server.requests).toHaveLength(3);
    expect(r.audit.every((a) => a.gatedBy === "definition")).toBe(true);
  });
});
