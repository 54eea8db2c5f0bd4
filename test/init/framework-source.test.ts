// A framework's own monorepo (openai-agents-js, langchainjs, vercel/ai): the packages that are the
// framework itself are left alone and named in every report; its examples and any app in the same
// repository that merely shares the framework's npm scope are gated as usual.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gateSources } from "../../src/codemods/index.js";
import { checkGoverned, checkInstalled } from "../../src/doctor/repo.js";
import { detectProject } from "../../src/detectors/project.js";
import { frameworkOwning } from "../../src/frameworks.js";
import { scanProject } from "../../src/mcp/dev/scan.js";
import { cleanupTemp, copyFixture, ensureBuilt, json, runInit, snapshot } from "./helpers.js";

beforeAll(() => ensureBuilt(), 120_000);
const made: string[] = [];
afterAll(() => {
  cleanupTemp();
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A project from a map of files. */
function project(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), "governor-framework-source-"));
  made.push(dir);
  for (const [p, v] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), typeof v === "string" ? v : JSON.stringify(v));
  }
  return dir;
}

const TOOL = `import { tool } from "ai";
export const wipe = tool({ description: "Wipe", inputSchema: {} as never, execute: async () => "ok" });
`;

describe("which package names are a framework's own source", () => {
  it.each([
    ["@openai/agents-core", "openai-agents"],
    ["@openai/agents", "openai-agents"],
    ["ai", "ai-sdk"],
    ["@ai-sdk/openai", "ai-sdk"],
    ["@langchain/core", "langchain"],
    ["@langchain/langgraph", "langgraph"],
    ["langchain", "langchain"],
    ["@mastra/core", "mastra"],
    ["@modelcontextprotocol/sdk", "mcp"],
    ["openai", "openai"],
    ["@anthropic-ai/sdk", "anthropic"],
  ])("%s is %s itself", (name, id) => {
    expect(frameworkOwning(name)).toBe(id);
  });

  it.each([
    "@modelcontextprotocol/server-memory",
    "@modelcontextprotocol/servers",
    "@openai/agentsmith",
    "@mastra/template-text-to-sql",
    "ai-sdk-example",
    "openai-agents-js",
    "my-agent",
  ])("%s is an app (or a repository root), not a framework", (name) => {
    expect(frameworkOwning(name)).toBeNull();
  });

  it("a package without a name is an app", () => {
    expect(frameworkOwning(null)).toBeNull();
  });
});

describe("init in a framework's own monorepo", () => {
  it("leaves the framework's packages alone, says so by name, and gates its examples and scoped apps", () => {
    const dir = copyFixture("framework-monorepo");
    const before = snapshot(dir);
    const r = runInit(["--cwd", dir, "--dry-run", "--json", "--no-install", "--allow-dirty"]);
    expect(r.code, r.stderr).toBe(0);
    const report = json<Record<string, any>>(r);
    expect(report.frameworkSources).toEqual([
      {
        package: "packages/agents-core",
        name: "@openai/agents-core",
        framework: "openai-agents",
        files: 2,
      },
    ]);
    expect(report.warnings.join("\n")).toMatch(
      /Left alone: packages\/agents-core \(@openai\/agents-core, OpenAI Agents\)/,
    );
    const tools = report.tools.map((t: any) => [t.file, t.name, t.status]);
    expect(tools).toEqual(
      expect.arrayContaining([
        ["examples/basic/index.ts", "refund_payment", "gated"],
        ["packages/server-memory/index.js", "forget_all", "gated"],
      ]),
    );
    expect(tools.some(([f]: string[]) => f.startsWith("packages/agents-core/"))).toBe(false);
    expect(report.files.some((f: any) => f.path.startsWith("packages/agents-core/"))).toBe(false);
    expect(snapshot(dir)).toEqual(before); // a dry run
  });

  it("writes nothing into the framework's packages", () => {
    const dir = copyFixture("framework-monorepo");
    const core = join(dir, "packages/agents-core/src/builtins.ts");
    const text = readFileSync(core, "utf8");
    const r = runInit(["--cwd", dir, "--yes", "--json", "--no-install", "--allow-dirty"]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(core, "utf8")).toBe(text);
    expect(readFileSync(join(dir, "examples/basic/index.ts"), "utf8")).toMatch(
      /gate\("refund_payment"/,
    );
    expect(readFileSync(join(dir, "packages/agents-core/package.json"), "utf8")).not.toMatch(
      /governor/,
    );
  });

  it("doctor's coverage and governor_scan name the packages left alone", () => {
    const dir = copyFixture("framework-monorepo");
    const project = detectProject(dir);
    const check = checkGoverned(project, gateSources, {});
    expect(check.message).toMatch(/left alone as a framework's own source: packages\/agents-core/);
    expect(check.details?.frameworkSources).toEqual([
      expect.objectContaining({ package: "packages/agents-core", files: 2 }),
    ]);
    const scan = scanProject(dir, {});
    expect(scan.frameworkSources).toEqual(check.details?.frameworkSources);
  });
});

describe("only a published workspace member is a framework's own source", () => {
  it("an app named `ai` (npm init in a folder called ai) is an app: its tools are gated", () => {
    const dir = project({ "package.json": { name: "ai", main: "index.ts" }, "index.ts": TOOL });
    const r = runInit(["--cwd", dir, "--dry-run", "--json", "--no-install", "--allow-dirty"]);
    expect(r.code, r.stderr).toBe(0);
    const report = json<Record<string, any>>(r);
    expect(report.frameworkSources).toEqual([]);
    expect(report.tools.map((t: any) => [t.file, t.name, t.status])).toEqual([
      ["index.ts", "wipe", "gated"],
    ]);
  });

  it("a private member named after a framework, and the workspace root, are analysed", () => {
    const dir = project({
      "package.json": { name: "ai", private: true, workspaces: ["packages/*"] },
      "index.ts": TOOL,
      "packages/internal/package.json": { name: "@ai-sdk/internal-tools", private: true },
      "packages/internal/tools.ts": TOOL,
      "packages/provider/package.json": { name: "@ai-sdk/acme" },
      "packages/provider/tools.ts": TOOL,
    });
    const d = detectProject(dir);
    expect(d.packages.map((p) => p.relDir).sort()).toEqual(["", "packages/internal"]);
    expect(d.frameworkSources.map((f) => [f.relDir, f.name, f.framework])).toEqual([
      ["packages/provider", "@ai-sdk/acme", "ai-sdk"],
    ]);
  });
});

it("a workspace of nothing but the framework's packages says so, not that it found no tools", () => {
  const dir = project({
    "package.json": { name: "sdk-monorepo", private: true, workspaces: ["packages/*"] },
    "packages/core/package.json": { name: "@openai/agents-core" },
    "packages/core/src/tool.ts": TOOL,
  });
  const r = runInit(["--cwd", dir, "--dry-run", "--json", "--no-install", "--allow-dirty"]);
  expect(r.code, r.stderr).toBe(0);
  const warnings = json<Record<string, any>>(r).warnings.join("\n");
  expect(warnings).toMatch(/Left alone: packages\/core \(@openai\/agents-core, OpenAI Agents\)/);
  expect(warnings).not.toMatch(/No tools found/);
  expect(checkInstalled(detectProject(dir)).message).toMatch(/framework's own source/);
});
