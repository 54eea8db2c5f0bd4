import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cleanupTemp,
  copyFixture,
  FIXTURES as FIXTURE_ROOT,
  git,
  gitInit,
  json,
  read,
  REPO,
  corruptWrite,
  runInit,
  snapshot,
  ensureBuilt,
} from "./helpers.js";

// End to end: the real CLI (node bin/governor.js init) on copies of the fixture projects.

beforeAll(() => ensureBuilt(), 120_000);
afterAll(cleanupTemp);

function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else out.push(relative(root, join(d, e.name)));
    }
  };
  walk(root);
  return out.sort();
}

/**
 * A written file with the governor dependency made machine-independent: init links the app to the
 * checkout it runs from (file:<path relative to that package.json>), which must resolve to this repo.
 */
function portable(dir: string, path: string): string {
  return read(dir, path).replace(/"governor": "file:([^"]+)"/g, (_, rel: string) => {
    expect(realpathSync(resolve(dir, dirname(path), rel)), `${path} governor spec`).toBe(
      realpathSync(REPO),
    );
    return '"governor": "file:<this checkout>"';
  });
}

const FIXTURES = [
  "ts-esm-npm",
  "js-cjs-yarn",
  "js-esm-pnpm",
  "monorepo",
  "syntax-error",
  "already-gated",
  "next-app",
];
const APPLY = ["--yes", "--json", "--no-install"];

describe.each(FIXTURES)("fixture %s", (name) => {
  it("applies, is idempotent on a second run, and undoes byte for byte", () => {
    const dir = copyFixture(name);
    gitInit(dir);
    const original = snapshot(dir);

    // next-app has an Edge route holding a tool: refused without --allow-edge (test/init/edge-route.test.ts)
    const edge = name === "next-app" ? ["--allow-edge"] : [];
    const first = runInit([...APPLY, ...edge, "--cwd", dir]);
    expect(first.code, first.stderr).toBe(0);
    const report = json(first);
    // every file the report says changed did change, and nothing else did
    const afterFirst = snapshot(dir);
    for (const f of report.files) {
      if (f.action === "unchanged") expect(afterFirst.get(f.path)).toBe(original.get(f.path));
      else if (f.action === "create") expect(original.has(f.path)).toBe(false);
      else expect(afterFirst.get(f.path)).not.toBe(original.get(f.path));
    }

    // the result is exactly the expected output files (GOVERNOR_UPDATE_EXPECTED=1 rewrites them)
    const expectedDir = join(FIXTURE_ROOT, "_expected", name);
    const changed = report.files
      .filter((f) => f.action !== "unchanged")
      .map((f) => f.path)
      .sort();
    if (process.env.GOVERNOR_UPDATE_EXPECTED) {
      rmSync(expectedDir, { recursive: true, force: true });
      for (const path of changed) {
        mkdirSync(dirname(join(expectedDir, path)), { recursive: true });
        writeFileSync(join(expectedDir, path), portable(dir, path));
      }
    }
    expect(changed).toEqual(existsSync(expectedDir) ? listFiles(expectedDir) : []);
    for (const path of changed)
      expect(portable(dir, path), path).toBe(readFileSync(join(expectedDir, path), "utf8"));

    const second = runInit([...APPLY, ...edge, "--allow-dirty", "--cwd", dir]);
    expect(second.code, second.stderr).toBe(0);
    const again = json(second);
    expect(again.tools.every((t) => t.status === "already-gated" || t.status === "manual")).toBe(
      true,
    );
    expect(again.tools.filter((t) => t.status !== "manual").length).toBe(
      report.tools.filter((t) => t.status !== "manual").length,
    );
    expect(again.entrypoints.every((e) => e.status !== "added")).toBe(true);
    expect(again.files.every((f) => f.action === "unchanged")).toBe(true);
    expect(again.dependencies.every((d) => d.status === "already-declared")).toBe(true);
    const afterSecond = snapshot(dir);
    for (const [path, bytes] of afterFirst)
      if (!path.startsWith(".governor")) expect(afterSecond.get(path), path).toBe(bytes);

    const undo = runInit(["--undo", "--cwd", dir]);
    if (report.files.some((f) => f.action !== "unchanged")) {
      expect(undo.code, undo.stderr).toBe(0);
      expect(snapshot(dir)).toEqual(original);
      expect(existsSync(join(dir, ".governor"))).toBe(false);
      expect(git(dir, "status", "--porcelain")).toBe("");
    } else {
      // nothing was changed, so nothing was backed up
      expect(undo.code).toBe(2);
      expect(undo.stderr).toContain("nothing_to_undo");
    }
  });
});

describe("what init writes", () => {
  it("TS/ESM/npm: register import first, env template, dependency, npm install command", () => {
    const dir = copyFixture("ts-esm-npm");
    const r = runInit([...APPLY, "--cwd", dir]);
    expect(r.code, r.stderr).toBe(0);
    const report = json(r);
    expect(report.entrypoints).toEqual([{ file: "src/index.ts", status: "added" }]);
    expect(
      read(dir, "src/index.ts").startsWith(
        'import "governor/register";\n// Support agent entry.\n',
      ),
    ).toBe(true);
    const env = read(dir, ".env.example");
    for (const key of [
      "GOVERNOR_ENFORCE_URL",
      "GOVERNOR_API_KEY",
      "GOVERNOR_FAIL_MODE",
      "GOVERNOR_TIMEOUT_MS",
      "GOVERNOR_AUDIT_LOG",
      "GOVERNOR_CONFIG",
      "GOVERNOR_DISABLED",
    ]) {
      expect(env).toMatch(new RegExp(`^${key}=`, "m"));
    }
    // Commented out: the kill switch then has no explicit mode to override.
    expect(env).toMatch(/^# GOVERNOR_MODE=enforce$/m);
    const pkg = JSON.parse(read(dir, "package.json"));
    // the checkout this CLI runs from, relative to package.json (test/init/dependency-spec.test.ts)
    expect(realpathSync(resolve(dir, pkg.dependencies.governor.replace(/^file:/, "")))).toBe(
      realpathSync(REPO),
    );
    expect(report.dependencies).toEqual([
      {
        name: "governor",
        range: pkg.dependencies.governor,
        source: `the local checkout at ${realpathSync(REPO)}`,
        package: ".",
        status: "added",
        install: "skipped",
        command: "npm install",
      },
    ]);
    expect(
      report.tools.map(({ file, name, framework, status }) => ({ file, name, framework, status })),
    ).toEqual([
      { file: "src/tools.ts", name: "get_order", framework: "ai-sdk", status: "gated" },
      { file: "src/tools.ts", name: "refund_payment", framework: "ai-sdk", status: "gated" },
    ]);
    for (const t of report.tools) {
      expect(Object.keys(t).sort()).toEqual([
        "file",
        "form",
        "framework",
        "line",
        "name",
        "nameConfidence",
        "status",
      ]);
      expect(t.nameConfidence).toBe("high"); // registered under a key in a tools object
      // `line` is where the definition itself starts, not a JSDoc comment above it
      expect(read(dir, "src/tools.ts").split("\n")[t.line - 1]).toMatch(/tool\(/);
    }
    expect(read(dir, "src/tools.ts")).toContain('execute: gate("get_order", async ({ orderId })');
    const config = JSON.parse(read(dir, "governor.config.json"));
    expect(Object.keys(config.tools)).toEqual(["get_order", "refund_payment"]);
    expect(config.tools.refund_payment.action).toBe("refund");
    // the test file is not scanned, not an entrypoint, not rewritten
    expect(read(dir, "src/index.test.ts")).not.toContain("governor");
    expect(report.files.find((f) => f.path === ".env.example")?.action).toBe("create");
  });

  it('JS/CJS/yarn: require after shebang and "use strict", existing env keys kept', () => {
    const dir = copyFixture("js-cjs-yarn");
    const r = runInit([...APPLY, "--cwd", dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(read(dir, "server.js").split("\n").slice(0, 3)).toEqual([
      "#!/usr/bin/env node",
      '"use strict";',
      'require("governor/register");',
    ]);
    const env = read(dir, ".env.example");
    expect(
      env.startsWith("OPENAI_API_KEY=\n# keep observe while we try it\nGOVERNOR_MODE=observe\n"),
    ).toBe(true);
    expect(env.match(/^GOVERNOR_MODE=/gm)).toHaveLength(1);
    expect(env).toMatch(/^GOVERNOR_ENFORCE_URL=$/m);
    const report = json(r);
    expect(report.dependencies[0].command).toBe("yarn install");
    expect(
      report.tools
        .filter((t) => t.status === "gated")
        .map((t) => t.name)
        .sort(),
    ).toEqual(["lookup_customer", "send_invoice"]);
    const manual = report.tools.filter((t) => t.status === "manual");
    expect(manual).toHaveLength(1);
    expect(manual[0].file).toBe("lib/legacy.js");
    expect(manual[0].reason).toBeTruthy();
    expect(read(dir, "lib/legacy.js")).toContain("// governor:");
    expect(read(dir, "lib/agent.js")).toContain('const { gate } = require("governor/runtime");');

    // the human summary lists the manual site and the next steps
    const again = copyFixture("js-cjs-yarn");
    const text = runInit(["--yes", "--no-install", "--cwd", again]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain("openai: 2 gated, 1 manual");
    expect(text.stdout).toMatch(/Manual sites[^\n]*\n\s+lib\/legacy\.js:\d+/);
    expect(text.stdout).toContain("Run `governor doctor`");
    expect(text.stdout).not.toContain("npx tsc --noEmit"); // JavaScript: no type-check step
    expect(text.stdout).toMatch(/Originals saved in \.governor\/backup\/[^/]+\//);
    expect(text.stdout).toContain("Install the runtime: `yarn install`");
  });

  it("pnpm project with a governor.config.json keeps existing entries; --package-manager overrides", () => {
    const dir = copyFixture("js-esm-pnpm");
    const r = runInit([...APPLY, "--cwd", dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(json(r).dependencies[0].command).toBe("pnpm install");
    const config = JSON.parse(read(dir, "governor.config.json"));
    expect(config.defaults).toEqual({ actor: { id: "files-bot", type: "agent" } });
    expect(config.tools.read_file).toEqual({ action: "read", resource: { type: "file" } });
    expect(config.tools.delete_file.action).toBe("delete");
    // the user's compact formatting is kept: only the new entry is inserted
    expect(read(dir, "governor.config.json")).toContain(
      '"actor": { "id": "files-bot", "type": "agent" }',
    );
    expect(
      read(dir, "src/main.mjs").startsWith('import "governor/register";\nimport { McpServer }'),
    ).toBe(true);

    const other = copyFixture("js-esm-pnpm");
    const o = runInit([...APPLY, "--package-manager", "npm", "--cwd", other]);
    expect(json(o).dependencies[0].command).toBe("npm install");
  });

  it("monorepo: runs per workspace package, skips negated ones; --cwd runs one package", () => {
    const dir = copyFixture("monorepo");
    const r = runInit([...APPLY, "--cwd", dir]);
    expect(r.code, r.stderr).toBe(0);
    const report = json(r);
    expect(report.entrypoints).toEqual([
      { file: "packages/agent/src/index.ts", status: "added" },
      { file: "packages/mcp-server/server.js", status: "added" },
    ]);
    expect(report.dependencies.map((d) => d.package)).toEqual([
      "packages/agent",
      "packages/mcp-server",
    ]);
    expect(existsSync(join(dir, "packages/agent/.env.example"))).toBe(true);
    expect(read(dir, "packages/shared/package.json")).not.toContain("governor");
    expect(read(dir, "package.json")).not.toContain("governor");
    // compact package.json formatting is kept: only the dependency is inserted
    expect(read(dir, "packages/agent/package.json")).toContain(
      '"dependencies": { "ai": "^6.0.0", "governor": ',
    );

    const one = copyFixture("monorepo");
    const r1 = runInit([...APPLY, "--cwd", join(one, "packages/mcp-server")]);
    expect(r1.code, r1.stderr).toBe(0);
    expect(json(r1).entrypoints).toEqual([{ file: "server.js", status: "added" }]);
    expect(read(one, "packages/agent/src/index.ts")).not.toContain("governor");
  });

  it("a file that does not parse is skipped with a warning naming it; the rest proceeds", () => {
    const dir = copyFixture("syntax-error");
    const r = runInit([...APPLY, "--cwd", dir]);
    expect(r.code, r.stderr).toBe(0);
    const report = json(r);
    expect(report.entrypoints).toEqual([
      { file: "src/index.js", status: "added" },
      { file: "bin/cli.js", status: "skipped" },
    ]);
    expect(report.warnings.some((w) => w.includes("bin/cli.js"))).toBe(true);
    expect(read(dir, "bin/cli.js")).not.toContain("governor");
    expect(read(dir, "src/index.js").startsWith('import "governor/register";')).toBe(true);
  });

  it('Next.js: route handlers and server actions are entrypoints; "use server" stays first', () => {
    const dir = copyFixture("next-app");
    const r = runInit([...APPLY, "--allow-edge", "--cwd", dir]);
    expect(r.code, r.stderr).toBe(0);
    const report = json(r);
    expect(report.entrypoints.map((e) => e.file).sort()).toEqual([
      "app/actions/tickets.ts",
      "app/api/chat/route.ts",
      "app/api/edge/route.ts",
    ]);
    expect(
      read(dir, "app/actions/tickets.ts").startsWith(
        '"use server";\nimport "governor/register";\n',
      ),
    ).toBe(true);
    // an Edge route cannot load governor: no register import, its tool marked, and a warning that says why
    expect(report.entrypoints.find((e) => e.file === "app/api/edge/route.ts")?.status).toBe(
      "skipped",
    );
    expect(read(dir, "app/api/edge/route.ts")).not.toContain('import "governor/register"');
    expect(read(dir, "app/api/edge/route.ts")).not.toContain("gate(");
    expect(report.tools.find((t) => t.name === "track_parcel")).toMatchObject({
      status: "manual",
      reason: expect.stringContaining("Edge runtime"),
    });
    expect(
      report.warnings.some((w) => w.startsWith("app/api/edge/route.ts runs on the Edge runtime")),
    ).toBe(true);
    expect(read(dir, "app/page.tsx")).not.toContain("governor");
  });

  it("already-gated project: nothing to change on the first run", () => {
    const dir = copyFixture("already-gated");
    const before = snapshot(dir);
    const r = runInit(["--json", "--no-install", "--cwd", dir]);
    expect(r.code, r.stderr).toBe(0);
    const report = json(r);
    expect(report.entrypoints).toEqual([{ file: "src/index.js", status: "already-present" }]);
    expect(report.files.every((f) => f.action === "unchanged")).toBe(true);
    expect(snapshot(dir)).toEqual(before);
  });

  it("--framework restricts which tools are gated", () => {
    const dir = copyFixture("monorepo");
    const r = runInit([...APPLY, "--framework", "mcp", "--cwd", dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(json(r).tools.map((t) => [t.framework, t.name, t.status])).toEqual([
      ["mcp", "send_email", "gated"],
    ]);
    expect(read(dir, "packages/agent/src/index.ts")).not.toContain("gate(");
    const bad = runInit(["--framework", "crewai", "--cwd", dir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("Allowed choices are ai-sdk");
  });

  it("--exclude keeps a file out of everything", () => {
    const dir = copyFixture("ts-esm-npm");
    const r = runInit([...APPLY, "--exclude", "src/index.ts", "--cwd", dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(read(dir, "src/index.ts")).not.toContain("governor");
    expect(json(r).entrypoints).toEqual([]);
  });
});

describe("safety", () => {
  it("refuses a dirty git tree, names --allow-dirty, and writes nothing", () => {
    const dir = copyFixture("ts-esm-npm");
    gitInit(dir);
    writeFileSync(join(dir, "src/index.ts"), read(dir, "src/index.ts") + "// wip\n");
    const before = snapshot(dir);
    const r = runInit(["--yes", "--no-install", "--cwd", dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("dirty_tree");
    expect(r.stderr).toContain("--allow-dirty");
    expect(r.stderr).toContain("src/index.ts");
    expect(snapshot(dir)).toEqual(before);
    // --json callers get the error as JSON on stdout too
    const asJson = runInit(["--yes", "--json", "--no-install", "--cwd", dir]);
    expect(asJson.code).toBe(2);
    expect(json<{ error: { code: string; fix: string } }>(asJson).error).toMatchObject({
      code: "dirty_tree",
    });
    expect(json<{ error: { code: string; fix: string } }>(asJson).error.fix).toContain(
      "--allow-dirty",
    );

    const ok = runInit(["--yes", "--no-install", "--allow-dirty", "--cwd", dir]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(read(dir, "src/index.ts")).toContain('import "governor/register"');
  });

  it("non-interactive without --yes prints the plan and exits non-zero without writing", () => {
    const dir = copyFixture("js-cjs-yarn");
    const before = snapshot(dir);
    const r = runInit(["--no-install", "--cwd", dir], { CI: "true" });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain("server.js: added");
    expect(r.stderr).toContain("needs_confirmation");
    expect(r.stderr).toContain("--yes");
    expect(snapshot(dir)).toEqual(before);

    const j = runInit(["--json", "--no-install", "--cwd", dir]);
    expect(j.code).toBe(2);
    expect(json(j).entrypoints).toEqual([{ file: "server.js", status: "added" }]);
    expect(snapshot(dir)).toEqual(before);
  });

  it("a TypeScript project's next steps say to type-check", () => {
    const dir = copyFixture("ts-esm-npm");
    const r = runInit(["--yes", "--no-install", "--allow-dirty", "--cwd", dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Next steps:[\s\S]*Type-check as usual \(`npx tsc --noEmit`\)/);
  });

  it("--dry-run writes nothing and prints unified diffs; --json reports what a real run would do", () => {
    const dir = copyFixture("ts-esm-npm");
    const before = snapshot(dir);
    const r = runInit(["--dry-run", "--cwd", dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("--- a/src/index.ts\n+++ b/src/index.ts");
    expect(r.stdout).toContain('+import "governor/register";');
    expect(r.stdout).toContain("would run: npm install");
    expect(snapshot(dir)).toEqual(before);

    const j = runInit(["--dry-run", "--json", "--cwd", dir]);
    const report = json(j);
    expect(report.entrypoints).toEqual([{ file: "src/index.ts", status: "added" }]);
    expect(report.dependencies[0].install).toBe("planned");
    expect(snapshot(dir)).toEqual(before);
  });

  it("rolls back every file when a changed file no longer parses, naming the file", () => {
    const dir = copyFixture("js-cjs-yarn");
    const before = snapshot(dir);
    const r = runInit(
      ["--yes", "--no-install", "--cwd", dir],
      corruptWrite(join(dir, "server.js")),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("reparse_failed");
    expect(r.stderr).toContain("server.js no longer parses");
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace without --debug
    expect(snapshot(dir)).toEqual(before);
  });

  it("--undo refuses to overwrite edits made after init, unless --allow-dirty", () => {
    const dir = copyFixture("js-cjs-yarn");
    const original = snapshot(dir);
    expect(runInit(["--yes", "--no-install", "--cwd", dir]).code).toBe(0);
    writeFileSync(join(dir, "server.js"), read(dir, "server.js") + "// my later edit\n");
    const refused = runInit(["--undo", "--cwd", dir]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("undo_conflict");
    expect(refused.stderr).toContain("server.js");
    expect(read(dir, "server.js")).toContain("my later edit");
    const forced = runInit(["--undo", "--allow-dirty", "--json", "--cwd", dir]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(json<{ restored: string[]; deleted: string[] }>(forced).deleted).toEqual([
      "governor.config.json",
    ]);
    expect(snapshot(dir)).toEqual(original);
  });

  it("--undo with no backup says so", () => {
    const dir = copyFixture("js-cjs-yarn");
    const r = runInit(["--undo", "--cwd", dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("nothing_to_undo");
  });

  it("a directory without package.json is a clear error", () => {
    const dir = copyFixture("monorepo");
    const r = runInit(["--yes", "--cwd", join(dir, "packages")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("not_a_package");
    expect(r.stderr).toContain("--cwd");
  });
});
