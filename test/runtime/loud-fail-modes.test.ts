// Finding 11: every run without a real decision says so on stderr, once per tool per process (not
// per call): observe mode with enforce down, fail mode open, the kill switch. The kill switch keeps
// winning over an explicit GOVERNOR_MODE, but names what it overrides. Real Node processes on the
// built runtime, reading their stderr.
import { afterEach, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { envKeys, mergeEnvTemplate, readEnvTemplate } from "../../src/init/env-template.js";
import {
  allow,
  closedUrl,
  deny,
  startEnforce,
  type EnforceServer,
} from "../support/enforce-server.js";
import { tmp } from "./helpers.js";

const runtime = pathToFileURL(path.resolve(__dirname, "../../dist/runtime/index.js")).href;

let server: EnforceServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

// get_order is called three times, send_email twice, with the default governor (stderr as its sink).
const APP = `
import { gate } from ${JSON.stringify(runtime)};
const getOrder = gate("get_order", async () => "order");
const sendEmail = gate("send_email", async () => "sent");
const out = [];
for (let i = 0; i < 3; i++) out.push(await getOrder());
out.push(await sendEmail(), await sendEmail());
process.stdout.write(JSON.stringify(out));
`;

function run(
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string; lines: string[] }> {
  const dir = tmp();
  writeFileSync(path.join(dir, "app.mjs"), APP);
  writeFileSync(path.join(dir, "governor.config.json"), "{}\n");
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["app.mjs"], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "", ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) =>
      resolve({ code, stdout, stderr, lines: stderr.split("\n").filter(Boolean) }),
    );
  });
}

const naming = (lines: string[], tool: string) => lines.filter((l) => l.includes(`"${tool}"`));
const RAN = JSON.stringify(["order", "order", "order", "sent", "sent"]);

describe("a run without a real decision is never silent", () => {
  it("observe mode with enforce down: one line per tool, naming it and why", async () => {
    const r = await run({
      GOVERNOR_ENFORCE_URL: await closedUrl(),
      GOVERNOR_MODE: "observe",
      GOVERNOR_TIMEOUT_MS: "5000",
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(RAN);
    for (const tool of ["get_order", "send_email"]) {
      const lines = naming(r.lines, tool);
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/observe/);
      expect(lines[0]).toMatch(/no decision/);
      expect(lines[0]).toMatch(/enforce_unavailable|circuit_open/);
    }
  });

  it("observe mode with enforce answering: an ALLOW is quiet, a DENY still says what it would have blocked", async () => {
    server = await startEnforce((req) => (req.body.action === "send" ? deny("d-1") : allow("a-1")));
    const r = await run({ GOVERNOR_ENFORCE_URL: server.url, GOVERNOR_MODE: "observe" });
    expect(r.stdout).toBe(RAN);
    expect(naming(r.lines, "get_order"), r.stderr).toEqual([]);
    expect(naming(r.lines, "send_email").length).toBeGreaterThanOrEqual(1);
    expect(naming(r.lines, "send_email")[0]).toMatch(/would have been blocked/);
  });

  it("fail mode open with enforce down: one line per tool, not per call, and not one for the first tool only", async () => {
    const r = await run({
      GOVERNOR_ENFORCE_URL: await closedUrl(),
      GOVERNOR_FAIL_MODE: "open",
      GOVERNOR_TIMEOUT_MS: "5000",
    });
    expect(r.stdout).toBe(RAN);
    for (const tool of ["get_order", "send_email"]) {
      const lines = naming(r.lines, tool);
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/GOVERNOR_FAIL_MODE=open/);
    }
  });

  it("the kill switch: one line per tool, and a loud note naming the GOVERNOR_MODE it overrides", async () => {
    const url = await closedUrl();
    const r = await run({
      GOVERNOR_ENFORCE_URL: url,
      GOVERNOR_DISABLED: "yes",
      GOVERNOR_MODE: "enforce",
    });
    expect(r.stdout).toBe(RAN); // the kill switch still wins
    expect(
      r.lines.filter(
        (l) => /GOVERNOR_DISABLED=yes/.test(l) && /overrides GOVERNOR_MODE=enforce/.test(l),
      ),
      r.stderr,
    ).toHaveLength(1);
    for (const tool of ["get_order", "send_email"])
      expect(naming(r.lines, tool), r.stderr).toHaveLength(1);

    const observe = await run({
      GOVERNOR_ENFORCE_URL: url,
      GOVERNOR_DISABLED: "1",
      GOVERNOR_MODE: "observe",
    });
    expect(
      observe.lines.filter((l) => /GOVERNOR_DISABLED=1 overrides GOVERNOR_MODE=observe/.test(l)),
      observe.stderr,
    ).toHaveLength(1);

    // Even a GOVERNOR_MODE that is not valid cannot stop the kill switch (it would fail closed).
    const typo = await run({
      GOVERNOR_ENFORCE_URL: url,
      GOVERNOR_DISABLED: "on",
      GOVERNOR_MODE: "enforc",
    });
    expect(typo.stdout, typo.stderr).toBe(RAN);
    expect(typo.stderr).toMatch(/GOVERNOR_DISABLED=on overrides GOVERNOR_MODE="enforc"/);

    // Without an explicit mode there is nothing to override, but every tool is still named once.
    const plain = await run({ GOVERNOR_ENFORCE_URL: url, GOVERNOR_DISABLED: "true" });
    expect(plain.stdout).toBe(RAN);
    expect(plain.stderr).not.toMatch(/overrides GOVERNOR_MODE/);
    expect(plain.stderr).toMatch(/enforcement is OFF/);
    for (const tool of ["get_order", "send_email"])
      expect(naming(plain.lines, tool), plain.stderr).toHaveLength(1);
  });

  it("a mode set in code keeps the kill switch out, and says so", async () => {
    server = await startEnforce(() => allow("a-1"));
    const dir = tmp();
    writeFileSync(
      path.join(dir, "app.mjs"),
      `import { createGovernor } from ${JSON.stringify(runtime)};
const g = createGovernor({ mode: "enforce", enforceUrl: ${JSON.stringify(server.url)}, config: {} });
process.stdout.write(String(await g.gate("get_order", async () => "order")()));`,
    );
    const r = await new Promise<{ stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ["app.mjs"], {
        cwd: dir,
        env: { PATH: process.env.PATH ?? "", GOVERNOR_DISABLED: "true" },
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => (stderr += d));
      child.on("close", () => resolve({ stdout, stderr }));
    });
    expect(r.stdout, r.stderr).toBe("order");
    expect(server.requests).toHaveLength(1);
    expect(r.stderr).toMatch(
      /GOVERNOR_DISABLED=true is ignored by this governor: its mode is set in code \(mode: "enforce"\)/,
    );
  });

  it("enforce mode with ALLOW says nothing", async () => {
    server = await startEnforce(() => allow("a-1"));
    const r = await run({ GOVERNOR_ENFORCE_URL: server.url });
    expect(r.stdout).toBe(RAN);
    expect(r.stderr).toBe("");
  });
});

describe("the env template init writes", () => {
  it("leaves GOVERNOR_MODE commented out, so the kill switch has no explicit mode to override", () => {
    const merged = mergeEnvTemplate(null, readEnvTemplate());
    expect(merged).not.toMatch(/^GOVERNOR_MODE=/m);
    expect(merged).toMatch(/^# GOVERNOR_MODE=enforce$/m);
    expect(envKeys(merged).has("GOVERNOR_MODE")).toBe(true);
    // An existing template that sets it keeps it; one without it gets the commented line once.
    expect(mergeEnvTemplate("GOVERNOR_MODE=observe\n", readEnvTemplate())).toMatch(
      /^GOVERNOR_MODE=observe$/m,
    );
    const again = mergeEnvTemplate(merged, readEnvTemplate());
    expect(again).toBe(merged);
  });
});
