// One exit-code policy for every command: when a command cannot run it exits 2 and says so the same
// way: `error [code]: message` and `fix: ...` on stderr, and with --json one `{ error: { code,
// message, fix } }` document on stdout. Each command is driven into that state here.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cleanupTemp, copyFixture } from "../init/helpers.js";
import { run } from "./helpers.js";
import { afterAll } from "vitest";

afterAll(cleanupTemp);

const missing = path.join(tmpdir(), "governor-no-such-dir-4242");
const empty = () => mkdtempSync(path.join(tmpdir(), "governor-cnr-"));

const TEXT = /^error \[([a-z_]+)\]: .+\n(?:[\s\S]*\n)?fix: .+/;

function expectText(stderr: string, code: string) {
  const m = TEXT.exec(stderr);
  expect(m, stderr).not.toBeNull();
  expect(m![1]).toBe(code);
}

function expectJson(stdout: string, code: string) {
  const doc = JSON.parse(stdout);
  expect(doc.error).toEqual({ code, message: expect.any(String), fix: expect.any(String) });
  expect(doc.error.message.length).toBeGreaterThan(0);
  expect(doc.error.fix.length).toBeGreaterThan(0);
  return doc;
}

describe("every command that cannot run exits 2 with the same error shape", () => {
  it("init: no package.json", async () => {
    const r = await run(["init", "--dry-run", "--cwd", empty()]);
    expect(r.code).toBe(2);
    expectText(r.stderr, "not_a_package");
    const j = await run(["init", "--dry-run", "--json", "--cwd", empty()]);
    expect(j.code).toBe(2);
    expectJson(j.stdout, "not_a_package");
  });

  it("init: not interactive and no --yes; the --json report carries the error", async () => {
    const dir = copyFixture("ts-esm-npm");
    const j = await run(["init", "--json", "--allow-dirty", "--no-install", "--cwd", dir]);
    expect(j.code).toBe(2);
    const doc = expectJson(j.stdout, "needs_confirmation");
    expect(doc.tools.length).toBeGreaterThan(0);
    expectText(j.stderr, "needs_confirmation");
  });

  it("doctor: the project directory does not exist", async () => {
    const r = await run(["doctor", "--cwd", missing]);
    expect(r.code).toBe(2);
    expectText(r.stderr, "cwd_missing");
    const j = await run(["doctor", "--json", "--cwd", missing]);
    expect(j.code).toBe(2);
    expectJson(j.stdout, "cwd_missing");
  });

  it("serve: the policy file does not exist", async () => {
    const r = await run(["serve", "--port", "0", "--policy", path.join(missing, "p.yaml")]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expectText(r.stderr, "policy_missing");
  });

  it("test-intent: enforce cannot be reached", async () => {
    const args = ["test-intent", "--url", "http://127.0.0.1:9", "--action", "read"];
    const r = await run([...args, "--resource", "database:users"]);
    expect(r.code).toBe(2);
    expectText(r.stderr, "enforce_unavailable");
    const j = await run([...args, "--resource", "database:users", "--json"]);
    expect(j.code).toBe(2);
    expect(expectJson(j.stdout, "enforce_unavailable").decision).toBeNull();
  });

  it("mcp: no enforce URL, before the handshake and with nothing on stdout", async () => {
    const r = await run(["mcp"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expectText(r.stderr, "enforce_url_missing");
  });

  it("mcp --dev with a flag only the enforce server reads: refused, not ignored", async () => {
    const r = await run(["mcp", "--dev", "--policy", "p.yaml"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expectText(r.stderr, "invalid_options");
    expect(r.stderr).toContain("--policy");
  });

  it("mcp init: the project directory does not exist", async () => {
    const j = await run(["mcp", "init", "--client", "claude", "--json", "--cwd", missing]);
    expect(j.code).toBe(2);
    const code = JSON.parse(j.stdout).error.code;
    expectJson(j.stdout, code);
    expectText(j.stderr, code);
  });

  it("a usage error (unknown option) exits 2, and with --json prints the error document", async () => {
    for (const command of ["init", "doctor", "test-intent", "serve", "mcp"]) {
      const r = await run([command, "--no-such-option", "--json"]);
      expect(r.code, command).toBe(2);
      expectJson(r.stdout, "invalid_options");
    }
  });
});
