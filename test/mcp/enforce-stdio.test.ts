// governor mcp (the enforce server) over stdio, driven by the real SDK Client against a real governor serve.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { bin, cleanEnv, freePort, policies, root, serve, type Served } from "../cli/helpers.js";
import {
  readIntent,
  refundIntent,
  sc,
  stdioClient,
  text,
  type StdioSession,
} from "./enforce-helpers.js";

/** The text of a resource read (the SDK types it as text or blob). */
const textOf = (r: { contents: unknown[] }) => (r.contents[0] as { text: string }).text;

const SERVE_KEY = "sk-test-mcp-enforce-0123456789";
const ARG_VALUE = "person-7781@example.com";
const ARG_SECRET = "VALUE-never-echo-91f3";
const policy = path.join(policies, "basic.yaml");

let srv: Served;
let s: StdioSession;
let audit: string;

beforeAll(async () => {
  srv = await serve(["--policy", policy], { GOVERNOR_SERVE_API_KEY: SERVE_KEY });
  audit = path.join(mkdtempSync(path.join(tmpdir(), "governor-mcp-")), "audit.jsonl");
  s = await stdioClient(["--url", srv.url, "--policy", policy], {
    GOVERNOR_API_KEY: SERVE_KEY,
    GOVERNOR_AUDIT_LOG: audit,
  });
});
afterAll(async () => {
  await s?.close();
  await srv?.stop();
});

describe("governor mcp over stdio", () => {
  it("lists the three tools with output schemas; enforce_intent is read-only and idempotent", async () => {
    const { tools } = await s.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([
      "check_tool_call",
      "enforce_intent",
      "explain_decision",
    ]);
    const enforce = tools.find((t) => t.name === "enforce_intent")!;
    expect(enforce.annotations).toMatchObject({ readOnlyHint: true, idempotentHint: true });
    expect(enforce.outputSchema?.properties).toHaveProperty("decision_token");
    // Without --trust-actor the agent cannot name the actor.
    expect(enforce.inputSchema.properties).not.toHaveProperty("actor");
  });

  it("ALLOW: a read, asked as the server's actor", async () => {
    const r = await s.client.callTool({ name: "enforce_intent", arguments: readIntent });
    expect(r.isError).toBeFalsy();
    expect(sc(r)).toMatchObject({
      decision: "ALLOW",
      deny_code: null,
      expires_at: null,
      decision_token: null,
      intent: { actor: { id: "governor-mcp", type: "agent" } },
    });
    expect(sc(r).request_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(text(r)).toMatch(/^ALLOW: query postgres_db:users as governor-mcp may go ahead/);
  });

  it("DENY: a refund, with the policy's reason and deny code, and a tool-call actor is ignored", async () => {
    const r = await s.client.callTool({
      name: "enforce_intent",
      arguments: { ...refundIntent, actor: { id: "support-root", type: "user" } },
    });
    expect(r.isError).toBeFalsy();
    expect(sc(r)).toMatchObject({
      decision: "DENY",
      reason: "Refunds need a human approver.",
      deny_code: "stepup_required",
      intent: { actor: { id: "governor-mcp" } },
    });
    expect(text(r)).toContain("Do not retry this action");
  });

  it("explain_decision by request id: the matched rule, the trace and what would allow it", async () => {
    const denied = await s.client.callTool({ name: "enforce_intent", arguments: refundIntent });
    const r = await s.client.callTool({
      name: "explain_decision",
      arguments: { request_id: sc(denied).request_id },
    });
    const e = sc(r);
    expect(e).toMatchObject({
      decision: "DENY",
      matched_rule: "no-refunds",
      deny_code: "stepup_required",
      policy_visible: true,
    });
    expect(e.canonicalization_trace.map((t: { field: string }) => t.field)).toContain("action");
    expect(e.what_would_allow.join("\n")).toMatch(/Rule "no-refunds" denies intents where/);
    expect(e.what_would_allow.join("\n")).toMatch(/before rule "no-refunds"/);
  });

  it("explain_decision by intent: the nearest allow rule and the field it needs", async () => {
    const r = await s.client.callTool({
      name: "explain_decision",
      arguments: { intent: { action: "send", resource: { type: "email" } } },
    });
    const e = sc(r);
    expect(e).toMatchObject({ decision: "DENY", matched_rule: null });
    expect(e.what_would_allow.join("\n")).toContain(
      'Rule "support-email" would allow it if the intent had actor.id "support-*" (the intent has "governor-mcp")',
    );
  });

  it("check_tool_call: the gate's intent from the tool name, and no argument value anywhere", async () => {
    const r = await s.client.callTool({
      name: "check_tool_call",
      arguments: { tool: "send_email", arguments: { to: ARG_VALUE, body: ARG_SECRET } },
    });
    expect(sc(r)).toMatchObject({
      tool: "send_email",
      decision: "DENY",
      intent: {
        action: "send",
        resource: { type: "email", name: "send_email" },
        actor: { id: "governor-mcp" },
        data: { pii: true },
      },
    });
    const all = JSON.stringify(r);
    expect(all).not.toContain(ARG_VALUE);
    expect(all).not.toContain(ARG_SECRET);
  });

  it("resources: policy summary, recent denials and the intent schema are listed and readable", async () => {
    const { resources } = await s.client.listResources();
    expect(resources.map((x) => x.uri).sort()).toEqual([
      "governor://denials/recent",
      "governor://intent/schema",
      "governor://policy/summary",
    ]);
    const read = async (uri: string) => JSON.parse(textOf(await s.client.readResource({ uri })));
    const summary = await read("governor://policy/summary");
    expect(summary).toMatchObject({ visible: true, source: policy, default: "deny" });
    expect(summary.rules.map((r: { id: string }) => r.id)).toEqual([
      "no-refunds",
      "no-bulk-pii",
      "reads",
      "support-email",
    ]);
    const denials = (await read("governor://denials/recent")).denials;
    expect(denials.length).toBeGreaterThan(0);
    expect(denials.every((d: { decision: string }) => d.decision === "DENY")).toBe(true);
    expect(JSON.stringify(denials)).not.toContain(ARG_VALUE);
    const schema = await read("governor://intent/schema");
    expect(schema.required).toEqual(["action", "resource"]);
  });

  it("the governed-tool-use prompt is listed and says what to do on DENY", async () => {
    const { prompts } = await s.client.listPrompts();
    expect(prompts.map((p) => p.name)).toEqual(["governed-tool-use"]);
    const p = await s.client.getPrompt({ name: "governed-tool-use" });
    const body = (p.messages[0].content as { text: string }).text;
    expect(body).toContain("enforce_intent");
    expect(body).toMatch(/do not retry the same action/);
    expect(body).toMatch(/Never say or imply that a denied action was done/);
  });

  it("stdout carried JSON-RPC only, and no key reached stderr", () => {
    expect(s.errors).toEqual([]);
    expect(s.stderr()).not.toContain(SERVE_KEY);
  });

  it("wrote one check line per question to enforce, without keys or argument values", async () => {
    await s.close(); // stdin ends: the server flushes its audit log and exits
    const lines = readFileSync(audit, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const checks = lines.filter((l) => l.type === "check");
    // enforce_intent x3 (read, refund, refund for explain), explain_decision by intent (it asks
    // enforce too: no question goes unaudited), check_tool_call x1
    expect(checks.map((l) => l.checkedBy)).toEqual([
      "enforce_intent",
      "enforce_intent",
      "enforce_intent",
      "explain_decision",
      "check_tool_call",
    ]);
    expect(checks[0]).toMatchObject({ decision: "ALLOW", mode: "enforce", tool: null });
    expect(checks[1]).toMatchObject({ decision: "DENY", denyCode: "stepup_required" });
    expect(checks[4]).toMatchObject({ tool: "send_email", intent: { action: "send" } });
    const raw = readFileSync(audit, "utf8");
    for (const secret of [SERVE_KEY, ARG_VALUE, ARG_SECRET]) expect(raw).not.toContain(secret);
  });
});

describe("governor mcp with enforce down", () => {
  it("answers a schema-valid DENY with the reason (isError), even with GOVERNOR_FAIL_MODE=open and GOVERNOR_MODE=off", async () => {
    const port = await freePort();
    const down = await stdioClient(["--url", `http://127.0.0.1:${port}`], {
      GOVERNOR_FAIL_MODE: "open",
      GOVERNOR_MODE: "off",
    });
    try {
      const r = await down.client.callTool({ name: "enforce_intent", arguments: readIntent });
      expect(r.isError).toBe(true);
      expect(sc(r)).toMatchObject({ decision: "DENY", request_id: null, decision_token: null });
      expect(sc(r).reason).toMatch(/^No decision, so this is a DENY: .*could not be reached/);
      const t = await down.client.callTool({
        name: "check_tool_call",
        arguments: { tool: "read_file", arguments: { path: "/etc/hosts" } },
      });
      expect(sc(t).decision).toBe("DENY");
      expect(t.isError).toBe(true);
      const summary = await down.client.readResource({ uri: "governor://policy/summary" });
      expect(JSON.parse(textOf(summary))).toMatchObject({
        visible: false,
        message: expect.stringMatching(/^No policy is visible to this server/),
      });
    } finally {
      await down.close();
    }
  });
});

describe("governor mcp stops cleanly", () => {
  const start = (env: Record<string, string> = {}) => {
    const proc = spawn(process.execPath, [bin, "mcp", "--url", srv.url], {
      cwd: root,
      env: cleanEnv({ GOVERNOR_API_KEY: SERVE_KEY, ...env }),
      stdio: ["pipe", "pipe", "pipe"],
    });
    const exited = new Promise<number | null>((r) => proc.once("close", (code) => r(code)));
    const answered = new Promise<string>((r) => {
      let out = "";
      proc.stdout!.setEncoding("utf8").on("data", (d) => {
        out += d;
        if (out.includes("\n")) r(out);
      });
    });
    proc.stdin!.write(
      JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: {
          protocolVersion: "2025-06-18",
          capabilities: {},
          clientInfo: { name: "t", version: "1" },
        },
      }) + "\n",
    );
    return { proc, exited, answered };
  };

  it("exits 0 when stdin ends", async () => {
    const { proc, exited, answered } = start();
    expect(JSON.parse(await answered)).toMatchObject({
      id: 1,
      result: { serverInfo: { name: "governor" } },
    });
    proc.stdin!.end();
    expect(await exited).toBe(0);
  });

  it("exits 0 on SIGTERM and on SIGINT", async () => {
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      const { proc, exited, answered } = start();
      await answered;
      proc.kill(signal);
      expect(await exited).toBe(0);
    }
  });

  it("a bad --policy file fails before the handshake (exit 2, nothing on stdout)", async () => {
    const { run } = await import("../cli/helpers.js");
    const bad = path.join(mkdtempSync(path.join(tmpdir(), "governor-mcp-")), "bad.yaml");
    (await import("node:fs")).writeFileSync(
      bad,
      "version: 1\nrules:\n  - id: x\n    effect: maybe\n",
    );
    const r = await run(["mcp", "--url", srv.url, "--policy", bad]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/policy_invalid.*effect: must be "allow" or "deny"/s);
  });
});
