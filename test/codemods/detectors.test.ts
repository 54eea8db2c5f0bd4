// Framework detection by dependency and by import, and the read-only tool listing.
import { expect, it } from "vitest";
import { detectFrameworks } from "../../src/detectors/frameworks.js";
import { detectTools } from "../../src/detectors/tools.js";
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

it("lists tools without rewriting anything, and honours --framework", () => {
  const c = loadCase("cjs-js");
  const all = detectTools(c.inputs);
  expect(all.tools.map((t) => `${t.framework}:${t.name}:${t.status}`).sort()).toEqual([
    "ai-sdk:send_email:gated",
    "langchain:lookup:gated",
    "langchain:refund:gated",
    "langchain:shortcut:manual",
    "mcp:delete_file:gated",
    "openai-agents:execute:gated",
  ]);
  const mcpOnly = detectTools(c.inputs, { frameworks: ["mcp"] });
  expect(mcpOnly.tools.map((t) => t.name)).toEqual(["delete_file"]);
});
