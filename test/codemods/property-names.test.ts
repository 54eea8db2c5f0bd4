// Property test for AI SDK names across files: tools defined in one file, registered under keys in
// another (directly, through a barrel, aliased, or shorthand), found with the key the model sees.
import fc from "fast-check";
import { expect, it } from "vitest";
import { gateSources } from "../../src/codemods/index.js";

// A shorthand key is also a variable name: reserved words (`var`, `new`, ...) would make the
// generated program itself invalid, which is not what this property is about.
const RESERVED = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export extends " +
    "false finally for function if import in instanceof new null return super switch this throw " +
    "true try typeof var void while with yield let static implements interface package private " +
    "protected public await arguments eval undefined"
  ).split(" "),
);
const key = fc.stringMatching(/^[a-z][a-z0-9_]{0,12}$/).filter((k) => !RESERVED.has(k));

it("names each AI SDK tool by the key it is registered under, wherever that is", () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(
        fc.record({
          key,
          how: fc.constantFrom("direct", "barrel", "alias", "shorthand", "unregistered"),
        }),
        {
          minLength: 1,
          maxLength: 6,
          selector: (t) => t.key,
        },
      ),
      fc.boolean(),
      (tools, starBarrel) => {
        const inputs: { path: string; text: string }[] = [];
        const imports: string[] = [];
        const entries: string[] = [];
        const barrel: string[] = [];
        tools.forEach((t, i) => {
          const v = t.how === "shorthand" ? t.key : `tool${i}`;
          inputs.push({
            path: `src/tools/t${i}.ts`,
            text: `import { tool } from "ai";\nimport { z } from "zod";\n\nexport const ${v} = tool({\n  description: "t${i}",\n  inputSchema: z.object({}),\n  execute: async () => "r${i}",\n});\n`,
          });
          if (t.how === "unregistered") return;
          if (t.how === "direct" || t.how === "shorthand")
            imports.push(`import { ${v} } from "./tools/t${i}.js";`);
          else if (t.how === "alias") {
            barrel.push(
              starBarrel
                ? `export * from "./t${i}.js";`
                : `export { ${v} as renamed${i} } from "./t${i}.js";`,
            );
            imports.push(
              `import { ${starBarrel ? v : `renamed${i} as local${i}`} } from "./tools/index.js";`,
            );
          } else {
            barrel.push(
              starBarrel ? `export * from "./t${i}.js";` : `export { ${v} } from "./t${i}.js";`,
            );
            imports.push(`import { ${v} } from "./tools/index.js";`);
          }
          const ref = t.how === "alias" && !starBarrel ? `local${i}` : v;
          entries.push(t.how === "shorthand" ? `  ${v},` : `  ${t.key}: ${ref},`);
        });
        if (barrel.length)
          inputs.push({ path: "src/tools/index.ts", text: barrel.join("\n") + "\n" });
        // The registry imports no framework and never says "execute": only the cross-file lookup finds it.
        inputs.push({
          path: "src/registry.ts",
          text: `${imports.join("\n")}\n\nexport const toolset = {\n${entries.join("\n")}\n};\n`,
        });

        const r = gateSources(inputs, { moduleKind: () => "esm" });
        expect(r.warnings).toEqual([]);
        const byFile = new Map(r.tools.map((t) => [t.file, t]));
        tools.forEach((t, i) => {
          const f = byFile.get(`src/tools/t${i}.ts`)!;
          expect(f.status).toBe("gated");
          if (t.how === "unregistered") {
            expect([f.name, f.nameConfidence]).toEqual([`tool${i}`, "low"]);
          } else expect([f.name, f.nameConfidence]).toEqual([t.key, "high"]);
          const out = r.files.find((x) => x.path === `src/tools/t${i}.ts`)!.after;
          expect(out).toContain(
            `execute: gate(${JSON.stringify(f.name)}, async () => "r${i}", { input: "first" })`,
          );
        });
        expect(r.files.map((x) => x.path).filter((p) => !p.startsWith("src/tools/t"))).toEqual([]);
      },
    ),
    { numRuns: 100 },
  );
});
