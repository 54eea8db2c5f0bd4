// The enforce MCP server in-process (SDK Client over InMemoryTransport) against a real governor serve:
// --trust-actor, signed decisions, redaction and bounds of the recent decisions, and an enforce server
// without a policy summary.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { createEnforceContext, type EnforceContext } from "../../src/mcp/enforce/context.js";
import { createEnforceMcpServer } from "../../src/mcp/enforce/server.js";
import { RECENT_MAX } from "../../src/mcp/enforce/recent.js";
import { policies, serve, type Served } from "../cli/helpers.js";
import { deny, startEnforce, type EnforceServer } from "../support/enforce-server.js";
import { readIntent, refundIntent, sc } from "./enforce-helpers.js";

/** The text of a resource read (the SDK types it as text or blob). */
const textOf = (r: { contents: unknown[] }) => (r.contents[0] as { text: string }).text;

const API_KEY = "sk-test-mcp-inproc-0123456789";
const DECISION_KEY = "dk-test-mcp-inproc-9876543210";
const policy = path.join(policies, "basic.yaml");
const tmp = mkdtempSync(path.join(tmpdir(), "governor-mcp-"));

async function connect(
  url: string,
  opts: { trustActor?: boolean; env?: Record<string, string>; policyFile?: string } = {},
): Promise<{ client: Client; ctx: EnforceContext; close(): Promise<void> }> {
  const ctx = await createEnforceContext({
    url,
    trustActor: opts.trustActor,
    policyFile: opts.policyFile,
    env: { ...opts.env },
  });
  const server = createEnforceMcpServer(ctx);
  const [a, b] = InMemoryTransport.createLinkedPair();
  await server.connect(a);
  const client = new Client({ name: "t", version: "1" });
  await client.connect(b);
  return {
    client,
    ctx,
    close: async () => {
      await client.close();
      await ctx.close();
    },
  };
}

let srv: Served;
beforeAll(async () => {
  const keyFile = path.join(tmp, "decision.key");
  writeFileSync(keyFile, DECISION_KEY, { mode: 0o600 });
  srv = await serve(["--policy", policy, "--decision-key-file", keyFile], {
    GOVERNOR_SERVE_API_KEY: API_KEY,
  });
});
afterAll(() => srv?.stop());

describe("the enforce MCP server in-process", () => {
  it("--trust-actor: the actor comes from the arguments; without it, from GOVERNOR_ACTOR_ID", async () => {
    const env = { GOVERNOR_API_KEY: API_KEY, GOVERNOR_ACTOR_ID: "bot-7" };
    const trusted = await connect(srv.url, { trustActor: true, env });
    const plain = await connect(srv.url, { env });
    try {
      const email = { action: "send", resource: { type: "email" } };
      const actor = { id: "support-alice", type: "user" };
      const t = await trusted.client.callTool({
        name: "enforce_intent",
        arguments: { ...email, actor },
      });
      expect(sc(t)).toMatchObject({ decision: "ALLOW", intent: { actor } });
      const { tools } = await trusted.client.listTools();
      expect(tools[0].inputSchema.properties).toHaveProperty("actor");
      const p = await plain.client.callTool({
        name: "enforce_intent",
        arguments: { ...email, actor },
      });
      expect(sc(p)).toMatchObject({
        decision: "DENY",
        intent: { actor: { id: "bot-7", type: "agent" } },
      });
      const c = await trusted.client.callTool({
        name: "check_tool_call",
        arguments: { tool: "send_email", arguments: {}, actor },
      });
      expect(sc(c)).toMatchObject({ decision: "ALLOW", intent: { actor } });
    } finally {
      await trusted.close();
      await plain.close();
    }
  });

  it("a signed ALLOW carries decision_token and expires_at (verified by the runtime)", async () => {
    const s = await connect(srv.url, {
      env: { GOVERNOR_API_KEY: API_KEY, GOVERNOR_DECISION_KEY: DECISION_KEY },
    });
    try {
      const r = await s.client.callTool({ name: "enforce_intent", arguments: readIntent });
      expect(sc(r).decision).toBe("ALLOW");
      expect(sc(r).decision_token).toMatch(/\S{20,}/);
      expect(Date.parse(sc(r).expires_at)).toBeGreaterThan(Date.now());
      const d = await s.client.callTool({ name: "enforce_intent", arguments: refundIntent });
      expect(sc(d)).toMatchObject({ decision: "DENY", decision_token: null });
    } finally {
      await s.close();
    }
  });

  it("recent decisions are bounded and redacted; audit lines too", async () => {
    const audit = path.join(tmp, "audit.jsonl");
    const s = await connect(srv.url, {
      env: { GOVERNOR_API_KEY: API_KEY, GOVERNOR_AUDIT_LOG: audit },
    });
    try {
      // A key an agent pasted into an intent by mistake.
      const leaky = { action: "refund", resource: { type: "payment", name: `key ${API_KEY}` } };
      const first = await s.client.callTool({ name: "enforce_intent", arguments: leaky });
      for (let i = 0; i < RECENT_MAX; i++)
        await s.client.callTool({ name: "enforce_intent", arguments: refundIntent });
      const gone = await s.client.callTool({
        name: "explain_decision",
        arguments: { request_id: sc(first).request_id },
      });
      expect(gone.isError).toBe(true);
      const res = await s.client.readResource({ uri: "governor://denials/recent" });
      const { denials } = JSON.parse(textOf(res));
      expect(denials).toHaveLength(50);
      expect(textOf(res)).not.toContain(API_KEY);
    } finally {
      await s.close();
    }
    const raw = readFileSync(audit, "utf8");
    expect(raw.trim().split("\n")).toHaveLength(RECENT_MAX + 1);
    expect(raw).not.toContain(API_KEY);
    expect(raw).toContain("[redacted]");
  });
});

describe("an enforce server without a policy summary", () => {
  let pdp: EnforceServer;
  let url: string;
  beforeAll(async () => {
    // The management plane's shape: enforce only (no trace, no summary, no canonicalize).
    pdp = await startEnforce((req) =>
      req.path === "/api/v2/enforce"
        ? deny("req-1", { reason: "Not on the list.", deny_code: "authz_policy_denied" })
        : { status: 404, raw: '{"detail":"Not Found"}' },
    );
    url = pdp.url;
  });
  afterAll(() => pdp.close());

  it("says plainly that no policy is visible, in the summary and in explain_decision", async () => {
    const s = await connect(url);
    try {
      const d = await s.client.callTool({ name: "enforce_intent", arguments: refundIntent });
      expect(sc(d)).toMatchObject({ decision: "DENY", request_id: "req-1" });
      const e = await s.client.callTool({
        name: "explain_decision",
        arguments: { request_id: "req-1" },
      });
      expect(sc(e)).toMatchObject({
        decision: "DENY",
        matched_rule: null,
        policy_visible: false,
        canonicalization_trace: [],
      });
      expect(sc(e).what_would_allow[0]).toMatch(
        /^No policy is visible to this server.*Not on the list\./,
      );
      const summary = await s.client.readResource({ uri: "governor://policy/summary" });
      expect(JSON.parse(textOf(summary))).toEqual({
        visible: false,
        message: expect.stringMatching(/^No policy is visible to this server/),
      });
    } finally {
      await s.close();
    }
  });

  it("a --policy file makes the policy visible even so", async () => {
    const s = await connect(url, { policyFile: policy });
    try {
      const summary = await s.client.readResource({ uri: "governor://policy/summary" });
      expect(JSON.parse(textOf(summary))).toMatchObject({
        visible: true,
        source: policy,
      });
    } finally {
      await s.close();
    }
  });
});
