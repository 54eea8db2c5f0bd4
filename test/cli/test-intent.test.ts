// `governor test-intent` as a real process against a real `governor serve`.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort, policies, run, serve, type Served } from "./helpers.js";
import { startEnforce, type EnforceServer } from "../support/enforce-server.js";

const KEY = "sk-test-intent-0123456789";
let srv: Served;
let down: EnforceServer;
const ask = (args: string[], env: Record<string, string> = {}, cwd?: string) =>
  run(["test-intent", ...args], {
    env: { GOVERNOR_ENFORCE_URL: srv.url, GOVERNOR_API_KEY: KEY, ...env },
    cwd,
  });

beforeAll(async () => {
  [srv, down] = await Promise.all([
    serve(["--policy", path.join(policies, "basic.yaml")], { GOVERNOR_SERVE_API_KEY: KEY }),
    startEnforce(() => ({ status: 500, raw: '{"detail":"Canonicalization failed"}' })),
  ]);
});
afterAll(async () => {
  await Promise.all([srv?.stop(), down?.close()]);
});

describe.concurrent("governor test-intent", () => {
  it("ALLOW: exit 0, shows the decision, request id and the canonicalization table", async () => {
    const r = await ask([
      "--action",
      "query",
      "--resource",
      "postgres_db:users",
      "--actor",
      "user-1",
      "--actor-type",
      "user",
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ALLOW {2}Rule "reads" allows this\./);
    expect(r.stdout).toMatch(/request id\s+[0-9a-f-]{36}/);
    expect(r.stdout).toMatch(/latency\s+[\d.]+ ms/);
    expect(r.stdout).toMatch(/action\s+query\s+read\s+0\.95\s+builtin_vocabulary/);
    expect(r.stdout).toMatch(/resource_type\s+postgres_db\s+database\s+1\.00\s+policy_vocabulary/);
    expect(r.stdout).not.toMatch(/\x1b\[/); // NO_COLOR and not a TTY
  });

  it("DENY with --json: exit 1 and one object with what was sent and why", async () => {
    const r = await ask([
      "--action",
      "refund",
      "--resource",
      "stripe",
      "--pii",
      "--sensitivity",
      "confidential,pci",
      "--json",
    ]);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      decision: "DENY",
      reason: "Refunds need a human approver.",
      deny_code: "stepup_required",
      intent: {
        action: "refund",
        resource: { type: "stripe" },
        data: { pii: true, sensitivity: ["confidential", "pci"] },
      },
    });
    expect(out.request_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof out.latency_ms).toBe("number");
    expect(out.canonicalization_trace[1]).toEqual({
      field: "resource_type",
      raw_input: "stripe",
      prediction: { canonical: "payment", confidence: 0.95, source: "builtin_vocabulary" },
    });
  });

  it("--tool builds the intent through the repo's intent map; argument values are never shown", async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), "governor-ti-"));
    writeFileSync(
      path.join(cwd, "governor.config.json"),
      JSON.stringify({
        defaults: { actor: { id: "support-bot", type: "agent" } },
        tools: {
          issue_credit: { action: "refund", resource: { type: "payment", name: "stripe" } },
        },
      }),
    );
    const r = await ask(
      [
        "--tool",
        "issue_credit",
        "--args",
        '{"customer":"jane@example.com","amount":20}',
        "--expect",
        "deny",
        "--json",
      ],
      {},
      cwd,
    );
    expect(r.code).toBe(0); // DENY was expected
    const out = JSON.parse(r.stdout);
    expect(out.intent).toMatchObject({
      action: "refund",
      actor: { id: "support-bot" },
      resource: { type: "payment", name: "stripe" },
      data: { pii: true },
    });
    expect(out).toMatchObject({ decision: "DENY", expected: "DENY", matches_expectation: true });
    expect(r.stdout + r.stderr).not.toContain("jane@example.com");
  });

  it("--expect that does not match: exit 1 and says so (in colour when forced)", async () => {
    const r = await ask(["--action", "read", "--resource", "database", "--expect", "deny"], {
      FORCE_COLOR: "1",
      NO_COLOR: "",
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("expected deny: got allow instead");
    expect(r.stdout).toMatch(/\x1b\[32m\x1b\[1mALLOW/);
  });

  it("401: exit 2, tells the user which key to set, never prints the key", async () => {
    const r = await ask([
      "--action",
      "read",
      "--resource",
      "database",
      "--api-key",
      "wrong-key-abcdef",
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/HTTP 401/);
    expect(r.stderr).toMatch(/fix: Pass --api-key <key> or set GOVERNOR_API_KEY/);
    expect(r.stderr + r.stdout).not.toContain("wrong-key-abcdef");
  });

  it("no key for a server that needs one: says none was sent; no message talks about a tool that was not run", async () => {
    const r = await run([
      "test-intent",
      "--action",
      "read",
      "--resource",
      "database",
      "--url",
      srv.url,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^error \[auth_failed\]: enforce refused governor's credentials \(HTTP 401: .*\): no API key was sent\.\nfix: This enforce server needs a key: pass --api-key <key> or set GOVERNOR_API_KEY/,
    );
    expect(r.stderr).not.toMatch(/tool was not run|GOVERNOR_HEADERS/);
  });

  it("https:// to a plain HTTP server, and a URL without a scheme: each fix says what to type", async () => {
    const [tls, bare] = await Promise.all([
      ask([
        "--action",
        "read",
        "--resource",
        "database",
        "--url",
        srv.url.replace("http:", "https:"),
      ]),
      ask(["--action", "read", "--resource", "database", "--url", "localhost:8787"]),
    ]);
    expect(tls.code).toBe(2);
    expect(tls.stderr).toMatch(
      /fix: https:\/\/127\.0\.0\.1:\d+ does not speak HTTPS on that port: use http:\/\//,
    );
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/fix: Give the scheme too: --url http:\/\/localhost:8787/);
  });

  it("--json: every way of getting no decision prints one object with decision null (exit 2)", async () => {
    const [noUrl, badInput, badOption] = await Promise.all([
      run(["test-intent", "--action", "read", "--resource", "db", "--json"]),
      ask(["--action", "read", "--json"]),
      ask(["--action", "read", "--resource", "db", "--timeout", "soon", "--json"]),
    ]);
    for (const r of [noUrl, badInput, badOption]) {
      expect(r.code).toBe(2);
      const out = JSON.parse(r.stdout);
      expect(out.decision).toBeNull();
      expect(typeof out.error.message).toBe("string");
      expect(typeof out.error.fix).toBe("string");
    }
    expect(JSON.parse(noUrl.stdout)).toMatchObject({
      error: { code: "config_invalid" },
      intent: { action: "read", resource: { type: "db" } },
    });
    expect(JSON.parse(badInput.stdout).error.message).toMatch(/missing --resource/);
    expect(JSON.parse(badOption.stdout).error).toMatchObject({
      code: "invalid_options",
      message: expect.stringMatching(/--timeout: expected a number/),
    });
  });

  it("a bad setting other than the URL: the fix names no --url", async () => {
    const r = await run(
      [
        "test-intent",
        "--url",
        "http://127.0.0.1:9",
        "--action",
        "read",
        "--resource",
        "db",
        "--json",
      ],
      { env: { GOVERNOR_DECISION_MAX_TTL_MS: "abc" } },
    );
    expect(r.code).toBe(2);
    const { error } = JSON.parse(r.stdout);
    expect(error).toMatchObject({
      code: "config_invalid",
      message: expect.stringMatching(/GOVERNOR_DECISION_MAX_TTL_MS/),
    });
    expect(error.fix).not.toMatch(/--url/);
  });

  it("credentials in the URL: refused, never printed, and the fix says where the key goes", async () => {
    const withCreds = srv.url.replace("http://", "http://admin:hunter2-secret@");
    const [ok, down2] = await Promise.all([
      ask(["--action", "read", "--resource", "database", "--url", withCreds]),
      ask([
        "--action",
        "read",
        "--resource",
        "database",
        "--url",
        `http://admin:hunter2-secret@127.0.0.1:${await freePort()}`,
      ]),
    ]);
    // The gate refuses a URL with credentials; test-intent says how to pass the key instead.
    for (const r of [ok, down2]) {
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        /must not contain credentials[\s\S]*fix: Remove the credentials \(user:secret@\) from the URL and give the key with --api-key/,
      );
      expect(r.stdout + r.stderr).not.toContain("hunter2");
    }
  });

  it("unreachable port: exit 2 and how to start a server", async () => {
    const port = await freePort();
    const r = await ask([
      "--action",
      "read",
      "--resource",
      "database",
      "--url",
      `http://127.0.0.1:${port}`,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/ECONNREFUSED/);
    expect(r.stderr).toMatch(/governor serve --policy <file>/);
  });

  it("500 from enforce: exit 2, JSON error says to check the server's logs", async () => {
    const r = await ask([
      "--action",
      "read",
      "--resource",
      "database",
      "--url",
      down.url,
      "--json",
    ]);
    expect(r.code).toBe(2);
    const out = JSON.parse(r.stdout);
    expect(out.decision).toBeNull();
    expect(out.error).toMatchObject({ code: "enforce_unavailable", status: 500 });
    expect(out.error.fix).toMatch(/failed \(HTTP 500\): check its logs/);
  });

  it("bad input: exit 2 with what to type instead", async () => {
    const noResource = await ask(["--action", "read"]);
    expect(noResource.code).toBe(2);
    expect(noResource.stderr).toMatch(
      /missing --resource.*\n.*fix: Give --action <verb> --resource <type>\[:<name>\]/,
    );
    const badArgs = await ask(["--tool", "send_email", "--args", "{to:"]);
    expect(badArgs.code).toBe(2);
    expect(badArgs.stderr).toMatch(/--args is not valid JSON/);
    const listArgs = await ask(["--tool", "send_email", "--args", "[1,2]"]);
    expect(listArgs.code).toBe(2);
    expect(listArgs.stderr).toMatch(/--args must be a JSON object of the tool's arguments/);
    const noUrl = await run(["test-intent", "--action", "read", "--resource", "db"]);
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toMatch(/GOVERNOR_ENFORCE_URL is not set/);
  });
});
