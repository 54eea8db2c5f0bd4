// Red-team variants of issue 10's runtime findings that the first fixes missed: a password with an
// unescaped / # or ? printed from an unparseable enforce URL (8), control characters and %40 /
// &#64; escapes hiding pii (6), an unverified ALLOW in observe mode silenced by the throttle for the
// second tool (11), and a kill switch with a stray space or an unknown value ignored silently (11).
// Real processes and real HTTP on loopback.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { GovernorDeniedError } from "../../src/runtime/index.js";
import { allow, deny, startEnforce, type EnforceServer } from "../support/enforce-server.js";
import { closeAll, makeGovernor, rejection, tmp, type TestGovernor } from "./helpers.js";

const root = path.resolve(__dirname, "../..");
const runtime = pathToFileURL(path.join(root, "dist/runtime/index.js")).href;

function spawnNode(
  args: string[],
  env: Record<string, string>,
  cwd = root,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      cwd,
      env: { PATH: process.env.PATH ?? "", NO_COLOR: "1", ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

let server: EnforceServer;
afterEach(async () => {
  await closeAll();
  await server?.close();
});

describe("finding 8: a URL that does not parse never prints its password", () => {
  for (const url of [
    "http://user:pa/ss@127.0.0.1:1/",
    "http://user:pa#ss@127.0.0.1:1/",
    "http://user:pa?ss@127.0.0.1:1/",
  ]) {
    it(url, async () => {
      const r = await spawnNode(
        [
          path.join(root, "bin/governor.js"),
          "test-intent",
          "--action",
          "read",
          "--resource",
          "db:x",
          "--url",
          url,
        ],
        {},
      );
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/\[redacted\]@127\.0\.0\.1/);
      expect(r.stdout + r.stderr).not.toMatch(/pa[/#?]?ss|user:pa/);
    });
  }
});

describe("finding 8: a server echoing the key base64- or hex-encoded does not print it", () => {
  const KEY = "gk_test_ZYXWVUTSRQPONMLKJIH98765";
  for (const status of [401, 200]) {
    it(`HTTP ${status}`, async () => {
      const echo = `b64 ${Buffer.from(KEY).toString("base64")} b64url ${Buffer.from(KEY).toString("base64url")} hex ${Buffer.from(KEY).toString("hex")} HEX ${Buffer.from(KEY).toString("hex").toUpperCase()}`;
      server = await startEnforce(() =>
        status === 401 ? { status, body: { detail: echo } } : deny("r", { reason: echo }),
      );
      const r = await spawnNode(
        [
          path.join(root, "bin/governor.js"),
          "test-intent",
          "--action",
          "read",
          "--resource",
          "db:x",
          "--url",
          server.url,
        ],
        { GOVERNOR_API_KEY: KEY },
      );
      expect(r.code).toBe(status === 401 ? 2 : 1);
      const out = r.stdout + r.stderr;
      expect(out).toMatch(/b64 \[redacted\]/);
      for (const form of ["base64", "base64url", "hex"] as const)
        expect(out).not.toContain(Buffer.from(KEY).toString(form).slice(4, 20));
      expect(out).not.toContain(Buffer.from(KEY).toString("hex").toUpperCase().slice(4, 20));
    });
  }
});

describe("finding 6: control characters and escapes do not hide pii", () => {
  let t: TestGovernor;
  beforeEach(async () => {
    server = await startEnforce((req) =>
      req.body?.data?.pii === true ? deny("pii-1", { deny_code: "dlp_pii" }) : allow(),
    );
    t = makeGovernor({ enforceUrl: server.url });
  });
  const hidden = {
    "NUL in an SSN": "SSN 123-45-\u00006789",
    "unit separators in a card": "4111\u001f1111\u001f1111\u001f1111",
    "DEL in an SSN": "123\u007f-45-6789",
    "percent-encoded @": "write to jane%40example.com",
    "numeric HTML entity @": "jane&#64;example.com",
    "hex HTML entity @": "jane&#x40;example.com",
    "percent-encoded dashes": "123%2D45%2D6789",
    "control character beside a look-alike": "jane\u0000＠example.com \u00001",
  };
  for (const [what, note] of Object.entries(hidden)) {
    it(what, async () => {
      const ran: unknown[] = [];
      const save = t.governor.gate("save_note", async (...a: unknown[]) => (ran.push(a), "saved"));
      const err = await rejection(save({ id: 1 }, { note }));
      expect(err).toBeInstanceOf(GovernorDeniedError);
      expect(ran).toEqual([]);
      expect(server.requests.at(-1)!.body.data.pii).toBe(true);
    });
  }
  it("ordinary text with percent signs, entities and tabs is not pii", async () => {
    const save = t.governor.gate("save_note", async (_note: unknown) => "saved");
    await expect(save({ note: "50% off &amp; 100%25 more\tfor\norder 12345" })).resolves.toBe(
      "saved",
    );
    expect(server.requests.at(-1)!.body.data?.pii ?? false).toBe(false);
  });
});

const TWO_TOOLS = `
import { gate } from ${JSON.stringify(runtime)};
const a = gate("tool_a", async () => "a");
const b = gate("tool_b", async () => "b");
process.stdout.write(JSON.stringify([await a(), await b(), await a(), await b()]));
`;

function runApp(env: Record<string, string>) {
  const dir = tmp();
  writeFileSync(path.join(dir, "app.mjs"), TWO_TOOLS);
  writeFileSync(path.join(dir, "governor.config.json"), "{}\n");
  return spawnNode(["app.mjs"], { GOVERNOR_ENFORCE_URL: server.url, ...env }, dir);
}
const lines = (s: string) => s.split("\n").filter(Boolean);

describe("finding 11: no run without a real decision is silent", () => {
  it("observe mode, an unsigned ALLOW under a decision key: one line per tool, not one for the first tool only", async () => {
    server = await startEnforce(() => allow());
    const r = await runApp({ GOVERNOR_MODE: "observe", GOVERNOR_DECISION_KEY: "k".repeat(32) });
    expect(r.stdout).toBe(JSON.stringify(["a", "b", "a", "b"]));
    for (const tool of ["tool_a", "tool_b"])
      expect(
        lines(r.stderr).filter((l) => l.includes(`"${tool}"`) && /decision_unverified/.test(l)),
        r.stderr,
      ).toHaveLength(1);
  });

  it("the kill switch with a stray space still turns enforcement off, and says so", async () => {
    server = await startEnforce(() => deny());
    const r = await runApp({ GOVERNOR_DISABLED: " yes " });
    expect(r.stdout).toBe(JSON.stringify(["a", "b", "a", "b"]));
    expect(server.requests).toHaveLength(0);
    expect(r.stderr).toMatch(/enforcement is OFF/);
  });

  it("a GOVERNOR_DISABLED value it does not know says enforcement stays on", async () => {
    server = await startEnforce(() => allow());
    const r = await runApp({ GOVERNOR_DISABLED: "2" });
    expect(r.stdout).toBe(JSON.stringify(["a", "b", "a", "b"]));
    expect(
      lines(r.stderr).filter(
        (l) => /GOVERNOR_DISABLED="2" is not/.test(l) && /enforcement stays ON/.test(l),
      ),
      r.stderr,
    ).toHaveLength(1);
  });
});
