// The built bundles (ESM and CJS) load @opentelemetry/api on their own and report to an SDK the app
// registered; without an SDK, and without @opentelemetry/api installed at all, checks work as before.
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { allow, deny, startEnforce, type EnforceServer } from "../support/enforce-server.js";
import { closeAll, makeGovernor, tmp } from "./helpers.js";

const runtimeEsm = pathToFileURL(path.resolve(__dirname, "../../dist/runtime/index.js")).href;
const runtimeCjs = path.resolve(__dirname, "../../dist/runtime/index.cjs");

let server: EnforceServer | undefined;
afterEach(async () => {
  await closeAll();
  await server?.close();
  server = undefined;
});

/** Run node with these arguments; its stdout, parsed (it must exit 0 with nothing on stderr). */
async function run(args: string[]): Promise<any> {
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH, URL: server!.url },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const code = await new Promise((r) => child.on("close", r));
  expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
  return JSON.parse(stdout);
}

const respond = (req: { body: any }) =>
  req.body.action === "delete" ? deny("req-d") : allow("req-a");

describe("telemetry without an SDK", () => {
  it("@opentelemetry/api installed, nothing registered: allow, deny and local deny work", async () => {
    server = await startEnforce(respond);
    const t = makeGovernor({ enforceUrl: server.url, config: { deny: ["admin_*"] } });
    const ran: string[] = [];
    const tool = (name: string) =>
      t.governor.gate(name, async () => ran.push(name), { onDeny: "return" });
    await tool("read_file")();
    const refusal = await tool("delete_file")();
    const local = await tool("admin_users")();
    expect(ran).toEqual(["read_file"]);
    expect(refusal).toContain("blocked by policy");
    expect(local).toContain("local deny list");
    expect(server.requests).toHaveLength(2);
    // Nothing was registered by governor either.
    expect((globalThis as any)[Symbol.for("opentelemetry.js.api.1")]).toBeUndefined();
  });

  // The built bundles, in a child whose loader cannot find @opentelemetry/api (not installed).
  it.each([
    ["ESM", runtimeEsm, "import"],
    ["CJS", runtimeCjs, "require"],
  ])("%s build, @opentelemetry/api not installed: checks still work", async (_f, entry, how) => {
    server = await startEnforce(respond);
    const dir = tmp();
    const hooks = path.join(dir, "hooks.mjs");
    const asked = path.join(dir, "asked.txt");
    writeFileSync(asked, "");
    writeFileSync(
      hooks,
      `import { appendFileSync } from "node:fs";
export async function resolve(spec, ctx, next) {
  if (spec === "@opentelemetry/api" || spec.startsWith("@opentelemetry/api/")) {
    appendFileSync(${JSON.stringify(asked)}, spec + "\\n");
    const e = new Error("Cannot find package '" + spec + "'");
    e.code = "ERR_MODULE_NOT_FOUND";
    throw e;
  }
  return next(spec, ctx);
}
`,
    );
    const setup = path.join(dir, "setup.mjs");
    writeFileSync(
      setup,
      `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
    );
    const script = path.join(dir, "app.mjs");
    writeFileSync(
      script,
      `import { createRequire } from "node:module";
const load = ${JSON.stringify(how)} === "require" ? async (e) => createRequire(import.meta.url)(e) : (e) => import(e);
const { createGovernor } = await load(${JSON.stringify(entry)});
const missing = await import("@opentelemetry/api").then(() => "loaded", (e) => e.code);
const g = createGovernor({ enforceUrl: process.env.URL, env: {}, config: { deny: ["admin_*"] } });
const ran = [];
const tool = (n) => g.gate(n, async () => { ran.push(n); return "ran"; }, { onDeny: "return" });
const out = [await tool("read_file")(), await tool("delete_file")(), await tool("admin_users")()];
await g.close();
process.stdout.write(JSON.stringify({ missing, ran, out }));
`,
    );
    const res = await run(["--import", pathToFileURL(setup).href, script]);
    expect(res.missing).toBe("ERR_MODULE_NOT_FOUND");
    // Only the script's own import asked for it: with no SDK registered, governor never loads the API.
    expect(readFileSync(asked, "utf8").trim().split("\n")).toEqual(["@opentelemetry/api"]);
    expect(res.ran).toEqual(["read_file"]);
    expect(res.out[0]).toBe("ran");
    expect(res.out[1]).toContain("blocked by policy");
    expect(res.out[2]).toContain('matches "admin_*" in the local deny list');
    expect(server.requests).toHaveLength(2);
  });

  // The app's own CommonJS or ES copy of the SDK; governor's bundle finds it through the API's global.
  it.each([
    ["ESM", "before", runtimeEsm, "import"],
    ["CJS", "before", runtimeCjs, "require"],
    ["ESM", "after", runtimeEsm, "import"],
    ["CJS", "after", runtimeCjs, "require"],
  ])(
    "%s build, SDK registered %s the governor is made: the first check has its span",
    async (_f, when, entry, how) => {
      server = await startEnforce(respond);
      const script = path.join(tmp(), "app.cjs");
      writeFileSync(
        script,
        // Resolved from the repository's node_modules, as an app's own dependencies are.
        `const req = require("node:module").createRequire(${JSON.stringify(path.resolve(__dirname, "../../package.json"))});
const { trace } = req("@opentelemetry/api");
const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = req("@opentelemetry/sdk-trace-base");
const spans = new InMemorySpanExporter();
const sdk = () => trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }));
${when === "before" ? "sdk();" : ""}
(async () => {
  const { createGovernor } = ${how === "require" ? "require" : "await import"}(${JSON.stringify(entry)});
  const g = createGovernor({ enforceUrl: process.env.URL, env: {}, config: {} });
  ${when === "after" ? "sdk(); // as an app that loads governor/register before its own tracing setup" : ""}
  const out = [await g.gate("read_file", async () => "ran")(), await g.gate("delete_file", async () => "ran", { onDeny: "return" })()];
  await g.close();
  const got = spans.getFinishedSpans().map((s) => [s.name, s.attributes["governor.decision"]]);
  process.stdout.write(JSON.stringify({ out, got }));
})();
`,
      );
      const res = await run([script]);
      expect(res.out[0]).toBe("ran");
      expect(res.out[1]).toContain("blocked by policy");
      expect(res.got).toEqual([
        ["governor.enforce", "allow"],
        ["governor.enforce", "deny"],
      ]);
    },
  );
});
