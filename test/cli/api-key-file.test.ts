// Keys off the command line (issue 10, finding 12): `--api-key` is readable by every user in `ps`, so serve,
// test-intent and doctor take `--api-key-file <path>` (and the environment), and warn when the flag is used.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { policies, run, serve, type Served } from "./helpers.js";

const KEY = "sk-test-keyfile-0123456789";
const dir = mkdtempSync(path.join(tmpdir(), "governor-keyfile-"));
const keyFile = path.join(dir, "api.key");
writeFileSync(keyFile, KEY + "\n"); // as `echo $KEY > api.key` writes it
const policy = path.join(policies, "basic.yaml");
const read = ["--action", "query", "--resource", "postgres_db:users"];

let srv: Served;
beforeAll(async () => {
  srv = await serve(["--policy", policy, "--api-key-file", keyFile]);
});
afterAll(() => srv?.stop());

const enforce = (key: string) =>
  fetch(`${srv.url}/api/v2/enforce`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ action: "read", actor: { id: "a" }, resource: { type: "database" } }),
  });

describe.concurrent("governor serve --api-key-file", () => {
  it("requires the key in the file, without its trailing newline; no warning, key never printed", async () => {
    expect((await enforce(KEY)).status).toBe(200);
    expect((await enforce(KEY + "x")).status).toBe(401);
    expect(srv.stderr()).toMatch(/auth required/);
    expect(srv.stderr()).not.toMatch(/visible to other users/);
    expect(srv.stderr()).not.toContain(KEY);
  });

  it("--api-key still works, with a warning that names the safer ways", async () => {
    const s = await serve(["--policy", policy, "--api-key", KEY]);
    try {
      expect(s.stderr()).toMatch(
        /warning: --api-key is visible to other users of this machine \(in `ps`\); use --api-key-file <path> or GOVERNOR_SERVE_API_KEY instead\./,
      );
      expect(s.stderr()).not.toContain(KEY);
    } finally {
      await s.stop();
    }
  });

  it("GOVERNOR_SERVE_API_KEY_FILE works too, and --decision-key-file signs decisions", async () => {
    const dk = path.join(dir, "decision.key");
    writeFileSync(dk, "dk-test-keyfile-9876543210\r\n");
    const s = await serve(["--policy", policy, "--decision-key-file", dk], {
      GOVERNOR_SERVE_API_KEY_FILE: keyFile,
    });
    try {
      const res = await fetch(`${s.url}/api/v2/enforce`, {
        method: "POST",
        headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
        body: JSON.stringify({
          action: "read",
          actor: { id: "a" },
          resource: { type: "database" },
        }),
      });
      const body = (await res.json()) as any;
      expect(res.status).toBe(200);
      expect(body.metadata.decision_token).toEqual(expect.any(String));
      expect(s.stderr()).toMatch(/signed decisions on/);
    } finally {
      await s.stop();
    }
  });

  it("a missing, empty or multi-line key file: exit 2 naming the file, before listening", async () => {
    const empty = path.join(dir, "empty.key");
    writeFileSync(empty, "\n");
    const two = path.join(dir, "two.key");
    writeFileSync(two, "a\nb\n");
    const cases: [string[], RegExp][] = [
      [
        ["--api-key-file", path.join(dir, "nope.key")],
        /^error \[key_file\]: --api-key-file .*nope\.key does not exist\.\nfix: Write the key alone into that file/,
      ],
      [["--api-key-file", empty], /^error \[key_file\]: --api-key-file .*empty\.key is empty\./],
      [
        ["--api-key-file", two],
        /^error \[key_file\]: --api-key-file .*two\.key holds more than one line\./,
      ],
      [["--api-key-file", dir], /^error \[key_file\]: --api-key-file .* is a directory\./],
      [
        ["--api-key-file", keyFile, "--api-key", KEY],
        /^error \[invalid_options\]: --api-key and --api-key-file are both given\./,
      ],
    ];
    const results = await Promise.all(
      cases.map(([args]) => run(["serve", "--port", "0", "--policy", policy, ...args])),
    );
    results.forEach((r, i) => {
      expect(r.code).toBe(2);
      expect(r.stdout).not.toContain("listening on");
      expect(r.stderr).toMatch(cases[i][1]);
      expect(r.stderr).not.toContain(KEY);
    });
  });
});

describe.concurrent("governor test-intent and doctor --api-key-file", () => {
  it("test-intent sends the key from the file (ALLOW, exit 0), no warning", async () => {
    const r = await run(["test-intent", ...read, "--url", srv.url, "--api-key-file", keyFile]);
    expect([r.code, r.stdout]).toEqual([0, expect.stringMatching(/^ALLOW/)]);
    expect(r.stderr).not.toMatch(/warning/);
  });

  it("test-intent --api-key warns on stderr and keeps --json stdout one object", async () => {
    const r = await run(["test-intent", ...read, "--url", srv.url, "--api-key", KEY, "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).decision).toBe("ALLOW");
    expect(r.stderr).toMatch(
      /warning: --api-key is visible to other users of this machine \(in `ps`\); use --api-key-file <path> or GOVERNOR_API_KEY instead\./,
    );
  });

  it("test-intent with a missing key file: exit 2, says which file, also as --json", async () => {
    const missing = path.join(dir, "missing.key");
    const text = await run(["test-intent", ...read, "--url", srv.url, "--api-key-file", missing]);
    expect(text.code).toBe(2);
    expect(text.stderr).toMatch(
      /^error \[key_file\]: --api-key-file .*missing\.key does not exist\./,
    );
    const json = await run([
      "test-intent",
      ...read,
      "--url",
      srv.url,
      "--api-key-file",
      missing,
      "--json",
    ]);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({
      decision: null,
      error: { code: "key_file", message: expect.stringMatching(/missing\.key does not exist/) },
    });
  });

  it("test-intent reads GOVERNOR_API_KEY_FILE (the runtime's variable) too", async () => {
    const r = await run(["test-intent", ...read, "--url", srv.url], {
      env: { GOVERNOR_API_KEY_FILE: keyFile },
    });
    expect(r.code).toBe(0);
  });

  it("doctor authenticates with --api-key-file; with a missing file it exits 2 naming it", async () => {
    const project = mkdtempSync(path.join(tmpdir(), "governor-keyfile-doctor-"));
    writeFileSync(
      path.join(project, "package.json"),
      JSON.stringify({ name: "x", version: "1.0.0" }),
    );
    const ok = await run([
      "doctor",
      "--cwd",
      project,
      "--json",
      "--samples",
      "1",
      "--url",
      srv.url,
      "--api-key-file",
      keyFile,
    ]);
    const auth = JSON.parse(ok.stdout).checks.find((c: { id: string }) => c.id === "enforce.auth");
    expect(auth.status).toBe("pass");
    expect(ok.stderr).not.toMatch(/visible to other users/);
    expect(ok.stdout + ok.stderr).not.toContain(KEY);
    const warned = await run([
      "doctor",
      "--cwd",
      project,
      "--samples",
      "1",
      "--url",
      srv.url,
      "--api-key",
      KEY,
    ]);
    expect(warned.stderr).toMatch(/warning: --api-key is visible to other users/);
    const bad = await run([
      "doctor",
      "--cwd",
      project,
      "--url",
      srv.url,
      "--api-key-file",
      path.join(dir, "missing.key"),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /^error \[key_file\]: --api-key-file .*missing\.key does not exist\./,
    );
  });
});
