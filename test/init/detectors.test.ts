import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { scriptFiles, findEntrypoints } from "../../src/detectors/entrypoints.js";
import { listSourceFiles } from "../../src/detectors/files.js";
import { detectPackageManager } from "../../src/detectors/package-manager.js";
import { detectProject, moduleKindOf } from "../../src/detectors/project.js";
import { readWorkspace } from "../../src/detectors/workspaces.js";

// Detectors read a project and never write; these run on small trees made in temp dirs.

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "governor-detect-"));
  dirs.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe("package manager", () => {
  it("reads lockfiles, prefers the packageManager field, honours the override", () => {
    expect(detectPackageManager(tree({ "package.json": "{}", "yarn.lock": "" })).name).toBe("yarn");
    expect(detectPackageManager(tree({ "package.json": "{}", "bun.lock": "" })).name).toBe("bun");
    expect(
      detectPackageManager(
        tree({ "package.json": '{"packageManager":"pnpm@9.1.0"}', "package-lock.json": "{}" }),
      ),
    ).toMatchObject({ name: "pnpm", source: "packageManager field" });
    expect(
      detectPackageManager(tree({ "package.json": "{}", "yarn.lock": "" }), "npm"),
    ).toMatchObject({ name: "npm", source: "flag" });
    expect(detectPackageManager(tree({ "package.json": "{}" })).source).toBe("default");
  });

  it("warns and names the flag when lockfiles of several managers exist", () => {
    const info = detectPackageManager(
      tree({ "package.json": "{}", "pnpm-lock.yaml": "", "package-lock.json": "{}" }),
    );
    expect(info.name).toBe("pnpm");
    expect(info.warnings[0]).toContain("--package-manager");
  });

  it("a workspace member uses the root's lockfile; a standalone package ignores lockfiles above it", () => {
    const root = tree({
      "package.json": '{"workspaces":["apps/*"]}',
      "yarn.lock": "",
      "apps/bot/package.json": "{}",
      "examples/demo/package.json": "{}",
    });
    expect(detectProject(join(root, "apps/bot")).packageManager).toMatchObject({
      name: "yarn",
      root,
    });
    expect(detectProject(join(root, "examples/demo")).packageManager).toMatchObject({
      name: "npm",
      source: "default",
      root: join(root, "examples/demo"),
    });
  });
});

describe("workspaces", () => {
  it("reads pnpm-workspace.yaml and package.json workspaces (array and object form, negations)", () => {
    const pnpm = tree({
      "package.json": "{}",
      "pnpm-workspace.yaml": "packages:\n  - 'apps/*'\n  - 'libs/**'\n  - '!libs/legacy'\n",
      "apps/a/package.json": "{}",
      "libs/x/y/package.json": "{}",
      "libs/legacy/package.json": "{}",
      "other/package.json": "{}",
    });
    expect(readWorkspace(pnpm)!.packages.map((p) => p.slice(pnpm.length + 1))).toEqual([
      "apps/a",
      "libs/x/y",
    ]);
    const yarn = tree({
      "package.json": '{"workspaces":{"packages":["pkgs/*"]}}',
      "pkgs/one/package.json": "{}",
    });
    expect(readWorkspace(yarn)!.packages).toEqual([join(yarn, "pkgs/one")]);
    expect(readWorkspace(tree({ "package.json": "{}" }))).toBeNull();
  });
});

describe("source files", () => {
  const root = tree({
    "package.json": "{}",
    "src/a.ts": "",
    "src/b.mjs": "",
    "src/a.test.ts": "",
    "src/types.d.ts": "",
    "src/__tests__/c.ts": "",
    "test/d.ts": "",
    "dist/index.js": "",
    "node_modules/x/index.js": "",
    "lib/out.js": "",
    "src/gen.generated.ts": "",
    "README.md": "",
    "nested/package.json": "{}",
    "nested/index.ts": "",
  });

  it("skips tests, build output, generated files, node_modules and nested packages", () => {
    expect(listSourceFiles(root)).toEqual(["lib/out.js", "src/a.ts", "src/b.mjs"]);
    expect(listSourceFiles(root, { outputDirs: ["lib"] })).toEqual(["src/a.ts", "src/b.mjs"]);
  });

  it("--include narrows (and can reach default-skipped dirs); --exclude removes", () => {
    expect(listSourceFiles(root, { include: ["test/**"] })).toEqual(["test/d.ts"]);
    expect(listSourceFiles(root, { exclude: ["src/*.mjs", "lib/**"] })).toEqual(["src/a.ts"]);
  });

  it("globs may name paths from the run root (a workspace package's prefix)", () => {
    expect(listSourceFiles(root, { prefix: "packages/x", exclude: ["packages/x/src/**"] })).toEqual(
      ["lib/out.js"],
    );
  });

  it("drops files whose header says they are generated", () => {
    const gen = tree({
      "package.json": "{}",
      "src/api.ts": "// @generated by openapi\nexport {}\n",
      "src/x.ts": "export {}\n",
    });
    expect(detectProject(gen).packages[0].sources.map((s) => s.path)).toEqual(["src/x.ts"]);
  });
});

describe("entrypoints", () => {
  it("finds script targets through runners and flags", () => {
    expect(scriptFiles("tsx watch src/server.ts")).toEqual(["src/server.ts"]);
    expect(scriptFiles("node --import tsx ./src/main.ts")).toEqual(["src/main.ts"]);
    expect(scriptFiles("npm run build && node dist/index.js")).toEqual(["dist/index.js"]);
    expect(scriptFiles("next dev")).toEqual([]);
  });

  it("maps build output back to source, reads bin/exports, falls back to conventional files", () => {
    const sources = ["src/index.ts", "src/cli.ts", "server.js"].map((path) => ({ path, text: "" }));
    expect(
      findEntrypoints({ main: "dist/index.js", bin: { x: "./dist/cli.js" } }, sources, false),
    ).toEqual([
      { file: "src/index.ts", reason: 'package.json "main"' },
      { file: "src/cli.ts", reason: 'package.json "bin.x"' },
    ]);
    expect(
      findEntrypoints(
        { exports: { ".": { import: "./dist/index.mjs", types: "./dist/index.d.ts" } } },
        sources,
        false,
      ),
    ).toEqual([{ file: "src/index.ts", reason: 'package.json "exports"' }]);
    expect(findEntrypoints({}, sources, false)).toEqual([
      { file: "src/index.ts", reason: "conventional entry file" },
    ]);
  });

  it("reads every script that starts the app (dev:server, start:prod, serve:api), not only start, dev and serve", () => {
    const sources = ["src/server/index.ts", "src/api.ts", "src/worker.ts", "scripts/seed.js"].map(
      (path) => ({ path, text: "" }),
    );
    const scripts = {
      build: "tsc -p .",
      "dev:server": "tsx src/server/index.ts",
      "start:prod": "NODE_ENV=production node dist/server/index.js",
      "serve:api": "nodemon --watch src src/api.ts",
      "dev:all": 'concurrently "tsx watch src/worker.ts" "vite"',
      seed: "node scripts/seed.js",
    };
    expect(findEntrypoints({ scripts }, sources, false)).toEqual([
      { file: "src/server/index.ts", reason: "scripts.dev:server" },
      { file: "src/api.ts", reason: "scripts.serve:api" },
      { file: "src/worker.ts", reason: "scripts.dev:all" },
    ]);
    // start, dev and serve still come first, whatever the order in package.json
    expect(
      findEntrypoints(
        { scripts: { "dev:server": "tsx src/api.ts", start: "node src/server/index.ts" } },
        sources,
        false,
      ).map((e) => e.reason),
    ).toEqual(["scripts.start", "scripts.dev:server"]);
  });
});

describe("module kind", () => {
  it("by extension, then by the syntax the file uses, then by package type", () => {
    expect(moduleKindOf("a.mjs", "", "cjs")).toBe("esm");
    expect(moduleKindOf("a.cjs", "", "esm")).toBe("cjs");
    expect(moduleKindOf("a.js", 'const x = require("x");', "esm")).toBe("cjs");
    expect(moduleKindOf("a.js", 'import x from "x";', "cjs")).toBe("esm");
    expect(moduleKindOf("a.js", "console.log(1)", "esm")).toBe("esm");
    expect(moduleKindOf("a.js", "console.log(1)", "cjs")).toBe("cjs");
    expect(moduleKindOf("a.ts", "console.log(1)", "cjs")).toBe("esm");
    expect(moduleKindOf("a.cts", "console.log(1)", "esm")).toBe("cjs");
  });
});

describe("tsconfig paths", () => {
  it("are read (comments allowed, baseUrl applied) so aliased imports can be followed; targets outside the package are dropped", () => {
    const root = tree({
      "package.json": "{}",
      "tsconfig.json":
        '{\n  // Next.js default\n  "compilerOptions": { "baseUrl": "./src", "paths": { "@/*": ["./*"], "~lib": ["lib/index.ts"], "@shared/*": ["../../shared/*"] } }\n}',
      "src/lib/index.ts": "export {};",
    });
    expect(detectProject(root).packages[0].pathAliases).toEqual([
      { pattern: "@/*", targets: ["src/*"] },
      { pattern: "~lib", targets: ["src/lib/index.ts"] },
    ]);
  });
});
