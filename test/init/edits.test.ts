import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { mergeEnvTemplate, envKeys, readEnvTemplate } from "../../src/init/env-template.js";
import { mergeIntentMap } from "../../src/init/intent-map.js";
import { addDependency } from "../../src/init/package-json.js";
import { addRegisterImport, envOrderWarning } from "../../src/init/register-import.js";
import { syntaxError } from "../../src/codemods/syntax.js";
import { inferIntentEntry } from "../../src/runtime/intent.js";

// The text edits init makes besides the codemod: each keeps everything else byte for byte and is
// idempotent.

// Issue 11 added the guards (commented out: off unless turned on).
const RUNTIME_VARS = [
  "GOVERNOR_ENFORCE_URL",
  "GOVERNOR_API_KEY",
  "GOVERNOR_HEADERS",
  "GOVERNOR_TIMEOUT_MS",
  "GOVERNOR_FAIL_MODE",
  "GOVERNOR_MODE",
  "GOVERNOR_CACHE_TTL_MS",
  "GOVERNOR_ACTOR_ID",
  "GOVERNOR_ACTOR_TYPE",
  "GOVERNOR_AUDIT_LOG",
  "GOVERNOR_CONFIG",
  "GOVERNOR_DECISION_KEY",
  "GOVERNOR_DISABLED",
  "GOVERNOR_GUARD",
  "GOVERNOR_GUARD_MODE",
  "GOVERNOR_GUARD_ALLOW",
];

describe("register import", () => {
  const cases: [string, string, "esm" | "cjs", string][] = [
    ["a.ts", "import x from 'y';\n", "esm", "import \"governor/register\";\nimport x from 'y';\n"],
    [
      "a.js",
      "#!/usr/bin/env node\nconst a = require('a');\n",
      "cjs",
      "#!/usr/bin/env node\nrequire(\"governor/register\");\nconst a = require('a');\n",
    ],
    [
      "a.ts",
      "// @ts-nocheck\nimport x from 'y';\n",
      "esm",
      "// @ts-nocheck\nimport \"governor/register\";\nimport x from 'y';\n",
    ],
    [
      "a.ts",
      "/** License */\n\n/** doc */\nexport function f() {}\n",
      "esm",
      '/** License */\nimport "governor/register";\n\n/** doc */\nexport function f() {}\n',
    ],
    [
      "a.ts",
      "/** doc */\nexport function f() {}\n",
      "esm",
      'import "governor/register";\n/** doc */\nexport function f() {}\n',
    ],
    [
      "a.ts",
      '"use server";\r\n\r\nexport async function f() {}\r\n',
      "esm",
      '"use server";\r\nimport "governor/register";\r\n\r\nexport async function f() {}\r\n',
    ],
    ["a.mjs", "", "esm", 'import "governor/register";\n'],
    // governor/register reads the environment when it loads: it goes after what loads .env
    [
      "a.ts",
      "import 'dotenv/config';\nimport express from 'express';\n",
      "esm",
      "import 'dotenv/config';\nimport \"governor/register\";\nimport express from 'express';\n",
    ],
    [
      "a.js",
      "'use strict';\nconst path = require('path');\nrequire('dotenv').config({ path: '.env.local' }); // local first\nconst app = require('./app');\n",
      "cjs",
      "'use strict';\nconst path = require('path');\nrequire('dotenv').config({ path: '.env.local' }); // local first\nrequire(\"governor/register\");\nconst app = require('./app');\n",
    ],
    [
      "a.js",
      "require('dotenv/config')",
      "cjs",
      "require('dotenv/config')\nrequire(\"governor/register\");\n",
    ],
    // a dotenv call in ESM runs after every import anyway: top of file, plus a warning (below)
    [
      "a.mjs",
      "import dotenv from 'dotenv';\ndotenv.config();\n",
      "esm",
      "import \"governor/register\";\nimport dotenv from 'dotenv';\ndotenv.config();\n",
    ],
    // a dotenv call after other code is not a leading env load
    [
      "a.js",
      "const x = 1;\nrequire('dotenv').config();\n",
      "cjs",
      "require(\"governor/register\");\nconst x = 1;\nrequire('dotenv').config();\n",
    ],
  ];
  it.each(cases)("%s %j", (path, input, kind, expected) => {
    const out = addRegisterImport(path, input, kind);
    expect(out).toBe(expected);
    expect(addRegisterImport(path, out, kind)).toBe(out);
    expect(syntaxError(path, out)).toBeNull();
  });

  it("warns when an ES module loads .env with a call, which runs after governor/register reads the environment", () => {
    expect(
      envOrderWarning(
        "src/server.ts",
        "import dotenv from 'dotenv';\nimport x from 'x';\ndotenv.config();\n",
        "esm",
      ),
    ).toMatch(
      /^src\/server\.ts loads \.env with `dotenv\.config\(\);`.*put `import "dotenv\/config";` above `import "governor\/register";`/,
    );
    expect(envOrderWarning("src/server.ts", "import 'dotenv/config';\n", "esm")).toBeNull();
    expect(envOrderWarning("server.js", "require('dotenv').config();\n", "cjs")).toBeNull();
  });

  it("property: only the import line is added, the file still parses, a second pass changes nothing", () => {
    const line = fc.constantFrom(
      "const a = 1;",
      "import x from 'y';",
      "// note",
      "/* block */",
      "function f() { return 2; }",
      "",
      "export {};",
    );
    const header = fc.constantFrom(
      "",
      "#!/usr/bin/env node\n",
      "'use strict';\n",
      '"use client";\n"use server";\n',
    );
    fc.assert(
      fc.property(header, fc.array(line, { maxLength: 6 }), (head, lines) => {
        const input = head + lines.join("\n");
        const out = addRegisterImport("f.mjs", input, "esm");
        expect(
          out
            .replace('import "governor/register";\n', "")
            .replace('import "governor/register";', ""),
        ).toBe(input);
        expect(syntaxError("f.mjs", out)).toBeNull();
        expect(addRegisterImport("f.mjs", out, "esm")).toBe(out);
      }),
      { numRuns: 200 },
    );
  });
});

describe("env template", () => {
  const template = readEnvTemplate();
  it("documents every runtime variable from issue 2", () => {
    expect([...envKeys(template)].sort()).toEqual([...RUNTIME_VARS].sort());
  });

  it("adds only missing keys, never changes existing ones (set or commented), and is idempotent", () => {
    const existing = "DB_URL=postgres://x\n# GOVERNOR_API_KEY=\nGOVERNOR_MODE=observe\n";
    const merged = mergeEnvTemplate(existing, template);
    expect(merged.startsWith(existing)).toBe(true);
    expect(merged.match(/GOVERNOR_MODE=/g)).toHaveLength(1);
    expect(merged.match(/GOVERNOR_API_KEY=/g)).toHaveLength(1);
    expect(merged).toMatch(/^# Base URL[^\n]*\n[^\n]*\nGOVERNOR_ENFORCE_URL=$/m);
    expect(mergeEnvTemplate(merged, template)).toBe(merged);
    expect(mergeEnvTemplate("A=1", template).startsWith("A=1\n\n# --- governor")).toBe(true);
  });
});

describe("intent map", () => {
  it("adds an entry per new tool from the runtime's inference and keeps existing entries and keys", () => {
    const existing =
      '{\n  "defaults": { "layer": "L4" },\n  "tools": {\n    "send_email": { "action": "notify" }\n  }\n}\n';
    const merged = mergeIntentMap(existing, ["send_email", "delete_user"], inferIntentEntry)!;
    const parsed = JSON.parse(merged);
    expect(parsed.defaults).toEqual({ layer: "L4" });
    expect(parsed.tools.send_email).toEqual({ action: "notify" });
    expect(parsed.tools.delete_user).toEqual(
      JSON.parse(JSON.stringify(inferIntentEntry("delete_user"))),
    );
    expect(
      merged.startsWith(
        '{\n  "defaults": { "layer": "L4" },\n  "tools": {\n    "send_email": { "action": "notify" },\n',
      ),
    ).toBe(true);
    expect(mergeIntentMap(merged, ["send_email", "delete_user"], inferIntentEntry)).toBe(merged);
    expect(mergeIntentMap(null, [], inferIntentEntry)).toBeNull();
  });

  it("refuses to touch a config that is not valid JSON", () => {
    expect(() => mergeIntentMap("{ nope", ["a"], inferIntentEntry)).toThrow(/not valid JSON/);
    expect(() => mergeIntentMap('{"tools": []}', ["a"], inferIntentEntry)).toThrow(
      /"tools" must be an object/,
    );
  });
});

describe("package.json dependency", () => {
  it("inserts in sorted position, keeps compact or expanded layout, never re-adds", () => {
    expect(
      addDependency(
        '{\n  "dependencies": {\n    "ai": "^6",\n    "zod": "^4"\n  }\n}\n',
        "file:../governor",
      ),
    ).toBe(
      '{\n  "dependencies": {\n    "ai": "^6",\n    "governor": "file:../governor",\n    "zod": "^4"\n  }\n}\n',
    );
    expect(
      addDependency(
        '{ "name": "x", "dependencies": { "next": "15", "ai": "^6" } }',
        "file:../governor",
      ),
    ).toBe(
      '{ "name": "x", "dependencies": { "next": "15", "ai": "^6", "governor": "file:../governor" } }',
    );
    expect(addDependency('{\n    "name": "x"\n}\n', "file:../governor")).toBe(
      '{\n    "name": "x",\n    "dependencies": {\n        "governor": "file:../governor"\n    }\n}\n',
    );
    const declared = '{ "devDependencies": { "governor": "file:.." } }';
    expect(addDependency(declared, "file:../governor")).toBe(declared);
  });
});
