// Issue 9, shape 10: every agent framework init finds but does not support is named, by package,
// how it was found and where, in init's summary, its --json and its next steps, and in doctor's
// coverage; declared-only dependencies and require()d packages included. Never silent.
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { detectUnsupportedFrameworks } from "../../src/detectors/frameworks.js";
import { scanRuntimeTools } from "../../src/detectors/runtime-tools.js";
import { UNSUPPORTED_FRAMEWORKS } from "../../src/frameworks.js";
import {
  cleanupTemp,
  CLI,
  copyFixture,
  ensureBuilt,
  gitInit,
  json,
  read,
  runInit,
  snapshot,
} from "./helpers.js";

beforeAll(() => ensureBuilt(), 120_000);
afterAll(() => cleanupTemp());

interface UnsupportedJson {
  package: string;
  label: string;
  packages: string[];
  via: string[];
  files: string[];
  fix: string;
}
interface ReportJson {
  tools: { file: string; name: string | null; framework: string; status: string }[];
  runtimeTools: {
    file: string;
    line: number;
    kind: string;
    what: string;
    gatedBy: string | null;
    byHand?: boolean;
  }[];
  unsupportedFrameworks: UnsupportedJson[];
}

const AGENT_KIT: UnsupportedJson = {
  package: ".",
  label: "Inngest AgentKit",
  packages: ["@inngest/agent-kit"],
  via: ["dependency", "import"],
  files: ["src/agent.js"],
  fix: 'wrap each tool function it runs (its createTool({ handler })) in gate("<name>", fn) from governor/runtime',
};
const BEEAI: UnsupportedJson = {
  package: ".",
  label: "BeeAI Framework",
  packages: ["beeai-framework"],
  via: ["dependency"],
  files: [],
  fix: 'wrap each tool function it runs (its DynamicTool / Tool subclasses) in gate("<name>", fn) from governor/runtime',
};
const ADK: UnsupportedJson = {
  package: ".",
  label: "Google ADK",
  packages: ["@google/adk"],
  via: ["import"],
  files: ["src/planner.cjs"],
  fix: 'wrap each tool function it runs (its FunctionTool({ execute })) in gate("<name>", fn) from governor/runtime',
};

describe("init on an app using AI SDK beside Inngest AgentKit (imported), BeeAI (declared only) and Google ADK (require()d)", () => {
  it("the dry run names each unsupported framework, how it was found and where; the AI SDK tool is still gated", () => {
    const dir = copyFixture("unsupported-frameworks");
    const before = snapshot(dir);
    const r = runInit(["--dry-run", "--cwd", dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      "  frameworks: ai-sdk (dependency + import)\n" +
        "  not supported: Inngest AgentKit (@inngest/agent-kit; dependency + import), BeeAI Framework (beeai-framework; dependency), Google ADK (@google/adk; import)\n",
    );
    expect(r.stdout).toContain(
      [
        "Tools (dry run: what a real run would do):",
        "  ai-sdk: 1 gated",
        "Agent frameworks governor does not support (their tools run ungated until you gate them by hand):",
        `  Inngest AgentKit (@inngest/agent-kit: dependency, imported by src/agent.js): ${AGENT_KIT.fix}`,
        `  BeeAI Framework (beeai-framework: dependency): ${BEEAI.fix}`,
        `  Google ADK (@google/adk: imported by src/planner.cjs): ${ADK.fix}`,
        'Entrypoints (import "governor/register"):',
      ].join("\n"),
    );
    // named once, with its framework, not again as a "tool init cannot rewrite"
    expect(r.stdout).not.toContain("Tools init cannot rewrite");
    expect(snapshot(dir)).toEqual(before);
  });

  it("--json carries the same list (unsupportedFrameworks) and each import site in runtimeTools", () => {
    const dir = copyFixture("unsupported-frameworks");
    const report = json<ReportJson>(runInit(["--dry-run", "--json", "--cwd", dir]));
    expect(report.unsupportedFrameworks).toEqual([AGENT_KIT, BEEAI, ADK]);
    expect(report.runtimeTools.map((t) => [t.file, t.line, t.kind, t.gatedBy, t.byHand])).toEqual([
      ["src/agent.js", 1, "unsupported", null, true],
      ["src/planner.cjs", 2, "unsupported", null, true],
    ]);
    expect(report.tools.map((t) => [t.file, t.framework, t.status])).toEqual([
      ["src/tools.js", "ai-sdk", "gated"],
    ]);
  });

  it("a real run says it again in the summary and as a next step, and leaves the unsupported code alone", () => {
    const dir = copyFixture("unsupported-frameworks");
    gitInit(dir);
    const agent = read(dir, "src/agent.js");
    const planner = read(dir, "src/planner.cjs");
    const r = runInit(["--yes", "--no-install", "--cwd", dir], { CI: "true" });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      "Agent frameworks governor does not support (their tools run ungated until you gate them by hand):\n",
    );
    expect(r.stdout).toMatch(
      /Next steps:[\s\S]*\d+\. Gate the tools of Inngest AgentKit, BeeAI Framework, Google ADK by hand \(governor does not support them yet\): wrap each tool function in gate\("<name>", fn\) from governor\/runtime/,
    );
    expect(read(dir, "src/tools.js")).toContain('gate("lookupOrder"');
    expect(read(dir, "src/agent.js")).toBe(agent);
    expect(read(dir, "src/planner.cjs")).toBe(planner);
    // the second run: nothing to change, and the frameworks are still named
    const again = runInit(["--yes", "--json", "--no-install", "--allow-dirty", "--cwd", dir]);
    expect(again.code, again.stderr).toBe(0);
    expect(json(again).files.every((f) => f.action === "unchanged")).toBe(true);
    expect(json<ReportJson>(again).unsupportedFrameworks.map((u) => u.label)).toEqual([
      "Inngest AgentKit",
      "BeeAI Framework",
      "Google ADK",
    ]);
  });

  it("doctor's coverage names the imported and the require()d framework as not gated", () => {
    const dir = copyFixture("unsupported-frameworks");
    const r = spawnSync(
      process.execPath,
      [CLI, "doctor", "--cwd", dir, "--json", "--samples", "1"],
      { encoding: "utf8", env: { ...process.env, GOVERNOR_ENFORCE_URL: "", GOVERNOR_API_KEY: "" } },
    );
    const checks = (
      JSON.parse(r.stdout) as {
        checks: { id: string; status: string; details?: { manual?: string[] } }[];
      }
    ).checks;
    const governed = checks.find((c) => c.id === "tools.governed")!;
    expect(governed.status).not.toBe("pass");
    expect(governed.details?.manual).toEqual([
      "src/agent.js:1 (@inngest/agent-kit: Inngest AgentKit, which governor does not support yet)",
      "src/planner.cjs:2 (@google/adk: Google ADK, which governor does not support yet)",
    ]);
  });
});

describe("unsupported-framework detection", () => {
  const detect = (deps: string[], files: Record<string, string>) =>
    detectUnsupportedFrameworks({
      dependencies: deps,
      sources: Object.entries(files).map(([path, text]) => ({ path, text })),
    }).map((u) => [u.label, u.packages, u.via, u.files]);

  it("each newly listed framework by its npm package, through import, require, import() and export-from; subpaths name the package", () => {
    expect(
      detect([], {
        "a.ts": 'import { createTool } from "@inngest/agent-kit";',
        "b.js": 'const { Agent } = require("kaibanjs");',
        "c.ts": 'const { FunctionTool } = await import("@google/adk");',
        "d.ts": 'export { tool } from "@strands-agents/sdk";',
        "e.ts": 'import { DynamicTool } from "beeai-framework/tools/base";',
        "f.ts": 'import { createTool } from "@convex-dev/agent";',
        "g.ts": 'import { AxAgent } from "@ax-llm/ax";',
        "h.ts": 'import { type Action } from "@elizaos/core";',
        "i.tsx": 'import { useCopilotAction } from "@copilotkit/react-core";',
        "j.ts": 'import { AgentsClient } from "@azure/ai-agents";',
        "k.ts": 'import ollama from "ollama";',
        "l.ts": 'import { FirecrawlTool } from "@kaibanjs/tools";',
      }),
    ).toEqual([
      ["Inngest AgentKit", ["@inngest/agent-kit"], ["import"], ["a.ts"]],
      ["KaibanJS", ["@kaibanjs/tools", "kaibanjs"], ["import"], ["b.js", "l.ts"]],
      ["BeeAI Framework", ["beeai-framework"], ["import"], ["e.ts"]],
      ["Google ADK", ["@google/adk"], ["import"], ["c.ts"]],
      ["Strands Agents", ["@strands-agents/sdk"], ["import"], ["d.ts"]],
      ["Convex Agent", ["@convex-dev/agent"], ["import"], ["f.ts"]],
      ["Ax (ax-llm)", ["@ax-llm/ax"], ["import"], ["g.ts"]],
      ["ElizaOS", ["@elizaos/core"], ["import"], ["h.ts"]],
      ["CopilotKit", ["@copilotkit/react-core"], ["import"], ["i.tsx"]],
      ["Azure AI Agents", ["@azure/ai-agents"], ["import"], ["j.ts"]],
      ["Ollama (function calling)", ["ollama"], ["import"], ["k.ts"]],
    ]);
  });

  it("look-alike packages and the frameworks governor supports are not reported", () => {
    expect(
      detect(
        [
          "ollama-ai-provider",
          "@openrouter/ai-sdk-provider",
          "ai",
          "@ai-sdk/openai",
          "@langchain/core",
          "@mastra/core",
          "openai",
          "portkey-ai",
          "kaibanjs-extra",
        ],
        {
          "a.ts":
            'import { ollama } from "ollama-ai-provider";\nimport { tool } from "ai";\nimport x from "./ollama";',
        },
      ),
    ).toEqual([]);
  });

  it("the run-time scan reports a require()d or re-exported framework at its line, once per file", () => {
    const tools = scanRuntimeTools([
      {
        path: "a.cjs",
        text: '// setup\nconst kaiban = require("kaibanjs");\nconst again = require("kaibanjs/dist");\n',
      },
      {
        path: "b.ts",
        text: 'import type { Tool } from "@strands-agents/sdk";\nexport { tool } from "@strands-agents/sdk";\n',
      },
    ]).tools.map((t) => [t.file, t.line, t.kind, t.what]);
    expect(tools).toEqual([
      ["a.cjs", 2, "unsupported", "kaibanjs: KaibanJS, which governor does not support yet"],
      [
        "b.ts",
        2,
        "unsupported",
        "@strands-agents/sdk: Strands Agents, which governor does not support yet",
      ],
    ]);
  });

  it("every registry entry names at least one package and how its tools are declared", () => {
    for (const f of UNSUPPORTED_FRAMEWORKS) {
      expect(f.packages.length, f.label).toBeGreaterThan(0);
      expect(f.tools.length, f.label).toBeGreaterThan(0);
    }
    expect(new Set(UNSUPPORTED_FRAMEWORKS.map((f) => f.label)).size).toBe(
      UNSUPPORTED_FRAMEWORKS.length,
    );
  });
});
