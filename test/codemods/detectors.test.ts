// Framework detection by dependency and by import, and the codemod's tool listing.
import { expect, it } from "vitest";
import { detectFrameworks } from "../../src/detectors/frameworks.js";
import { gateSources, type Framework } from "../../src/codemods/index.js";
import { loadCase } from "./fixtures.js";

it("finds frameworks from package.json and from imports, several at once", () => {
  const r = detectFrameworks({
    dependencies: { ai: "^6", "@ai-sdk/openai": "^2", openai: "^6", express: "^5" },
    sources: [
      {
        path: "src/a.ts",
        text: 'import { tool } from "@langchain/core/tools";\nimport OpenAI from "openai";',
      },
      {
        path: "src/b.cjs",
        text: 'const { McpServer } = require("@modelcontextprotocol/sdk/server/mcp.js");',
      },
      { path: "src/c.ts", text: "const x = \"from 'express'\";" },
    ],
  });
  expect(r).toEqual([
    { framework: "ai-sdk", via: ["dependency"], files: [] },
    { framework: "langchain", via: ["import"], files: ["src/a.ts"] },
    { framework: "mcp", via: ["import"], files: ["src/b.cjs"] },
    { framework: "openai", via: ["dependency", "import"], files: ["src/a.ts"] },
  ]);
  expect(
    detectFrameworks({ dependencies: [], sources: [{ path: "x.js", text: "console.log(1)" }] }),
  ).toEqual([]);
});

it("the codemod lists every tool it finds, and honours --framework", () => {
  const c = loadCase("cjs-js");
  const detect = (frameworks?: Framework[]) =>
    gateSources(c.inputs, { frameworks, moduleKind: () => "esm" });
  const all = detect();
  expect(all.tools.map((t) => `${t.framework}:${t.name}:${t.status}`).sort()).toEqual([
    "ai-sdk:send_email:gated",
    "langchain:lookup:gated",
    "langchain:refund:gated",
    "langchain:shortcut:manual",
    "mcp:delete_file:gated",
    "openai-agents:execute:gated",
  ]);
  const mcpOnly = detect(["mcp"]);
  expect(mcpOnly.tools.map((t) => t.name)).toEqual(["delete_file"]);
});
