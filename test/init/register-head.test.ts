// The register import is placed from a parse of a long entrypoint's head only (its first 2 or 16 KB):
// for any file, the place must be the one a parse of the whole file gives.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseSource, releaseParses } from "../../src/detectors/parse.js";
import { registerImportEdit } from "../../src/init/register-import.js";

// What may open an entrypoint: everything the placement looks at, and lines that continue the
// statement before them (ASI), which a head cut short could read differently.
const LEAD = [
  "#!/usr/bin/env node\n",
  '"use strict";\n',
  '"use server"\n',
  "// @ts-check\n",
  "/*! license header */\n\n",
  "// a plain comment\n",
  'import "dotenv/config";\n',
  'import { config } from "dotenv";\n',
  "config();\n",
  'require("dotenv").config();\n',
  'const express = require("express");\n',
  'import express from "express";\n',
  'import type { X } from "./x";\n',
  'const { a } = await import("./a.js");\n',
  "(async () => {})()\n",
  "`tagged`\n",
  "[1, 2].forEach(() => {})\n",
  "const app = express();\n",
  "export const runtime = 'nodejs';\n",
  "\n",
];
const filler = (n: number) =>
  Array.from(
    { length: n },
    (_, i) => `export function f${i}(a: number) { return a * ${i}; }\n`,
  ).join("");

describe("the register import from an entrypoint's head", () => {
  it("goes where a parse of the whole file puts it", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...LEAD), { maxLength: 12 }),
        fc.integer({ min: 0, max: 900 }),
        fc.constantFrom("esm" as const, "cjs" as const),
        fc.constantFrom("src/index.ts", "server.js", "app.mjs", "main.tsx"),
        (lead, fns, kind, path) => {
          const text = lead.join("") + filler(fns);
          const fast = registerImportEdit(path, text, kind);
          const full = registerImportEdit(path, text, kind, parseSource(path, text));
          releaseParses();
          expect(fast).toEqual(full);
        },
      ),
      { numRuns: 400 },
    );
  });

  it("reads a longer head when the first 2 KB are all imports", () => {
    const imports = Array.from(
      { length: 100 },
      (_, i) => `import { a${i} } from "./m${i}";\n`,
    ).join("");
    const text = imports + 'import "dotenv/config";\nconst app = 1;\n' + filler(400);
    expect(imports.length).toBeGreaterThan(2 * 1024);
    const e = registerImportEdit("src/index.ts", text, "esm");
    expect(e?.start).toBe(text.indexOf("const app"));
  });

  it("reads the whole file when its head is all imports", () => {
    const imports = Array.from(
      { length: 800 },
      (_, i) => `import { a${i} } from "./m${i}";\n`,
    ).join("");
    const text = imports + 'import "dotenv/config";\nconst app = 1;\n';
    expect(text.length).toBeGreaterThan(16 * 1024);
    const e = registerImportEdit("src/index.ts", text, "esm");
    expect(e?.start).toBe(text.indexOf("const app"));
  });
});
