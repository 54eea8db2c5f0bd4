// Tools loaded from MCP servers at run time, with the real client packages: AI SDK
// createMCPClient(...).tools() (@ai-sdk/mcp) and LangChain MultiServerMCPClient
// (@langchain/mcp-adapters). Each app runs in its own Node process and starts an ungated MCP server
// (notes-server.mjs) in a process of its own over stdio; the server writes a marker line for every
// tool that really runs, so "never ran" is read from the server side.
import { mkdtempSync } from "node:fs";
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
import { runFixture, type AppRun, type Load } from "./helpers.js";

let server: EnforceServer;
let downUrl: string;

beforeAll(async () => {
  server = await startEnforce(() => allow());
  downUrl = await closedUrl();
});
afterAll(() => server.close());

type Decide = "policy" | "allow" | "down";
const BLOCKED = (name: string) =>
  `The tool call "${name}" was blocked by policy (request id req-mcpc-deny)`;
const UNAVAILABLE = (name: string) =>
  `The tool call "${name}" was not run: it could not be checked against policy`;

async function run(
  file: string,
  load: Load,
  decide: Decide,
  opts: { env?: Record<string, string>; denied?: string[] } = {},
): Promise<AppRun> {
  const denied = opts.denied ?? ["export_notes", "notes__export_notes"];
  server.requests.length = 0;
  server.respond = (req) =>
    decide === "policy" && denied.includes(req.body?.resource?.name)
      ? deny("req-mcpc-deny")
      : allow("req-mcpc-allow");
  const marker = path.join(mkdtempSync(path.join(tmpdir(), "gov-mcpc-")), "ran.jsonl");
  const url = decide === "down" ? downUrl : server.url;
  const r = await runFixture(`mcp-clients/${file}`, {
    load,
    env: { GOVERNOR_ENFORCE_URL: url, FIXTURE_MARKER: marker, ...opts.env },
  });
  expect(r.code, r.stderr).toBe(0);
  expect(r.summary, r.stderr).not.toBeNull();
  return r;
}

interface Way {
  way: string;
  file: string;
  load: Load;
  env: Record<string, string>;
  by: string;
}

const asked = () => server.requests.map((q) => q.body.resource.name).sort();

/** The server process got no governor flag or setting: whatever was refused, was refused client side. */
function expectServerUngated(ran: any[]): void {
  for (const line of ran)
    expect(line, JSON.stringify(line)).toMatchObject({
      execArgv: [],
      nodeOptions: null,
      governorEnv: [],
    });
}

describe("AI SDK: createMCPClient(...).tools() handed to generateText", () => {
  const APP = { import: "ai-sdk.mjs", require: "ai-sdk.cjs" } as const;
  const ways: Way[] = [
    {
      way: "instrumentation alone (load import)",
      file: APP.import,
      load: "import",
      env: {},
      by: "instrumentation",
    },
    {
      way: "instrumentation alone (load require)",
      file: APP.require,
      load: "require",
      env: {},
      by: "instrumentation",
    },
    {
      way: "governTools(await client.tools()) alone (ESM)",
      file: APP.import,
      load: "none",
      env: { FIXTURE_GOVERN: "1" },
      by: "registration",
    },
    {
      way: "governTools(await client.tools()) alone (CJS)",
      file: APP.require,
      load: "none",
      env: { FIXTURE_GOVERN: "1" },
      by: "registration",
    },
  ];

  describe.each(ways)("$way", ({ file, load, env, by }) => {
    it("DENY: export_notes never runs on the server and the model gets the refusal; lookup_note runs; each call asked once", async () => {
      const r = await run(file, load, "policy", { env });
      expect(r.summary.ran.map((l: any) => l.tool)).toEqual(["lookup_note"]);
      expectServerUngated(r.summary.ran);
      expect(r.summary.results.export_notes.type).toBe("error-text");
      expect(r.summary.results.export_notes.value).toContain(BLOCKED("export_notes"));
      expect(r.summary.results.lookup_note).toEqual({
        type: "content",
        value: [{ type: "text", text: "note n1: buy milk" }],
      });
      expect(r.summary.text).toBe("done");
      expect(asked()).toEqual(["export_notes", "lookup_note"]);
      expect(r.audit.map((a) => [a.tool, a.outcome, a.gatedBy]).sort()).toEqual([
        ["export_notes", "blocked", by],
        ["lookup_note", "executed", by],
      ]);
    });

    it("ALLOW: both run on the server", async () => {
      const r = await run(file, load, "allow", { env });
      expect(r.summary.ran.map((l: any) => l.tool).sort()).toEqual(["export_notes", "lookup_note"]);
      expect(r.summary.results.export_notes.value).toEqual([
        { type: "text", text: "exported to evil@example.com" },
      ]);
      expect(server.requests).toHaveLength(2);
    });

    it("enforce down: nothing runs on the server, the model gets the unavailable refusal for each", async () => {
      const r = await run(file, load, "down", { env });
      expect(r.summary.ran).toEqual([]);
      for (const name of ["export_notes", "lookup_note"])
        expect(r.summary.results[name].value).toContain(UNAVAILABLE(name));
      expect(r.audit.map((a) => [a.outcome, a.gatedBy])).toEqual([
        ["error", by],
        ["error", by],
      ]);
    });
  });

  it("control, no layer: both tools run and nothing is asked (the fixture really reaches the server)", async () => {
    const r = await run(APP.import, "none", "policy");
    expect(r.summary.ran.map((l: any) => l.tool).sort()).toEqual(["export_notes", "lookup_note"]);
    expect(server.requests).toHaveLength(0);
  });
});

describe("LangChain: MultiServerMCPClient getTools() through tool.invoke, ToolNode and createAgent", () => {
  const APP = { import: "langchain.mjs", require: "langchain.cjs" } as const;
  const SCENARIOS = ["direct", "toolNode", "createAgent"] as const;

  function expectPolicy(r: AppRun, prefix = ""): void {
    for (const s of SCENARIOS) {
      const got = r.summary[s];
      expect(got.error, s).toBeUndefined();
      expect(
        got.ran.map((l: any) => l.tool),
        s,
      ).toEqual(["lookup_note"]);
      expectServerUngated(got.ran);
      expect(got.seen[`${prefix}lookup_note`], s).toMatchObject({
        content: "note n1: buy milk",
        id: "call_lookup",
      });
      const refused = got.seen[`${prefix}export_notes`];
      expect(refused.id, s).toBe("call_export");
      expect(refused.content, s).toContain(BLOCKED(`${prefix}export_notes`));
      expect(refused.content, s).not.toContain("Please fix your mistakes");
    }
    expect(r.summary.createAgent.final).toBe("done");
  }

  const ways: Way[] = [
    {
      way: "instrumentation alone (load import)",
      file: APP.import,
      load: "import",
      env: {},
      by: "instrumentation",
    },
    {
      way: "instrumentation alone (load require)",
      file: APP.require,
      load: "require",
      env: {},
      by: "instrumentation",
    },
    {
      way: "governTools(await client.getTools()) alone (ESM)",
      file: APP.import,
      load: "none",
      env: { FIXTURE_GOVERN: "1" },
      by: "registration",
    },
    {
      way: "governTools(await client.getTools()) alone (CJS)",
      file: APP.require,
      load: "none",
      env: { FIXTURE_GOVERN: "1" },
      by: "registration",
    },
  ];

  describe.each(ways)("$way", ({ file, load, env, by }) => {
    it("DENY: export_notes never runs on the server, the refusal is the tool's output; lookup_note runs; each call asked once", async () => {
      const r = await run(file, load, "policy", { env });
      expect(r.summary.names).toEqual(["export_notes", "lookup_note"]);
      expectPolicy(r);
      // Three scenarios, two calls each, one question per call: the LangChain tool and the MCP SDK
      // Client inside it (gated too under instrumentation) share the name, so the inner one does not ask.
      expect(asked()).toEqual([...Array(3).fill("export_notes"), ...Array(3).fill("lookup_note")]);
      expect(r.audit).toHaveLength(6);
      expect(new Set(r.audit.map((a) => a.gatedBy))).toEqual(new Set([by]));
    });

    it("ALLOW: both run in every scenario", async () => {
      const r = await run(file, load, "allow", { env });
      for (const s of SCENARIOS) {
        expect(r.summary[s].ran.map((l: any) => l.tool).sort(), s).toEqual([
          "export_notes",
          "lookup_note",
        ]);
        expect(r.summary[s].seen.export_notes.content, s).toBe("exported to evil@example.com");
      }
      expect(server.requests).toHaveLength(6);
    });

    it("enforce down: nothing runs on the server, each output is the unavailable refusal", async () => {
      const r = await run(file, load, "down", { env });
      for (const s of SCENARIOS) {
        expect(r.summary[s].error, s).toBeUndefined();
        expect(r.summary[s].ran, s).toEqual([]);
        for (const name of ["export_notes", "lookup_note"]) {
          expect(r.summary[s].seen[name].content, `${s} ${name}`).toContain(UNAVAILABLE(name));
          expect(r.summary[s].seen[name].content, `${s} ${name}`).not.toContain(
            "Please fix your mistakes",
          );
        }
      }
      expect(r.audit).toHaveLength(6);
      expect(r.audit.every((a) => a.outcome === "error" && a.gatedBy === by)).toBe(true);
    });
  });

  it("control, no layer: both tools run and nothing is asked", async () => {
    const r = await run(APP.import, "none", "policy");
    for (const s of SCENARIOS)
      expect(r.summary[s].ran.map((l: any) => l.tool).sort(), s).toEqual([
        "export_notes",
        "lookup_note",
      ]);
    expect(server.requests).toHaveLength(0);
  });

  describe("prefixToolNameWithServerName: the LangChain tool is notes__<tool>, the MCP call is <tool>", () => {
    const prefixed = { FIXTURE_PREFIX: "1" };

    it.each(["import", "require"] as const)(
      "instrumentation (%s): an allowed call is asked twice, once per name; a refused one once",
      async (load) => {
        const r = await run(APP[load], load, "policy", { env: prefixed });
        expect(r.summary.names).toEqual(["notes__export_notes", "notes__lookup_note"]);
        expectPolicy(r, "notes__");
        // The outer layer decides "notes__lookup_note"; the Client inside sees "lookup_note", a name
        // nothing decided, and asks again. The refused call stops at the outer layer.
        expect(asked()).toEqual([
          ...Array(3).fill("lookup_note"),
          ...Array(3).fill("notes__export_notes"),
          ...Array(3).fill("notes__lookup_note"),
        ]);
        expect(r.audit.map((a) => [a.tool, a.outcome, a.gatedBy]).sort()).toEqual(
          [
            ...Array(3).fill(["lookup_note", "executed", "instrumentation"]),
            ...Array(3).fill(["notes__export_notes", "blocked", "instrumentation"]),
            ...Array(3).fill(["notes__lookup_note", "executed", "instrumentation"]),
          ].sort(),
        );
      },
    );

    it("instrumentation, a policy that names only the MCP tool: the Client inside refuses, export_notes never runs", async () => {
      const r = await run(APP.import, "import", "policy", {
        env: prefixed,
        denied: ["export_notes"],
      });
      for (const s of SCENARIOS) {
        expect(
          r.summary[s].ran.map((l: any) => l.tool),
          s,
        ).not.toContain("export_notes");
        // Today the MCP refusal (isError) reaches LangChain as mcp-adapters' ToolException: thrown
        // from tool.invoke (direct stops there), a ToolNode error message elsewhere.
        expect(r.summary[s].seen?.notes__export_notes?.content ?? r.summary[s].error, s).toContain(
          BLOCKED("export_notes"),
        );
      }
      for (const s of ["toolNode", "createAgent"] as const)
        expect(
          r.summary[s].ran.map((l: any) => l.tool),
          s,
        ).toEqual(["lookup_note"]);
      // Outer name allowed, then the inner name denied: two questions for the refused call.
      expect(asked().filter((n) => n.endsWith("export_notes"))).toEqual([
        ...Array(3).fill("export_notes"),
        ...Array(3).fill("notes__export_notes"),
      ]);
    });

    it("governTools alone: one question per call, by the prefixed name", async () => {
      const r = await run(APP.import, "none", "policy", {
        env: { ...prefixed, FIXTURE_GOVERN: "1" },
      });
      expectPolicy(r, "notes__");
      expect(asked()).toEqual([
        ...Array(3).fill("notes__export_notes"),
        ...Array(3).fill("notes__lookup_note"),
      ]);
      expect(r.audit.every((a) => a.gatedBy === "registration")).toBe(true);
    });
  });
});
