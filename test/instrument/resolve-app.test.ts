// Framework specifiers resolve from the app's entrypoint as Node would, not from governor's files.
import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import {
  declaredDependencies,
  resolveCjsFrom,
  resolveEsmFrom,
} from "../../src/runtime/resolve-app.js";

function pkg(dir: string, json: object, files: string[]): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "package.json"), JSON.stringify(json));
  for (const f of files) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), "module.exports = {};");
  }
}

describe("resolveEsmFrom", () => {
  const app = realpathSync(mkdtempSync(path.join(tmpdir(), "gov-resolve-")));
  const entry = path.join(app, "src", "index.mjs");
  mkdirSync(path.dirname(entry), { recursive: true });
  writeFileSync(entry, "");
  writeFileSync(
    path.join(app, "package.json"),
    JSON.stringify({ dependencies: { fw: "1" }, devDependencies: { "@s/core": "1" } }),
  );
  pkg(
    path.join(app, "node_modules", "fw"),
    {
      exports: {
        ".": {
          types: "./x.d.ts",
          import: { default: "./esm/index.js" },
          require: "./cjs/index.cjs",
        },
        "./tools": { import: "./esm/tools.js", require: "./cjs/tools.cjs" },
      },
    },
    ["esm/index.js", "esm/tools.js", "cjs/index.cjs", "cjs/tools.cjs"],
  );
  pkg(
    path.join(app, "node_modules", "@s", "core"),
    { exports: { "./*": { import: "./dist/esm/*", require: "./dist/cjs/*" } } },
    ["dist/esm/server/index.js", "dist/cjs/server/index.js"],
  );
  // A package installed from a path: a symlink. Node loads it by its real path.
  const real = path.join(app, "elsewhere", "linked");
  pkg(real, { main: "main.js" }, ["main.js"]);
  symlinkSync(real, path.join(app, "node_modules", "linked"), "dir");

  it("follows conditions in the exports map, in key order (import before require, types skipped)", () => {
    expect(resolveEsmFrom("fw", entry)?.url).toBe(
      pathToFileURL(path.join(app, "node_modules/fw/esm/index.js")).href,
    );
    expect(resolveEsmFrom("fw/tools", entry)?.url).toBe(
      pathToFileURL(path.join(app, "node_modules/fw/esm/tools.js")).href,
    );
    expect(resolveCjsFrom("fw/tools", entry)).toBe(path.join(app, "node_modules/fw/cjs/tools.cjs"));
  });
  it("substitutes ./* patterns (the MCP SDK's exports)", () => {
    expect(resolveEsmFrom("@s/core/server/index.js", entry)?.url).toBe(
      pathToFileURL(path.join(app, "node_modules/@s/core/dist/esm/server/index.js")).href,
    );
  });
  it("gives the real path of a symlinked package, as the ESM loader does", () => {
    expect(resolveEsmFrom("linked", entry)?.url).toBe(
      pathToFileURL(path.join(real, "main.js")).href,
    );
  });
  it("answers null for what is not installed or not exported", () => {
    expect(resolveEsmFrom("absent", entry)).toBeNull();
    expect(resolveEsmFrom("fw/private", entry)).toBeNull();
  });
  it("reads declared dependencies up the tree", () => {
    const deps = declaredDependencies(entry);
    expect([...deps].sort()).toEqual(["@s/core", "fw"]);
  });
});
