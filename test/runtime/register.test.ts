// Runs the built bundles (dist/, built by `npm test` or `GOVERNOR_FAST_BUILD=1 npx tsup`) in child processes.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { allow, startEnforce, type EnforceServer } from "../support/enforce-server.js";
import { tmp } from "./helpers.js";

const root = path.resolve(__dirname, "../..");
const dist = (p: string) => path.join(root, "dist", p);

let server: EnforceServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

beforeAll(() => {
  if (!existsSync(dist("register.js")) || !existsSync(dist("runtime/index.cjs"))) {
    throw new Error(
      "dist/ is missing: build first (npm test does, or GOVERNOR_FAST_BUILD=1 npx tsup)",
    );
  }
});

function run(
  args: string[],
  env: Record<string, string>,
  cwd: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const clean = Object.fromEntries(
      Object.entries(process.env).filter(
        ([k]) => !k.startsWith("GOVERNOR_") && k !== "NODE_OPTIONS",
      ),
    );
    const child = spawn(process.execPath, args, { cwd, env: { ...clean, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("governor/register", () => {
  it("with no config: one clear stderr line, the app starts, gated tools fail closed", async () => {
    const dir = tmp();
    writeFileSync(
      path.join(dir, "app.mjs"),
      `import { gate } from ${JSON.stringify(dist("runtime/index.js"))};
       console.error("app started");
       let ran = false;
       try { await gate("send_email", async () => { ran = true; })(); } catch (e) { console.error("gated:", e.code, ran); }`,
    );
    const r = await run(["--import", dist("register.js"), "app.mjs"], {}, dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trim().split("\n");
    expect(lines[0]).toMatch(
      /^governor: config invalid: GOVERNOR_ENFORCE_URL is not set.*refused \(config_invalid\)/,
    );
    expect(lines.filter((l) => l.startsWith("governor:")).length).toBe(1);
    expect(lines).toContain("app started");
    expect(lines).toContain("gated: config_invalid false");
  });

  it("a .env loaded after governor/register (dotenv style) still configures the gate, with no false alarm", async () => {
    server = await startEnforce(() => allow("dotenv-1"));
    const dir = tmp();
    // What `import "dotenv/config"` does: fill process.env while the entrypoint's imports evaluate.
    writeFileSync(
      path.join(dir, "env.mjs"),
      `process.env.GOVERNOR_ENFORCE_URL = ${JSON.stringify(server.url)};`,
    );
    writeFileSync(
      path.join(dir, "app.mjs"),
      `import ${JSON.stringify(dist("register.js"))};
       import "./env.mjs";
       import { gate } from ${JSON.stringify(dist("runtime/index.js"))};
       console.error("result:", await gate("get_order", async () => "ran")());`,
    );
    const r = await run(["app.mjs"], {}, dir);
    expect(r.stderr).not.toContain("config invalid");
    expect(r.stderr).toContain("result: ran");
    expect(r.code).toBe(0);
  });

  it("a config that becomes valid later is picked up at the next tool call; a still-invalid one stays refused", async () => {
    server = await startEnforce(() => allow("late-1"));
    const dir = tmp();
    writeFileSync(
      path.join(dir, "app.mjs"),
      `import { gate } from ${JSON.stringify(dist("runtime/index.js"))};
       const tool = gate("get_order", async () => "ran");
       try { await tool(); } catch (e) { console.error("before:", e.code); }
       process.env.GOVERNOR_ENFORCE_URL = ${JSON.stringify(server.url)};
       console.error("after:", await tool());`,
    );
    const r = await run(["--import", dist("register.js"), "app.mjs"], {}, dir);
    expect(r.stderr).toContain("before: config_invalid");
    expect(r.stderr).toContain("after: ran");
  });

  it("ESM, CJS and register share one default governor; audit flushes at exit; nothing on stdout", async () => {
    server = await startEnforce(() => allow("shared-1"));
    const dir = tmp();
    const audit = path.join(dir, "audit.jsonl");
    writeFileSync(
      path.join(dir, "app.cjs"),
      `const cjs = require(${JSON.stringify(dist("runtime/index.cjs"))});
       import(${JSON.stringify(dist("runtime/index.js"))}).then(async (esm) => {
         console.error("same:", esm.getDefaultGovernor() === cjs.getDefaultGovernor());
         console.error("cjs:", await cjs.gate("get_x", async () => "ran-cjs")());
         console.error("esm:", await esm.gate("get_y", async () => "ran-esm")());
         // No close(): the exit hook must flush the audit log, and keep-alive sockets must not hold the process.
       });`,
    );
    const r = await run(
      ["--import", dist("register.js"), "app.cjs"],
      {
        GOVERNOR_ENFORCE_URL: server.url,
        GOVERNOR_AUDIT_LOG: audit,
        GOVERNOR_API_KEY: "k-123456789",
      },
      dir,
    );
    expect(r.stderr).toContain("same: true");
    expect(r.stderr).toContain("cjs: ran-cjs");
    expect(r.stderr).toContain("esm: ran-esm");
    expect(r.stdout).toBe("");
    expect(r.code).toBe(0);
    const lines = readFileSync(audit, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.tool, l.outcome, l.requestId])).toEqual([
      ["get_x", "executed", "shared-1"],
      ["get_y", "executed", "shared-1"],
    ]);
  });

  it("a governor.config.json in the working directory is the intent map", async () => {
    server = await startEnforce(() => allow());
    const dir = tmp();
    writeFileSync(
      path.join(dir, "governor.config.json"),
      JSON.stringify({
        tools: { lookup: { action: "read", resource: { type: "crm", name: "hubspot" } } },
      }),
    );
    writeFileSync(
      path.join(dir, "app.mjs"),
      `import { gate } from ${JSON.stringify(dist("runtime/index.js"))}; await gate("lookup", async () => 1)();`,
    );
    const r = await run(
      ["--import", dist("register.js"), "app.mjs"],
      { GOVERNOR_ENFORCE_URL: server.url },
      dir,
    );
    expect(r.stderr).toBe("");
    expect(server.requests[0].body.resource).toEqual({ type: "crm", name: "hubspot" });
  });

  it("importing the runtime loads neither undici nor any CLI dependency", async () => {
    const dir = tmp();
    const r = await run(
      [
        "-e",
        `require(${JSON.stringify(dist("runtime/index.cjs"))}); console.error(JSON.stringify(Object.keys(require.cache).filter((k) => k.includes("node_modules"))))`,
      ],
      {},
      dir,
    );
    expect(JSON.parse(r.stderr)).toEqual([]);
    for (const file of ["runtime/index.js", "runtime/index.cjs", "register.js", "register.cjs"]) {
      const text = readFileSync(dist(file), "utf8");
      for (const dep of [
        "commander",
        "ts-morph",
        "@clack/prompts",
        "execa",
        "chalk",
        "yaml",
        "diff",
        "picomatch",
        "zod",
      ]) {
        expect(text, `${file} must not import ${dep}`).not.toMatch(
          new RegExp(`(from |require\\(|import\\()["']${dep.replace("/", "\\/")}["'/]`),
        );
      }
    }
  });
});
