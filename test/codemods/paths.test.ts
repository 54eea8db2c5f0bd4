// Paths come back exactly as the caller spelled them (absolute, "./"-prefixed, Windows separators),
// and cross-file lookups still work with any of those spellings.
import { expect, it } from "vitest";
import { gateSources } from "../../src/codemods/index.js";

const tool = `import { tool } from "ai";\nimport { z } from "zod";\nexport const sendEmail = tool({ description: "d", inputSchema: z.object({}), execute: async () => "ok" });\n`;
const registry = `import { sendEmail } from "./email.js";\nexport const tools = { send_email: sendEmail };\n`;

it.each([
  ["absolute", "/repo/src/email.ts", "/repo/src/registry.ts", "/repo/src/broken.ts"],
  ["dot-relative", "./src/email.ts", "./src/registry.ts", "./src/broken.ts"],
  ["windows", "src\\email.ts", "src\\registry.ts", "src\\broken.ts"],
])("%s paths", (_, email, reg, broken) => {
  const r = gateSources(
    [
      { path: email, text: tool },
      { path: reg, text: registry },
      { path: broken, text: "export const x = tool({ execute: async () => { ;" },
    ],
    { moduleKind: () => "esm" },
  );
  expect(r.files.map((f) => f.path)).toEqual([email]);
  expect(r.tools).toEqual([
    expect.objectContaining({
      file: email,
      name: "send_email",
      nameConfidence: "high",
      status: "gated",
    }),
  ]);
  expect(r.warnings).toHaveLength(1);
  expect(r.warnings[0].startsWith(`${broken}: skipped, it does not parse`)).toBe(true);
});
