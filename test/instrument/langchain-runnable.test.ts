// LangChain `runnable.asTool()` tools (RunnableToolLike, a RunnableBinding, not a StructuredTool)
// end to end: real @langchain/core, langchain and @langchain/langgraph, ESM and CJS builds, offline
// fake models, a real enforce server, each app in its own Node process. invoke (ToolCall and plain
// args), batch, stream, ToolNode, createReactAgent, createAgent and bindTools + a hand loop, gated
// by instrumentation alone and by governTools alone; the fixture app has no gate() anywhere.
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
const DENIED = ["send_email", "search_docs", "ping"];
const CALL_IDS: Record<string, string> = {
  send_email: "call_send",
  lookup_order: "call_lookup",
  search_docs: "call_search",
};
// direct: 3 ToolCalls, send_email with plain args, a batch of 2, a stream, ping; the others 3 each.
const CALLS = 8 + 4 * 3;
const blocked = (name: string) =>
  `The tool call "${name}" was blocked by policy (request id req-lcr-deny)`;
const unavailable = (name: string) =>
  `The tool call "${name}" was not run: it could not be checked against policy`;

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
      ? deny("req-lcr-deny", { reason: "not today" })
      : allow("req-lcr-allow");
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

function expectPolicyOutcome(r: AppRun): void {
  for (const s of SCENARIOS) {
    const { seen, ran } = r.summary[s];
    expect(ran, s).toEqual(s === "direct" ? { lookup_order: 2 } : { lookup_order: 1 });
    expect(seen.lookup_order, s).toEqual({ content: "order o-1: shipped", id: "call_lookup" });
    for (const name of ["send_email", "search_docs"]) {
      expect(seen[name].id, `${s} ${name}`).toBe(CALL_IDS[name]);
      expect(seen[name].content, `${s} ${name}`).toContain(blocked(name));
      expect(seen[name].content, `${s} ${name}`).not.toContain("Please fix your mistakes");
    }
    if (s !== "direct" && s !== "toolNode") expect(r.summary[s].final, s).toBe("done");
  }
  const d = r.summary.direct;
  expect(d.raw).toContain(blocked("send_email"));
  expect(d.batch).toHaveLength(2);
  for (const b of d.batch) expect(b).toContain(blocked("send_email"));
  expect(d.stream).toEqual(["order o-2: shipped"]);
  expect(d.pong).toContain(blocked("ping"));
}

function expectAllRan(r: AppRun): void {
  for (const s of SCENARIOS) {
    const { seen, ran } = r.summary[s];
    expect(ran, s).toEqual(
      s === "direct"
        ? { send_email: 4, lookup_order: 2, search_docs: 1, ping: 1 }
        : { send_email: 1, lookup_order: 1, search_docs: 1 },
    );
    expect(seen.send_email, s).toEqual({ content: "sent to a@example.com", id: "call_send" });
    expect(seen.search_docs, s).toEqual({ content: "results for refunds", id: "call_search" });
  }
  expect(r.summary.direct.batch).toEqual(["sent to c@example.com", "sent to d@example.com"]);
  expect(r.summary.direct.pong).toBe("pong x");
}

function expectNothingRan(r: AppRun): void {
  for (const s of SCENARIOS) {
    const { seen, ran } = r.summary[s];
    expect(ran, s).toEqual({});
    for (const name of Object.keys(CALL_IDS)) {
      expect(seen[name].id, `${s} ${name}`).toBe(CALL_IDS[name]);
      expect(seen[name].content, `${s} ${name}`).toContain(unavailable(name));
    }
    if (s !== "direct" && s !== "toolNode") expect(r.summary[s].final, s).toBe("done");
  }
}

/** Every call asked enforce exactly once (search_docs' inner StructuredTool included), audited as `by`. */
function expectAskedOnce(r: AppRun, by: string): void {
  expect(server.requests).toHaveLength(CALLS);
  expect(r.audit).toHaveLength(CALLS);
  expect(new Set(r.audit.map((a) => a.gatedBy))).toEqual(new Set([by]));
  expect(r.audit.filter((a) => a.tool === "search_docs")).toHaveLength(5);
}

const APP = {
  import: "langchain-runnable/app.mjs",
  require: "langchain-runnable/app.cjs",
} as const;

describe.each(["import", "require"] as const)("instrumentation alone (load %s)", (load) => {
  it("DENY: the tool never runs and the model gets the refusal as the tool's output; ALLOW'd ones run", async () => {
    const r = await run(APP[load], load, "policy");
    expectPolicyOutcome(r);
    expectAskedOnce(r, "instrumentation");
    expect(r.stderr).not.toContain("could not instrument");
  });

  it("ALLOW: every tool runs, asked once each", async () => {
    const r = await run(APP[load], load, "allow");
    expectAllRan(r);
    expectAskedOnce(r, "instrumentation");
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

    it("ALLOW: every tool runs, asked once each", async () => {
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

describe("governor/register as the entrypoint's first import (no --import)", () => {
  // The static imports are linked before register runs; register patches the app's copies'
  // prototypes (RunnableToolLike, Runnable.asTool) before the entrypoint's body runs.
  it("DENY'd tools never run and ALLOW'd ones do, gated by instrumentation", async () => {
    const r = await run("langchain-runnable/entry-import.mjs", "none", "policy");
    expectPolicyOutcome(r);
    expectAskedOnce(r, "instrumentation");
  });
});

describe.each(["import", "require"] as const)(
  "an app that never imports @langchain/core/runnables (load %s)",
  (load) => {
    // Only @langchain/core/tools is hooked; Runnable.prototype.asTool, reached from StructuredTool's
    // prototype chain, patches the RunnableToolLike class at the first asTool().
    const args = load === "require" ? ["--cjs"] : [];
    const go = async (decide: "deny" | "allow") => {
      server.requests.length = 0;
      server.respond = () => (decide === "deny" ? deny("req-lcr-deny") : allow("req-lcr-allow"));
      const r = await runFixture("langchain-runnable/as-tool-only.mjs", {
        load,
        args,
        env: { GOVERNOR_ENFORCE_URL: server.url },
      });
      expect(r.code, r.stderr).toBe(0);
      expect(r.summary?.hooked, r.stderr).toEqual([
        `@langchain/core/tools ${load === "import" ? "esm" : "cjs"}`,
      ]);
      return r;
    };

    it("DENY: the asTool() tool never runs and the model gets the refusal", async () => {
      const r = await go("deny");
      expect(r.summary.ran).toEqual([]);
      expect(r.summary.toolOutput).toContain(blocked("send_email"));
      expect(r.audit.map((a) => [a.tool, a.gatedBy, a.outcome])).toEqual([
        ["send_email", "instrumentation", "blocked"],
      ]);
    });

    it("ALLOW: it runs, asked once", async () => {
      const r = await go("allow");
      expect(r.summary.ran).toEqual(["send_email"]);
      expect(r.summary.toolOutput).toBe("sent: mail to a@example.com");
      expect(server.requests).toHaveLength(1);
    });
  },
);

describe("without any layer (control)", () => {
  it("every tool runs and nothing is asked", async () => {
    const r = await run(APP.import, "none", "policy");
    expectAllRan(r);
    expect(server.requests).toHaveLength(0);
  });
});
