// Red team of `governor mcp --dev`: a confused or hostile agent naming files it should not read, a
// repository with odd names, two applies at once. In process, with the real SDK Client.
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scrubber } from "../../src/mcp/dev/result.js";
import { cleanupTemp, copyFixture, ensureBuilt, FIXTURES, gitInit } from "../init/helpers.js";
import { devClient, errorOf, text, type DevClient } from "./dev-helpers.js";

const TOKEN = "ghp_redteamTOKEN0123456789abcdef";
let scratch: string;
let project: string;
let dev: DevClient;

const env = () => {
  const e: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(e))
    if (k.startsWith("GOVERNOR_") && k !== "GOVERNOR_STATE_DIR") delete e[k];
  return e;
};

beforeAll(async () => {
  ensureBuilt();
  scratch = mkdtempSync(path.join(tmpdir(), "governor-redteam-dev-"));
  project = copyFixture("ts-esm-npm");
  dev = await devClient({ cwd: project, allowApply: true, env: env() });
}, 120_000);
afterAll(async () => {
  await dev?.close();
  rmSync(scratch, { recursive: true, force: true });
  cleanupTemp();
});

const fifo = (name: string) => {
  const file = path.join(scratch, name);
  execFileSync("mkfifo", [file]);
  return file;
};

describe("governor_explain_denial never reads out a file that is not an audit log", () => {
  it("answers the same whether or not the file holds the id: no count of matching lines", async () => {
    const file = path.join(scratch, "passwd");
    writeFileSync(
      file,
      `root:x:0:0:root:/root:/bin/bash\n{"requestId":"req-1","secret":"${TOKEN}"}\n`,
    );
    const ask = async (id: string) =>
      errorOf(await dev.call("governor_explain_denial", { request_id: id, auditLog: file }));
    const present = await ask("root:x:0");
    const absent = await ask("nobody:y:9");
    expect(present.code).toBe("request_not_found");
    expect(present.context).toEqual(absent.context);
    expect(present.context).toEqual({ auditLog: file });
    // a JSON line with the id that is no audit record is not returned either
    const json = await dev.call("governor_explain_denial", { request_id: "req-1", auditLog: file });
    expect(errorOf(json).code).toBe("request_not_found");
    expect(text(json)).not.toContain(TOKEN);
  });

  it("a real audit line is still found", async () => {
    const file = path.join(scratch, "audit.jsonl");
    const line = {
      time: "2025-01-01T00:00:00.000Z",
      tool: "refund_payment",
      intent: { action: "write", resource: { type: "payment" } },
      decision: "DENY",
      outcome: "blocked",
      requestId: "req-audit-1",
      mode: "enforce",
      gatedBy: "definition",
      denyCode: "authz_policy_denied",
      errorCode: null,
    };
    writeFileSync(file, JSON.stringify(line) + "\n");
    const r = await dev.data("governor_explain_denial", {
      request_id: "req-audit-1",
      auditLog: file,
    });
    expect(r).toMatchObject({ tool: "refund_payment", code: "authz_policy_denied" });
  });

  it("a FIFO as the audit log, the policy or the probes file is refused, not waited on", async () => {
    const log = errorOf(
      await dev.call("governor_explain_denial", { request_id: "x", auditLog: fifo("log.fifo") }),
    );
    expect(log).toMatchObject({ code: "audit_log_unreadable" });
    expect(log.message).toContain("ENOTFILE");
    const policy = errorOf(
      await dev.call("governor_explain_denial", { tool: "x", policy: fifo("policy.fifo") }),
    );
    expect(policy.code).toBe("policy_unreadable");
    const probes = errorOf(await dev.call("governor_doctor", { probes: fifo("probes.fifo") }));
    expect(probes.code).toBe("probes_unreadable");
    // a directory too
    expect(
      errorOf(await dev.call("governor_explain_denial", { tool: "x", policy: scratch })).code,
    ).toBe("policy_unreadable");
  });

  it("a policy file with a bad value: the error does not quote the value", async () => {
    const file = path.join(scratch, "config.yaml");
    writeFileSync(file, `version: 1\ndefault: ${TOKEN}\nrules: []\n`);
    const r = await dev.call("governor_explain_denial", { tool: "x", policy: file });
    expect(errorOf(r).code).toBe("policy_invalid");
    expect(errorOf(r).message).toMatch(
      /default: must be "allow" or "deny" \(the value is not shown\)/,
    );
    expect(text(r)).not.toContain(TOKEN);
  });

  it("a probes file that is not JSON: none of its text comes back (JSON.parse quotes its start)", async () => {
    const file = path.join(scratch, "token");
    writeFileSync(file, TOKEN);
    const r = await dev.call("governor_doctor", { probes: file });
    expect(errorOf(r).code).toBe("probes_invalid");
    expect(text(r)).not.toContain(TOKEN.slice(0, 8));
  });
});

describe("secrets", () => {
  it("the content of GOVERNOR_API_KEY_FILE is scrubbed like GOVERNOR_API_KEY's value", async () => {
    const keyFile = path.join(scratch, "api-key");
    writeFileSync(keyFile, TOKEN + "\n");
    expect(scrubber({ GOVERNOR_API_KEY_FILE: keyFile })(`key ${TOKEN}.`)).toBe("key [redacted].");
    // end to end: `reason` is echoed back, and the file's key is not
    const d = await devClient({
      cwd: project,
      allowApply: false,
      env: { ...env(), GOVERNOR_API_KEY_FILE: keyFile },
    });
    try {
      const r = await d.call("governor_explain_denial", { tool: "x", reason: `got ${TOKEN}` });
      expect(text(r)).not.toContain(TOKEN);
      expect(text(r)).toContain("[redacted]");
    } finally {
      await d.close();
    }
  });
});

describe("commands an agent runs stay one word per path", () => {
  it("a project directory with quotes, $() and ; in its name: plan's command and apply's undo", async () => {
    const dir = path.join(scratch, `it's $(touch pwned); x`);
    mkdirSync(dir);
    cpSync(path.join(FIXTURES, "ts-esm-npm"), dir, { recursive: true });
    gitInit(dir);
    const plan = await dev.data("governor_plan", { cwd: dir, install: false });
    const applied = await dev.data("governor_apply", { cwd: dir, plan_id: plan.plan_id });
    // what a POSIX shell makes of the path part of each command
    const word = (cmd: string, prefix: string) => {
      expect(cmd.startsWith(prefix)).toBe(true);
      const rest = cmd.slice(prefix.length).replace(/ --no-install$/, "");
      return execFileSync("sh", ["-c", `printf %s ${rest}`], { cwd: scratch, encoding: "utf8" });
    };
    expect(word(plan.command, "governor init --yes --cwd ")).toBe(dir);
    expect(word(applied.undo, "governor init --undo --cwd ")).toBe(dir);
    expect(() => readFileSync(path.join(scratch, "pwned"))).toThrow();
  }, 60_000);
});

describe("governor_apply", () => {
  it("two applies of one plan at once: one writes, the other is refused", async () => {
    const dir = copyFixture("ts-esm-npm");
    gitInit(dir);
    const plan = await dev.data("governor_plan", { cwd: dir, install: false });
    const [a, b] = await Promise.all([
      dev.call("governor_apply", { plan_id: plan.plan_id }),
      dev.call("governor_apply", { plan_id: plan.plan_id }),
    ]);
    const results = [a, b];
    expect(results.filter((r) => !r.isError)).toHaveLength(1);
    const refused = results.find((r) => r.isError)!;
    expect(["tree_changed", "plan_unknown"]).toContain(errorOf(refused).code);
    const tools = readFileSync(path.join(dir, "src/tools.ts"), "utf8");
    expect(tools.match(/gate\("refund_payment"/g)).toHaveLength(1);
  }, 60_000);

  it("is not there without --allow-apply, whatever the agent calls", async () => {
    const ro = await devClient({ cwd: project, allowApply: false, env: env() });
    try {
      const plan = await ro.data("governor_plan", { install: false });
      const r = await ro.call("governor_apply", { plan_id: plan.plan_id });
      expect(r.isError).toBe(true);
      expect(text(r)).toMatch(/not found/i);
      expect(plan.apply).toMatch(/off/);
    } finally {
      await ro.close();
    }
  }, 60_000);
});
