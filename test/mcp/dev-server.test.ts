import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FRAMEWORK_IDS } from "../../src/frameworks.js";
import { scrubber } from "../../src/mcp/dev/result.js";
import { createGovernor } from "../../src/runtime/index.js";
import { cleanEnv, policies, serve, type Served } from "../cli/helpers.js";
import { cleanupTemp, copyFixture } from "../init/helpers.js";
import { devClient, errorOf, text, type DevClient } from "./dev-helpers.js";

// The --dev server's read-only tools and resources, in process, with the real SDK Client.

const KEY = "sk-devserver-secret-0123456789";
let dev: DevClient;
let project: string;

beforeAll(async () => {
  project = copyFixture("ts-esm-npm");
  dev = await devClient({
    cwd: project,
    allowApply: false,
    env: cleanEnv({ GOVERNOR_API_KEY: KEY }),
  });
});
afterAll(async () => {
  await dev.close();
  cleanupTemp();
});

describe("tools/list", () => {
  it("lists the read-only tools, and governor_apply only with allowApply", async () => {
    const { tools } = await dev.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([
      "governor_checklist",
      "governor_doctor",
      "governor_explain_denial",
      "governor_plan",
      "governor_scan",
      "governor_test_intent",
    ]);
    for (const t of tools) {
      expect(t.annotations?.readOnlyHint, t.name).toBe(true);
      expect(t.inputSchema.properties).toHaveProperty("cwd");
    }
    const writer = await devClient({ cwd: project, allowApply: true, env: cleanEnv() });
    const apply = (await writer.client.listTools()).tools.find((t) => t.name === "governor_apply");
    await writer.close();
    expect(apply?.annotations).toMatchObject({ destructiveHint: true, readOnlyHint: false });
    expect(apply?.inputSchema.required).toEqual(["plan_id"]);
  });
});

describe("answers", () => {
  it("never carry a secret of the environment, wherever it turns up", () => {
    const scrub = scrubber({
      GOVERNOR_API_KEY: KEY,
      OPENAI_API_KEY: "short",
      HOME: "/home/x-long-path",
    });
    const out = scrub({ diff: `+const k = "${KEY}";`, list: [{ why: `sent ${KEY}!` }], n: 1 });
    expect(out).toEqual({
      diff: '+const k = "[redacted]";',
      list: [{ why: "sent [redacted]!" }],
      n: 1,
    });
    expect(scrub({ home: "/home/x-long-path" })).toEqual({ home: "/home/x-long-path" });
  });
});

describe("cwd", () => {
  it("is checked: missing, or a file, is an error with a code and a fix", async () => {
    const missing = errorOf(await dev.call("governor_scan", { cwd: "/nonexistent/governor-x" }));
    expect(missing).toMatchObject({
      code: "cwd_missing",
      context: { cwd: "/nonexistent/governor-x" },
    });
    expect(missing.fix).toMatch(/cwd/);
    const file = errorOf(await dev.call("governor_checklist", { cwd: "package.json" }));
    expect(file.code).toBe("cwd_not_directory");
    expect(file.context.cwd).toBe(path.join(project, "package.json"));
  });

  it("a directory that is not a project: init's own error, code and fix kept", async () => {
    const empty = mkdtempSync(path.join(tmpdir(), "governor-dev-empty-"));
    const r = await dev.call("governor_scan", { cwd: empty });
    expect(errorOf(r).code).toBe("not_a_package");
    expect(text(r)).toMatch(/^Error \(not_a_package\): /);
    expect(text(r)).toMatch(/\n\nFix: /);
  });
});

describe("governor_scan", () => {
  it("lists every tool per framework with file:line, none gated before init", async () => {
    const s = await dev.data("governor_scan");
    expect(s.summary).toEqual({ tools: 2, gated: 0, notGated: 2 });
    expect(s.frameworks).toEqual([
      { framework: "ai-sdk", label: "Vercel AI SDK", tools: 2, gated: 0, notGated: 2 },
    ]);
    expect(s.tools.map((t: any) => [t.file, t.name, t.gated, t.init])).toEqual([
      ["src/tools.ts", "get_order", false, "gates"],
      ["src/tools.ts", "refund_payment", false, "gates"],
    ]);
    expect(s.tools[0].line).toBe(5);
    expect(s.notCovered.map((n: any) => n.where)).toEqual(["src/tools.ts:5", "src/tools.ts:13"]);
    expect(s.notCovered[0].why).toMatch(/governor init/);
  });

  it("reports init's already-gated definitions as gated", async () => {
    const s = await dev.data("governor_scan", { cwd: copyFixture("already-gated") });
    expect(s.summary.tools).toBeGreaterThan(0);
    const already = s.tools.filter((t: any) => t.init === "already-gated");
    expect(already.length).toBeGreaterThan(0);
    for (const t of already) expect(t).toMatchObject({ gated: true, gatedBy: "definition" });
  });

  it("names what init cannot rewrite, with why", async () => {
    const s = await dev.data("governor_scan", { cwd: copyFixture("unsupported-frameworks") });
    expect(s.frameworks.map((f: any) => [f.framework, f.notGated])).toEqual([
      ["unsupported", 2],
      ["ai-sdk", 1],
    ]);
    const open = s.notCovered as {
      where: string;
      what: string;
      why: string;
      initGates: boolean;
      byHand: boolean;
    }[];
    const adk = open.find((n) => /Google ADK/.test(n.what));
    expect(adk).toMatchObject({ where: "src/planner.cjs:2", initGates: false, byHand: true });
    expect(adk!.why).toMatch(/FunctionTool\(\{ execute \}\)\) in gate\("<name>", fn\)/);
  });
});

describe("resources", () => {
  it("one guide per framework, the env variables and the enforce contract, all readable", async () => {
    const { resources } = await dev.client.listResources();
    const uris = resources.map((r) => r.uri);
    expect(uris).toEqual([
      ...FRAMEWORK_IDS.map((id) => `governor://dev/guide/${id}`),
      "governor://dev/env",
      "governor://dev/enforce-contract",
    ]);
    for (const uri of uris) {
      const r = await dev.client.readResource({ uri });
      const body = (r.contents[0] as { text: string }).text;
      expect(body.length, uri).toBeGreaterThan(200);
    }
    const ai = await dev.client.readResource({ uri: "governor://dev/guide/ai-sdk" });
    expect((ai.contents[0] as { text: string }).text).toMatch(
      /gate\("<name>", fn, \{ input: "first" \}\)/,
    );
    const env = (await dev.client.readResource({ uri: "governor://dev/env" })).contents[0] as {
      text: string;
    };
    expect(env.text).toMatch(/\| `GOVERNOR_ENFORCE_URL` \|/);
    expect(env.text).toMatch(/GOVERNOR_FAIL_MODE=closed/);
    expect(env.text).not.toContain(KEY);
    const contract = (await dev.client.readResource({ uri: "governor://dev/enforce-contract" }))
      .contents[0] as { text: string };
    expect(contract.text).toBe(readFileSync(path.resolve("docs/enforce-api.md"), "utf8"));
  });
});

describe("governor_checklist", () => {
  it("gives the project's own commands: typecheck, doctor --strict, init --dry-run", async () => {
    const c = await dev.data("governor_checklist");
    expect(c.packageManager).toBe("npm");
    const byId = Object.fromEntries(c.items.map((i: any) => [i.id, i]));
    expect(byId.typecheck.command).toBe("npx --no-install tsc --noEmit");
    expect(byId.tests.command).toBeNull();
    expect(byId.doctor.command).toBe("npx --no-install governor doctor --strict");
    expect(byId.coverage.command).toBe("npx --no-install governor init --dry-run --json");
  });
});

describe("against a real governor serve", () => {
  let served: Served;
  let audit: string;
  let live: DevClient;
  beforeAll(async () => {
    served = await serve(["--policy", path.join(policies, "basic.yaml")]);
    audit = path.join(mkdtempSync(path.join(tmpdir(), "governor-dev-audit-")), "audit.jsonl");
    live = await devClient({
      cwd: project,
      allowApply: false,
      env: cleanEnv({
        GOVERNOR_ENFORCE_URL: served.url,
        GOVERNOR_API_KEY: KEY,
        GOVERNOR_AUDIT_LOG: audit,
      }),
    });
  });
  afterAll(async () => {
    await live?.close();
    await served?.stop();
  });

  it("governor_test_intent: ALLOW and DENY, and the tool's argument values never come back", async () => {
    const allow = await live.data("governor_test_intent", {
      action: "read",
      resource: "database:users",
    });
    expect(allow).toMatchObject({ decision: "ALLOW", allowed: true });
    const secretArg = "card-4242-4242-4242-4242";
    const r = await live.call("governor_test_intent", {
      tool: "refund_payment",
      args: { paymentId: secretArg, amount: 20 },
    });
    const deny = r.structuredContent as Record<string, any>;
    expect(deny).toMatchObject({ decision: "DENY", deny_code: "stepup_required" });
    expect(deny.intent).toMatchObject({ action: "refund", resource: { type: "payment" } });
    expect(JSON.stringify(r)).not.toContain(secretArg);
    expect(JSON.stringify(r)).not.toContain(KEY);
  });

  it("governor_test_intent: enforce down is an error that says why, never an ALLOW", async () => {
    const down = await devClient({
      cwd: project,
      allowApply: false,
      env: cleanEnv({
        GOVERNOR_ENFORCE_URL: "http://127.0.0.1:9",
        GOVERNOR_FAIL_MODE: "open",
        GOVERNOR_MODE: "off",
      }),
    });
    const r = await down.call("governor_test_intent", {
      action: "read",
      resource: "database:users",
    });
    await down.close();
    const e = errorOf(r);
    expect(e.message).toMatch(/^No decision/);
    expect(e.fix).toMatch(/running and reachable/);
    expect(JSON.stringify(r)).not.toMatch(/ALLOW/);
  });

  it("governor_explain_denial: a request id from the audit log, with the rule that decided", async () => {
    // a real gated call in this process writes the audit line
    const g = createGovernor({ enforceUrl: served.url, auditLog: audit, env: cleanEnv() });
    const refund = g.gate("refund_payment", async (_args: unknown) => "refunded", {
      onDeny: "return",
    });
    await refund({ paymentId: "p1", amount: 5 });
    await g.close();
    const line = JSON.parse(readFileSync(audit, "utf8").trim().split("\n").pop()!);
    expect(line.decision).toBe("DENY");
    const r = await live.data("governor_explain_denial", {
      request_id: line.requestId,
      policy: path.join(policies, "basic.yaml"),
    });
    expect(r).toMatchObject({
      tool: "refund_payment",
      code: "stepup_required",
      recorded: { decision: "DENY", auditLog: audit },
      policy: { rule: { id: "no-refunds", effect: "deny" } },
    });
    expect(r.change).toMatch(/Rule "no-refunds"/);
    expect(r.intentMap.file).toBeNull();
  });

  it("governor_explain_denial: an unknown request id, or none and no tool, are errors", async () => {
    expect(
      errorOf(await live.call("governor_explain_denial", { request_id: "nope-123" })).code,
    ).toBe("request_not_found");
    expect(errorOf(await live.call("governor_explain_denial", {})).code).toBe("invalid_arguments");
    // no audit log for this server: the error says how to give one; `auditLog` does
    const noLog = errorOf(await dev.call("governor_explain_denial", { request_id: "r-1" }));
    expect(noLog.code).toBe("no_audit_log");
    expect(noLog.fix).toMatch(/auditLog/);
    const viaArg = await dev.call("governor_explain_denial", {
      request_id: "r-1",
      auditLog: audit,
    });
    expect(errorOf(viaArg)).toMatchObject({
      code: "request_not_found",
      context: { auditLog: audit },
    });
    const byCode = await live.data("governor_explain_denial", {
      tool: "send_email",
      deny_code: "timeout",
    });
    expect(byCode.means).toMatch(/GOVERNOR_TIMEOUT_MS/);
    expect(byCode.change).toMatch(/GOVERNOR_ENFORCE_URL/);
  });

  it("governor_doctor: the report as data, without the key", async () => {
    const r = await live.call("governor_doctor", { samples: 1 });
    const d = r.structuredContent as Record<string, any>;
    expect(d.checks.map((c: any) => c.id)).toContain("tools.governed");
    expect(d.checks.find((c: any) => c.id === "enforce.reachable").status).toBe("pass");
    expect(d.checks.find((c: any) => c.id === "tools.governed").status).toBe("fail");
    expect(JSON.stringify(r)).not.toContain(KEY);
  });
});
