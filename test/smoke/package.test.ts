import { afterAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, existsSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

// A user's app resolves governor by name through package.json "exports": ESM import, CJS require,
// and the register entry, each with its types file. Needs the build (npm test builds first).
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const app = mkdtempSync(path.join(tmpdir(), "governor-pkg-"));
mkdirSync(path.join(app, "node_modules"));
symlinkSync(root, path.join(app, "node_modules", "governor"), "dir");
afterAll(() => rmSync(app, { recursive: true, force: true }));

function node(file: string, source: string, env: Record<string, string> = {}): string {
  writeFileSync(path.join(app, file), source);
  return execFileSync(process.execPath, [file], {
    cwd: app,
    env: { ...process.env, ...env },
    encoding: "utf8",
  });
}

describe("the governor package as users import it", () => {
  it("import from governor/runtime and governor (ESM) gives the gate API", () => {
    const out = node(
      "esm.mjs",
      `import * as rt from "governor/runtime"; import * as main from "governor";
      console.log(JSON.stringify([typeof rt.gate, typeof rt.createGovernor, typeof rt.withActor, rt.gate === main.gate]));`,
    );
    expect(JSON.parse(out)).toEqual(["function", "function", "function", true]);
  });

  it("require('governor/runtime') works for CommonJS apps", () => {
    const out = node(
      "cjs.cjs",
      `const rt = require("governor/runtime");
      console.log(JSON.stringify([typeof rt.gate, typeof rt.check, new rt.GovernorDeniedError({ reason: "r", requestId: "q", tool: "t" }).code]));`,
    );
    expect(JSON.parse(out)).toEqual(["function", "function", "policy_denied"]);
  });

  it("governor/register loads from both module systems without writing to stdout", () => {
    const env = { GOVERNOR_ENFORCE_URL: "http://127.0.0.1:9" };
    expect(node("reg.mjs", `import "governor/register";`, env)).toBe("");
    expect(node("reg.cjs", `require("governor/register");`, env)).toBe("");
  });

  it("ships type declarations for both entries and module systems", () => {
    for (const f of [
      "runtime/index.d.ts",
      "runtime/index.d.cts",
      "register.d.ts",
      "register.d.cts",
    ]) {
      expect(existsSync(path.join(root, "dist", f)), f).toBe(true);
    }
  });
});
