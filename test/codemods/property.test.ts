// Property tests: generated tool files in many forms and shapes; wrapping then re-parsing never
// loses a tool, gates every one (or marks it manual), keeps every body, and a second run is a no-op.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import ts from "typescript";
import { gateSources } from "../../src/codemods/index.js";

type Shape = "arrow" | "arrowExpr" | "function" | "method" | "shorthand";
interface Spec {
  form:
    | "ai"
    | "aiPlain"
    | "lcTool"
    | "lcDynamic"
    | "lcClass"
    | "agents"
    | "mcp"
    | "mcpOld"
    | "rawSwitch"
    | "rawMap";
  name: string;
  shape: Shape;
}

const ident = fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/);

function fnText(shape: Shape, marker: string, params: string): string {
  switch (shape) {
    case "arrow":
      return `async (${params}) => {\n    return "${marker}";\n  }`;
    case "arrowExpr":
      return `async (${params}) => "${marker}"`;
    case "function":
      return `async function (${params}) {\n    return "${marker}";\n  }`;
    case "method":
      return `async function named_${marker}(${params}) { return "${marker}"; }`;
    case "shorthand":
      return fnText("arrow", marker, params);
  }
}

/** One file with the given tools; returns the text and the body markers that must survive. */
function render(specs: Spec[], cjs: boolean, comments: boolean): string {
  const imp = (names: string, spec: string) =>
    cjs
      ? `const { ${names} } = require("${spec}");`
      : `import { ${names.replace(/(\w+): (\w+)/g, "$1 as $2")} } from "${spec}";`;
  const lines = [
    imp("tool", "ai"),
    imp("tool: lcTool, DynamicStructuredTool, StructuredTool", "@langchain/core/tools"),
    imp("tool: agentTool", "@openai/agents"),
    imp("McpServer", "@modelcontextprotocol/sdk/server/mcp.js"),
    cjs ? 'const OpenAI = require("openai");' : 'import OpenAI from "openai";',
    imp("z", "zod"),
    "const server = new McpServer({ name: 's', version: '1' });",
  ];
  const aiKeys: string[] = [];
  const mapEntries: string[] = [];
  const cases: string[] = [];
  specs.forEach((s, i) => {
    const m = `body_${i}`;
    const c = comments ? `  /* tool ${i} */\n` : "";
    const fn = fnText(s.shape, m, "input");
    // Object-method shorthand where the function is an object member: `async execute(input) {...}`.
    const member = (key: string) =>
      s.shape === "shorthand" ? `async ${key}(input) {\n    return "${m}";\n  }` : `${key}: ${fn}`;
    switch (s.form) {
      case "ai":
        lines.push(
          `${c}const t${i} = tool({\n  description: "d",\n  inputSchema: z.object({}),\n  ${member("execute")},\n});`,
        );
        aiKeys.push(`  ${s.name}: t${i},`);
        break;
      case "aiPlain":
        aiKeys.push(
          `  ${s.name}: { description: "d", inputSchema: z.object({}), ${member("execute")} },`,
        );
        break;
      case "lcTool":
        lines.push(`${c}const t${i} = lcTool(${fn}, { name: "${s.name}", schema: z.object({}) });`);
        break;
      case "lcDynamic":
        lines.push(
          `${c}const t${i} = new DynamicStructuredTool({ name: "${s.name}", description: "d", schema: z.object({}), ${member("func")} });`,
        );
        break;
      case "lcClass":
        lines.push(
          `${c}class T${i} extends StructuredTool {\n  name = "${s.name}";\n  description = "d";\n  schema = z.object({});\n  async _call(input) {\n    return "${m}";\n  }\n}`,
        );
        break;
      case "agents":
        lines.push(
          `${c}const t${i} = agentTool({ name: "${s.name}", description: "d", parameters: z.object({}), ${member("execute")} });`,
        );
        break;
      case "mcp":
        lines.push(`${c}server.registerTool("${s.name}", {}, ${fn});`);
        break;
      case "mcpOld":
        lines.push(`${c}server.tool("${s.name}", "desc", ${fn});`);
        break;
      case "rawSwitch":
        lines.push(`async function impl${i}(args) { return "${m}"; }`);
        cases.push(`    case "${s.name}":\n      return await impl${i}(args);`);
        break;
      case "rawMap":
        mapEntries.push(`  ${s.name}: ${fn},`);
        break;
    }
  });
  if (aiKeys.length)
    lines.push(
      `export const aiTools = {\n${aiKeys.join("\n")}\n};`,
      `generateText({ tools: aiTools });`,
    );
  if (aiKeys.length) lines[0] = imp("tool, generateText", "ai");
  if (mapEntries.length)
    lines.push(
      `const handlers = {\n${mapEntries.join("\n")}\n};`,
      `export async function dispatchMap(call) {\n  const args = JSON.parse(call.function.arguments);\n  return await handlers[call.function.name](args);\n}`,
    );
  if (cases.length)
    lines.push(
      `export async function dispatch(call) {\n  const args = JSON.parse(call.function.arguments);\n  switch (call.function.name) {\n${cases.join("\n")}\n    default:\n      return "unknown";\n  }\n}`,
    );
  const out = lines.join("\n\n") + "\n";
  return cjs ? out.replace(/^export /gm, "") : out;
}

function parses(path: string, text: string): boolean {
  const sf = ts.createSourceFile(
    path,
    text,
    ts.ScriptTarget.Latest,
    false,
    path.endsWith(".ts") ? ts.ScriptKind.TS : ts.ScriptKind.JS,
  );
  return (sf as unknown as { parseDiagnostics: unknown[] }).parseDiagnostics.length === 0;
}

const specArb = fc.record({
  form: fc.constantFrom<Spec["form"]>(
    "ai",
    "aiPlain",
    "lcTool",
    "lcDynamic",
    "lcClass",
    "agents",
    "mcp",
    "mcpOld",
    "rawSwitch",
    "rawMap",
  ),
  name: ident,
  shape: fc.constantFrom<Shape>("arrow", "arrowExpr", "function", "method", "shorthand"),
});

describe("wrap then re-parse", () => {
  it("never loses a tool, gates each one once, and is idempotent", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(specArb, { minLength: 1, maxLength: 8, selector: (s) => s.name }),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom(".ts", ".js", ".mjs", ".cjs"),
        (specs, cjsIfJs, comments, ext) => {
          const cjs = ext === ".cjs" || (ext === ".js" && cjsIfJs);
          const path = `src/tools${ext}`;
          const text = render(specs, cjs, comments);
          const opts = { moduleKind: () => (cjs ? "cjs" : "esm") as "esm" | "cjs" };
          const first = gateSources([{ path, text }], opts);
          expect(first.warnings).toEqual([]);
          // Every generated tool is found once, under its name, and gated.
          expect(first.tools.map((t) => t.name).sort()).toEqual(specs.map((s) => s.name).sort());
          expect(first.tools.every((t) => t.status === "gated")).toBe(true);
          const after = first.files[0]?.after ?? text;
          expect(parses(path, after)).toBe(true);
          // No body lost or duplicated.
          specs.forEach((_, i) =>
            expect(after.split(`"body_${i}"`).length).toBe(text.split(`"body_${i}"`).length),
          );
          // Exactly one gate import, in the file's module style.
          expect(
            after.match(/from "governor\/runtime"|require\("governor\/runtime"\)/g),
          ).toHaveLength(1);
          expect(after.includes('require("governor/runtime")')).toBe(cjs);
          const second = gateSources([{ path, text: after }], opts);
          expect(second.files).toEqual([]);
          expect(second.tools.map((t) => `${t.name}:${t.status}`).sort()).toEqual(
            specs.map((s) => `${s.name}:already-gated`).sort(),
          );
        },
      ),
      { numRuns: 150 },
    );
  });

  it("leaves files without tools untouched and returns nothing for them", () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { maxLength: 5 }), (strings) => {
        const text = `export const values = ${JSON.stringify(strings)};\nexport function execute(x) { return x; }\n`;
        const r = gateSources([{ path: "a.ts", text }], { moduleKind: () => "esm" });
        expect(r.files).toEqual([]);
        expect(r.tools).toEqual([]);
      }),
      { numRuns: 50 },
    );
  });
});
