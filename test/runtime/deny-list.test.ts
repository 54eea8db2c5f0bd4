// governor.config.json "deny": tools refused locally, without asking enforce.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { generateText, stepCountIs, tool } from "ai";
import { MockLanguageModelV3 } from "ai/test";
import { z } from "zod";
import { compileDeny } from "../../src/runtime/deny.js";
import { denyRefusal } from "../../src/runtime/refusal.js";
import {
  createGovernor,
  governTools,
  GovernorConfigError,
  GovernorDeniedError,
} from "../../src/runtime/index.js";
import {
  allow,
  closedUrl,
  deny,
  startEnforce,
  type EnforceServer,
} from "../support/enforce-server.js";
import { closeAll, makeGovernor, rejection, tmp } from "./helpers.js";

let server: EnforceServer | undefined;
afterEach(async () => {
  await closeAll();
  await server?.close();
  server = undefined;
});

describe("deny patterns", () => {
  const matches = (patterns: string[], names: string[]) => {
    const list = compileDeny(patterns)!;
    return names.filter((n) => list.match(n) !== undefined);
  };

  it("match the whole name; * is any characters, none included", () => {
    expect(
      matches(["admin_*"], ["admin_users", "admin_", "my_admin_x", "admin", "xadmin_users"]),
    ).toEqual(["admin_users", "admin_"]);
    expect(matches(["*_now"], ["delete_now", "_now", "delete_now_please"])).toEqual([
      "delete_now",
      "_now",
    ]);
    expect(matches(["a*b*c"], ["abc", "a-b-c", "a-c", "abcx"])).toEqual(["abc", "a-b-c"]);
    expect(matches(["exact"], ["exact", "exactly", "inexact"])).toEqual(["exact"]);
  });

  it("are case-sensitive", () => {
    expect(matches(["admin_*"], ["Admin_users", "ADMIN_USERS", "admin_Users"])).toEqual([
      "admin_Users",
    ]);
  });

  it("* alone matches every name, the empty one and ones with newlines included", () => {
    expect(matches(["*"], ["", "x", "read_file", "a\nb"])).toEqual(["", "x", "read_file", "a\nb"]);
  });

  it("treat regular expression characters as themselves", () => {
    expect(matches(["a.b"], ["a.b", "axb", "a.bc"])).toEqual(["a.b"]);
    expect(matches(["x+(y)?[z]{2}|w$^\\"], ["x+(y)?[z]{2}|w$^\\", "xx(y)[z]zz", "w"])).toEqual([
      "x+(y)?[z]{2}|w$^\\",
    ]);
  });

  it("name the first pattern that matches", () => {
    expect(compileDeny(["read_*", "delete_*", "*_all"])!.match("delete_all")).toBe("delete_*");
    expect(compileDeny([])).toBeNull();
  });
});

describe("the deny list at the gate", () => {
  it("refuses a matching tool with a policy DENY's refusal and audit line, and asks enforce nothing", async () => {
    server = await startEnforce((req) =>
      req.body.action === "delete" ? deny("req-d", { reason: "no deleting" }) : allow("req-a"),
    );
    const t = makeGovernor({ enforceUrl: server.url, config: { deny: ["admin_*"] } });
    const ran: string[] = [];
    const adminUsers = t.governor.gate("admin_users", async (_q: { id: number }) =>
      ran.push("admin_users"),
    );
    const deleteRow = t.governor.gate("delete_row", async (_q: { id: number }) =>
      ran.push("delete_row"),
    );
    const myAdmin = t.governor.gate("my_admin_x", async () => ran.push("my_admin_x"));

    const err = await rejection(adminUsers({ id: 1 }));
    expect(err).toBeInstanceOf(GovernorDeniedError);
    expect(err.code).toBe("local_deny");
    expect(err.denyCode).toBe("local_deny");
    expect(err.requestId).toBeNull();
    expect(err.message).toBe(
      denyRefusal(
        "admin_users",
        'the tool name matches "admin_*" in the local deny list',
        "local_deny",
        null,
      ),
    );
    expect(err.message).toContain("was blocked by policy");
    expect(err.message).toContain("Do not retry");
    expect(server.requests).toHaveLength(0);

    expect(await rejection(deleteRow({ id: 2 }))).toBeInstanceOf(GovernorDeniedError);
    await myAdmin();
    expect(ran).toEqual(["my_admin_x"]);
    expect(server.requests.map((r) => r.body.resource.type)).toEqual(["row", "admin_x"]);

    const lines = await t.auditLines();
    const local = lines.find((l) => l.tool === "admin_users");
    const policy = lines.find((l) => l.tool === "delete_row");
    // The same record shape as a policy DENY.
    expect(Object.keys(local).sort()).toEqual(Object.keys(policy).sort());
    expect(local).toMatchObject({
      decision: "DENY",
      outcome: "blocked",
      denyCode: "local_deny",
      requestId: null,
      errorCode: null,
      cached: false,
      mode: "enforce",
      gatedBy: "definition",
      intent: { action: "admin", resource: { type: "users" } },
    });
    expect(policy).toMatchObject({ decision: "DENY", outcome: "blocked", requestId: "req-d" });
  });

  it("onDeny: return hands back the refusal text", async () => {
    server = await startEnforce(() => allow());
    const t = makeGovernor({ enforceUrl: server.url, config: { deny: ["*"] } });
    const out = await t.governor.gate("read_file", async () => "ran", { onDeny: "return" })();
    expect(out).toContain('"read_file" was blocked by policy');
    expect(out).toContain('matches "*" in the local deny list');
    expect(server.requests).toHaveLength(0);
  });

  it("fail mode open never lets a denied tool through: the list needs no network", async () => {
    const t = makeGovernor({
      enforceUrl: await closedUrl(),
      failMode: "open",
      retry: { maxAttempts: 1 },
      config: { deny: ["delete_*"] },
    });
    const ran: string[] = [];
    const del = t.governor.gate("delete_user", async () => ran.push("delete_user"));
    const read = t.governor.gate("read_user", async () => ran.push("read_user"));
    expect((await rejection(del())).code).toBe("local_deny");
    await read();
    expect(ran).toEqual(["read_user"]);
    const lines = await t.auditLines();
    expect(lines.map((l) => [l.tool, l.outcome, l.failOpen ?? false])).toEqual([
      ["delete_user", "blocked", false],
      ["read_user", "executed", true],
    ]);
  });

  it("observe mode runs the tool and records that it would have been blocked", async () => {
    server = await startEnforce(() => allow());
    const t = makeGovernor({
      enforceUrl: server.url,
      mode: "observe",
      config: { deny: ["admin_*"] },
    });
    const out = await t.governor.gate("admin_users", async () => "ran")();
    expect(out).toBe("ran");
    expect(server.requests).toHaveLength(0);
    expect(t.warnings.join("\n")).toContain('"admin_users" would have been blocked (local_deny');
    const [line] = await t.auditLines();
    expect(line).toMatchObject({
      decision: "DENY",
      outcome: "executed",
      wouldBlock: true,
      denyCode: "local_deny",
      mode: "observe",
    });
  });

  it("applies to tool names only, not to intent scopes", async () => {
    server = await startEnforce(() => allow("req-s"));
    const t = makeGovernor({ enforceUrl: server.url, config: { deny: ["admin_*"] } });
    expect(
      await t.governor.intentScope({ action: "admin_export", resource: "report" }, () => 1),
    ).toBe(1);
    expect(server.requests).toHaveLength(1);
  });

  it("reaches the model through the AI SDK (governTools), with no request to enforce for it", async () => {
    server = await startEnforce(() => allow("req-a"));
    const t = makeGovernor({ enforceUrl: server.url, config: { deny: ["admin_*"] } });
    const ran: string[] = [];
    const prompts: unknown[] = [];
    let step = 0;
    const usage = {
      inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 },
      outputTokens: { total: 1, text: 1, reasoning: 0 },
    };
    const model = new MockLanguageModelV3({
      doGenerate: async (options) => {
        prompts.push(options.prompt);
        if (step++ === 0)
          return {
            content: [
              { type: "tool-call", toolCallId: "c1", toolName: "get_order", input: '{"id":7}' },
              { type: "tool-call", toolCallId: "c2", toolName: "admin_users", input: '{"id":1}' },
            ],
            finishReason: { unified: "tool-calls", raw: undefined },
            usage,
            warnings: [],
          };
        return {
          content: [{ type: "text", text: "done" }],
          finishReason: { unified: "stop", raw: undefined },
          usage,
          warnings: [],
        };
      },
    });
    const result = await generateText({
      model,
      prompt: "help",
      stopWhen: stepCountIs(3),
      tools: governTools(
        {
          get_order: tool({
            inputSchema: z.object({ id: z.number() }),
            execute: async ({ id }) => (ran.push(`get_order ${id}`), { id, status: "shipped" }),
          }),
          admin_users: tool({
            inputSchema: z.object({ id: z.number() }),
            execute: async ({ id }) => (ran.push(`admin_users ${id}`), "listed"),
          }),
        },
        { governor: t.governor },
      ),
    });
    expect(result.text).toBe("done");
    expect(ran).toEqual(["get_order 7"]);
    const secondPrompt = JSON.stringify(prompts[1]);
    expect(secondPrompt).toContain('\\"admin_users\\" was blocked by policy');
    expect(secondPrompt).toContain("local deny list");
    expect(server.requests.map((r) => r.body.resource.type)).toEqual(["order"]);
    const lines = await t.auditLines();
    expect(lines.find((l) => l.tool === "admin_users")).toMatchObject({
      outcome: "blocked",
      denyCode: "local_deny",
      gatedBy: "registration",
    });
  });
});

describe("deny list validation", () => {
  const withFile = (deny: unknown) => {
    const file = path.join(tmp(), "governor.config.json");
    writeFileSync(file, JSON.stringify({ tools: {}, deny }));
    return file;
  };
  const problem = (config: string | object): GovernorConfigError => {
    try {
      createGovernor({ env: {}, enforceUrl: "http://127.0.0.1:9", config: config as string });
    } catch (err) {
      expect(err).toBeInstanceOf(GovernorConfigError);
      return err as GovernorConfigError;
    }
    throw new Error("expected a config error");
  };

  it.each([
    ["a string", "admin_*", 'the "deny" must be an array', '(got "admin_*")'],
    ["an object", { admin: true }, 'the "deny" must be an array', "(got an object)"],
    ["an empty string", ["admin_*", ""], '"deny"[1] must be a non-empty', '(got "")'],
    ["a number", [3], '"deny"[0] must be a non-empty', "(got number 3)"],
  ])("%s is a config error naming the file and the key", (_label, value, what, got) => {
    const file = withFile(value);
    const err = problem(file);
    expect(err.message).toContain(file);
    expect(err.message).toContain(what.replace(/^the /, ""));
    expect(err.message).toContain(got);
    expect(err.message).toContain('e.g. "deny": ["admin_*", "delete_*"]');
  });

  it("is read from governor.config.json and from the config option", async () => {
    server = await startEnforce(() => allow());
    const file = withFile(["admin_*"]);
    for (const config of [file, { deny: ["admin_*"] }]) {
      const g = createGovernor({ env: {}, enforceUrl: server.url, config: config as string });
      expect((await rejection(g.gate("admin_x", async () => 1)())).code).toBe("local_deny");
      await g.close();
    }
    expect(problem({ deny: [""] }).message).toContain('"deny"[0] must be a non-empty');
    expect(server.requests).toHaveLength(0);
  });
});
