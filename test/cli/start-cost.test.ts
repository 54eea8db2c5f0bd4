// What the CLI loads to start: `--help`, `--version` and every `<command> --help` print from the
// definitions alone (commander and a few lists of names), and `governor serve` listens without
// ts-morph, typescript or zod. The real CLI is spawned with a preload that records every module it
// loads: ES modules through a loader hook (Node runs it off the main thread, so it appends each URL
// to a file as the module loads), CommonJS ones from require.cache as the process exits.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bin, cleanEnv, policies, root } from "./helpers.js";
import { cleanupTemp, copyFixture, ensureBuilt } from "../init/helpers.js";
import { plainInitOptions } from "../../src/commands/init-options.js";
import { initOptionsSchema } from "../../src/commands/init-schema.js";
import { FRAMEWORKS } from "../../src/init/codemods.js";
import { doctor } from "../../src/commands/doctor.js";
import { init } from "../../src/commands/init.js";
import { mcp } from "../../src/commands/mcp.js";
import { mcpInit } from "../../src/commands/mcp-init.js";
import { serve } from "../../src/commands/serve.js";
import { testIntent } from "../../src/commands/test-intent.js";
import { plainServeOptions } from "../../src/commands/serve-options.js";
import { serveOptionsSchema } from "../../src/commands/serve-schema.js";

beforeAll(() => ensureBuilt(), 120_000);

const work = mkdtempSync(path.join(tmpdir(), "governor-start-cost-"));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  cleanupTemp();
});
writeFileSync(
  path.join(work, "hooks.mjs"),
  `import { appendFileSync } from "node:fs";
let file;
export function initialize(data) { file = data.file; }
export async function load(url, context, next) {
  appendFileSync(file, url + "\\n");
  return next(url, context);
}
`,
);
const preload = path.join(work, "record-modules.mjs");
writeFileSync(
  preload,
  `import { createRequire, register } from "node:module";
import { appendFileSync } from "node:fs";
const file = process.env.RECORD_MODULES;
register(new URL("./hooks.mjs", import.meta.url), { data: { file } });
const require = createRequire(import.meta.url);
process.on("exit", () => appendFileSync(file, Object.keys(require.cache).join("\\n") + "\\n"));
`,
);

let runs = 0;
const recordFile = () => path.join(work, `modules-${++runs}.txt`);
/** The modules recorded so far, as file paths (node: builtins left out). */
const recorded = (file: string): string[] =>
  readFileSync(file, "utf8")
    .split("\n")
    .filter((m) => m && !m.startsWith("node:"))
    .map((m) => (m.startsWith("file:") ? fileURLToPath(m) : m));

const heavy = (modules: string[]) =>
  modules.filter((m) =>
    /[\\/]node_modules[\\/](ts-morph|@ts-morph|typescript|zod|jose)[\\/]/.test(m),
  );

// What a help or version may load of governor's own code: the entry, the definitions, the leaves
// they name. Each dist/ chunk says which sources it holds (`// src/...` before each one).
const DEFINITIONS = new Set([
  "src/cli.ts",
  "src/commands/init.ts",
  "src/commands/serve.ts",
  "src/commands/doctor.ts",
  "src/commands/test-intent.ts",
  "src/commands/mcp.ts",
  "src/commands/mcp-init.ts",
  "src/cli-support/exit.ts",
  "src/cli-support/cli-error.ts",
  "src/cli-support/usage-exit.ts",
  "src/frameworks.ts",
  "src/detectors/package-manager.ts",
]);
const dist = path.join(root, "dist") + path.sep;
/** The sources held by the dist/ chunks among `modules`. */
const sourcesIn = (modules: string[]) =>
  modules
    .filter((m) => m.startsWith(dist))
    .flatMap((m) => readFileSync(m, "utf8").match(/^\/\/ src\/\S+$/gm) ?? [])
    .map((line) => line.slice(3));

interface Run {
  code: number | null;
  stdout: string;
  modules: string[];
}

function governor(args: string[]): Promise<Run> {
  const file = recordFile();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", preload, bin, ...args], {
      cwd: root,
      env: cleanEnv({ RECORD_MODULES: file }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
    child.stderr.resume();
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, modules: recorded(file) }));
  });
}

const HELPS: [string[], Command][] = [
  [["init"], init],
  [["serve"], serve],
  [["doctor"], doctor],
  [["test-intent"], testIntent],
  [["mcp"], mcp],
  [["mcp", "init"], mcpInit],
];

describe("governor --help, --version and <command> --help", () => {
  it("--help lists every command and loads no command's implementation", async () => {
    const r = await governor(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: governor \[options\] \[command\]\n/);
    for (const name of ["init", "serve", "doctor", "test-intent", "mcp"])
      expect(r.stdout).toMatch(new RegExp(`^  ${name} \\[options\\] `, "m"));
    expect(heavy(r.modules)).toEqual([]);
    expect(sourcesIn(r.modules).filter((s) => !DEFINITIONS.has(s))).toEqual([]);
  });

  for (const flag of ["--version", "-v"])
    it(`${flag} prints the version and loads no command's implementation`, async () => {
      const r = await governor([flag]);
      expect(r.code).toBe(0);
      const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
      expect(r.stdout).toBe(`${pkg.version}\n`);
      expect(heavy(r.modules)).toEqual([]);
      expect(sourcesIn(r.modules).filter((s) => !DEFINITIONS.has(s))).toEqual([]);
    });

  for (const [args, command] of HELPS)
    it(`${args.join(" ")} --help shows every option and loads no implementation`, async () => {
      const r = await governor([...args, "--help"]);
      expect(r.code).toBe(0);
      expect(r.stdout.startsWith(`Usage: governor ${args.join(" ")} [options]`)).toBe(true);
      expect(r.stdout).toContain(command.description().split(" ").slice(0, 4).join(" "));
      for (const option of command.options) expect(r.stdout).toContain(option.flags);
      expect(heavy(r.modules)).toEqual([]);
      expect(sourcesIn(r.modules).filter((s) => !DEFINITIONS.has(s))).toEqual([]);
    });
});

describe("governor serve", () => {
  it("listens and answers without loading ts-morph, typescript, zod or jose", async () => {
    const file = recordFile();
    const child = spawn(
      process.execPath,
      ["--import", preload, bin, "serve", "--port", "0", "--policy", `${policies}/basic.yaml`],
      { cwd: root, env: cleanEnv({ RECORD_MODULES: file }), stdio: ["ignore", "pipe", "pipe"] },
    );
    child.stderr.resume();
    const closed = new Promise((resolve) => child.once("close", resolve));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.once("close", (code) => reject(new Error(`governor serve exited with ${code}`)));
        child.stdout.setEncoding("utf8").on("data", (d) => {
          out += d;
          const m = /^listening on (http:\/\/\S+)\n/.exec(out);
          if (m) resolve(m[1]);
        });
      });
      // every ES module loaded before the line was recorded as it loaded
      const beforeListening = recorded(file);
      expect(beforeListening.some((m) => m.startsWith(dist))).toBe(true);
      expect(heavy(beforeListening)).toEqual([]);
      const health = await fetch(`${url}/health`);
      expect(health.status).toBe(200);
    } finally {
      child.kill("SIGTERM");
      await closed;
    }
    // and the CommonJS ones (typescript is required by ts-morph), recorded as it exited
    expect(heavy(recorded(file))).toEqual([]);
  });

  it("still refuses a bad option with the schema's message", async () => {
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [bin, "serve", "--port", "80x"], {
        cwd: root,
        env: cleanEnv(),
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
      child.on("close", (code) => resolve({ code, stderr }));
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "error [invalid_options]: invalid options:\n  --port: expected a number",
    );
  });

  it("takes options without zod only when the schema would take them the same", () => {
    const text = fc.oneof(
      fc.constantFrom("", "0", "1", "8787", "65535", "65536", "-1", "1.5", "1e3", " 80", "0x10"),
      fc.stringMatching(/^[0-9]{0,17}$/),
      fc.string(),
    );
    const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
    const options = fc.record({
      host: fc.oneof(text, fc.constant(undefined), fc.integer()),
      port: fc.oneof(text, fc.integer()),
      tokenTtl: text,
      watch: fc.oneof(fc.boolean(), fc.constant("yes")),
      policy: maybe(text),
      apiKey: maybe(text),
      apiKeyFile: maybe(text),
      decisionKey: maybe(text),
      decisionKeyFile: maybe(text),
      oauthJwks: maybe(text),
      oauthIssuer: maybe(text),
      oauthAudience: maybe(text),
      tlsCert: maybe(text),
      tlsKey: maybe(text),
      tlsClientCa: maybe(text),
      debug: maybe(fc.boolean()),
    });
    fc.assert(
      fc.property(options, (raw) => {
        const opts = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined));
        const plain = plainServeOptions(opts);
        if (plain === undefined) return;
        expect(plain).toStrictEqual(serveOptionsSchema.parse(opts));
      }),
      { numRuns: 2000 },
    );
    // the usual command lines do take the way without zod
    const given = { host: "127.0.0.1", port: "8787", tokenTtl: "60000", watch: true };
    expect(plainServeOptions(given)).toEqual({ ...given, port: 8787, tokenTtl: 60000 });
    expect(plainServeOptions({ ...given, port: "0", policy: "p.yaml" })).toBeDefined();
  });
});

describe("governor init --dry-run --json", () => {
  it("loads ts-morph with require, and none of zod, the prompts, execa, diff or yaml", async () => {
    const dir = copyFixture("ts-esm-npm");
    const file = recordFile();
    const r = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        ["--import", preload, bin, "init", "--dry-run", "--json", "--no-install", "--allow-dirty"],
        { cwd: dir, env: cleanEnv({ RECORD_MODULES: file }), stdio: ["ignore", "pipe", "ignore"] },
      );
      let stdout = "";
      child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, stdout }));
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).tools.some((t: { status: string }) => t.status === "gated")).toBe(
      true,
    );
    const lines = readFileSync(file, "utf8").split("\n");
    const pkg = (name: string) => new RegExp(`[\\\\/]node_modules[\\\\/]${name}[\\\\/]`);
    // an ES import of ts-morph would go through the loader hook (and make Node scan its 1 MB file)
    expect(lines.filter((l) => l.startsWith("file:") && pkg("ts-morph").test(l))).toEqual([]);
    expect(lines.some((l) => !l.startsWith("file:") && pkg("ts-morph").test(l))).toBe(true);
    for (const name of ["zod", "@clack", "execa", "diff", "yaml"])
      expect(lines.filter((l) => pkg(name).test(l))).toEqual([]);
  });

  it("takes options without zod only when the schema would take them the same", () => {
    const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
    const flag = fc.oneof(fc.boolean(), fc.constant("yes"), fc.constant(undefined));
    const words = fc.array(fc.oneof(fc.constantFrom(...FRAMEWORKS, "vue", ""), fc.string()), {
      maxLength: 3,
    });
    const options = fc.record({
      cwd: fc.oneof(fc.string(), fc.constant(undefined)),
      yes: flag,
      dryRun: flag,
      json: flag,
      install: flag,
      allowDirty: flag,
      undo: flag,
      typecheck: flag,
      debug: flag,
      allowEdge: flag,
      packageManager: maybe(fc.constantFrom("npm", "pnpm", "yarn", "bun", "deno", "")),
      framework: maybe(fc.oneof(words, fc.string())),
      include: maybe(fc.oneof(fc.array(fc.string(), { maxLength: 2 }), fc.string())),
      exclude: maybe(fc.array(fc.oneof(fc.string(), fc.integer()), { maxLength: 2 })),
      governorSpec: maybe(fc.oneof(fc.string(), fc.integer())),
    });
    fc.assert(
      fc.property(options, (raw) => {
        const opts = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined));
        const plain = plainInitOptions(opts);
        if (plain === undefined) return;
        expect(plain).toStrictEqual(initOptionsSchema.parse(opts));
      }),
      { numRuns: 2000 },
    );
    // what commander hands over for `governor init --dry-run --json` takes the way without zod
    const given = {
      cwd: "/app",
      yes: false,
      dryRun: true,
      json: true,
      install: true,
      allowDirty: false,
      undo: false,
      typecheck: true,
      debug: false,
      allowEdge: false,
      framework: ["ai-sdk"],
    };
    expect(plainInitOptions(given)).toEqual(given);
  });
});
