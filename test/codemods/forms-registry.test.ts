// Frameworks are data: every framework the registry lists has its forms in forms/<framework>/ and a
// run-time adapter, and the runner keeps one form's failure from touching the rest of the project.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FRAMEWORKS } from "../../src/frameworks.js";
import { FORMS } from "../../src/codemods/forms/index.js";
import { gateSources } from "../../src/codemods/index.js";

const SRC = join(import.meta.dirname, "..", "..", "src");
// openai and anthropic share one set of forms: hand-written loops over either client.
const FOLDER: Record<string, string> = {
  openai: "sdk-loops",
  anthropic: "sdk-loops",
  langgraph: "langchain",
};

describe("form registry", () => {
  it("gives every registered framework a forms folder, a form in the list and a run-time adapter", () => {
    for (const f of FRAMEWORKS) {
      const folder = FOLDER[f.id] ?? f.id;
      expect(existsSync(join(SRC, "codemods", "forms", folder)), `forms/${folder}`).toBe(true);
      expect(
        FORMS.some((form) => form.frameworks.includes(f.id)),
        `a form for ${f.id}`,
      ).toBe(true);
    }
    for (const id of ["ai-sdk", "langchain", "openai-agents", "mastra", "mcp"])
      expect(existsSync(join(SRC, "runtime", "adapters", `${id}.ts`)), `adapters/${id}.ts`).toBe(
        true,
      );
  });

  it("names each form after the folder it lives in, once", () => {
    const folders = readdirSync(join(SRC, "codemods", "forms"), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
    for (const form of FORMS) expect(folders).toContain(form.id.split("/")[0]);
    expect(new Set(FORMS.map((f) => f.id)).size).toBe(FORMS.length);
  });

  it("runs only the forms of the frameworks asked for", () => {
    const text =
      'import { tool } from "ai";\nimport { z } from "zod";\nexport const tools = { lookup_order: tool({ inputSchema: z.object({}), execute: async () => "ok" }) };\n';
    const all = gateSources([{ path: "a.ts", text }], { moduleKind: () => "esm" });
    expect(all.tools.map((t) => t.status)).toEqual(["gated"]);
    const other = gateSources([{ path: "a.ts", text }], {
      moduleKind: () => "esm",
      frameworks: ["langchain"],
    });
    expect(other.tools).toEqual([]);
    expect(other.files).toEqual([]);
  });
});
