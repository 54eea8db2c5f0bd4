import { spawnSync } from "node:child_process";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CLI,
  cleanupTemp,
  copyFixture,
  ensureBuilt,
  FIXTURES,
  git,
  gitInit,
  json,
  runInit,
  snapshot,
  type Report,
} from "./helpers.js";

// init never writes outside the project (symlinks), names every file it could not read that may hold
// tools (and doctor does too), and keeps every byte it did not edit (BOM, non-UTF-8 text). Real CLI.

beforeAll(() => ensureBuilt(), 120_000);
const outsides: string[] = [];
afterAll(() => {
  cleanupTemp();
  for (const d of outsides.splice(0)) rmSync(d, { recursive: true, force: true });
});

const APPLY = ["--yes", "--json", "--no-install"];
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const TOOL = (name: string) =>
  `import { tool } from "ai";\nimport { z } from "zod";\nexport const ${name} = tool({\n  description: "x",\n  inputSchema: z.object({}),\n  execute: async () => 1,\n});\n`;

function outside(): string {
  const dir = mkdtempSync(join(tmpdir(), "governor-outside-"));
  outsides.push(dir);
  return dir;
}

const bytes = (path: string) => readFileSync(path).toString("base64");

function link(dir: string, path: string, target: string): void {
  rmSync(join(dir, path), { force: true });
  symlinkSync(target, join(dir, path));
}

interface Refused {
  path: string;
  why: string;
  target?: string;
}
interface Skipped {
  path: string;
  why: string;
  reason: string;
}
type Full = Report & {
  refused?: Refused[];
  skipped?: Skipped[];
  error?: { code: string; message: string; fix: string };
  typecheck?: unknown[];
};

function doctorGoverned(dir: string): {
  status: string;
  message: string;
  details: Record<string, unknown>;
} {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith("GOVERNOR_") && k !== "CI") env[k] = v;
  const r = spawnSync(process.execPath, [CLI, "doctor", "--cwd", dir, "--json"], {
    encoding: "utf8",
    env,
    timeout: 60_000,
  });
  const out = JSON.parse(r.stdout) as {
    checks: { id: string; status: string; message: string; details: Record<string, unknown> }[];
  };
  return out.checks.find((c) => c.id === "tools.governed")!;
}

describe("finding 7: init and symlinks", () => {
  it("refuses to write through .gitignore, package.json and .env.example that link out of the project: nothing written, in or out", () => {
    const dir = copyFixture("ts-esm-npm");
    const out = outside();
    writeFileSync(join(out, "gitignore"), "node_modules/\n");
    writeFileSync(join(out, "package.json"), readFileSync(join(dir, "package.json")));
    writeFileSync(join(out, "env.example"), "OTHER=1\n");
    link(dir, ".gitignore", join(out, "gitignore"));
    link(dir, "package.json", join(out, "package.json"));
    link(dir, ".env.example", join(out, "env.example"));
    gitInit(dir);
    const before = snapshot(dir);
    const outBefore = snapshot(out);

    for (const args of [APPLY, ["--dry-run", "--json"]]) {
      const r = runInit([...args, "--cwd", dir]);
      expect(r.code, r.stderr).toBe(2);
      const report = json<Full>(r);
      expect(report.error?.code).toBe("write_refused");
      expect(report.refused!.map((f) => f.path).sort()).toEqual([
        ".env.example",
        ".gitignore",
        "package.json",
      ]);
      for (const f of report.refused!) expect(f.why).toBe("link-outside");
      for (const p of [".gitignore", "package.json", ".env.example"]) expect(r.stderr).toContain(p);
      expect(r.stderr).toContain("fix:");
    }
    expect(snapshot(out)).toEqual(outBefore);
    expect(snapshot(dir)).toEqual(before);
    expect(existsSync(join(dir, ".governor"))).toBe(false);
    expect(git(dir, "status", "--porcelain")).toBe("");
  });

  it("refuses a dangling link (its target outside is never created) and a workspace package linked in from outside", () => {
    const dir = copyFixture("ts-esm-npm");
    const out = outside();
    symlinkSync(join(out, "new.env"), join(dir, ".env.example"));
    gitInit(dir);
    const r = runInit([...APPLY, "--cwd", dir]);
    expect(r.code, r.stderr).toBe(2);
    expect(json<Full>(r).refused).toEqual([
      expect.objectContaining({ path: ".env.example", why: "link-broken" }),
    ]);
    expect(existsSync(join(out, "new.env"))).toBe(false);

    // the same through a directory: a governor.config.json created under a linked directory
    const ws = copyFixture("ts-esm-npm");
    const pkgOut = outside();
    mkdirSync(join(pkgOut, "src"));
    writeFileSync(
      join(pkgOut, "package.json"),
      JSON.stringify({ name: "linked", dependencies: { ai: "^6.0.0" } }, null, 2) + "\n",
    );
    writeFileSync(join(pkgOut, "src", "index.ts"), TOOL("linkedTool"));
    writeFileSync(
      join(ws, "package.json"),
      JSON.stringify({ name: "ws", private: true, workspaces: ["packages/*"] }, null, 2) + "\n",
    );
    mkdirSync(join(ws, "packages"));
    symlinkSync(pkgOut, join(ws, "packages", "linked"), "dir");
    gitInit(ws);
    const outBefore = snapshot(pkgOut);
    const w = runInit([...APPLY, "--cwd", ws]);
    // either the package is not entered, or every write into it is refused: never written
    expect(snapshot(pkgOut)).toEqual(outBefore);
    if (w.code !== 0) expect(json<Full>(w).error?.code).toBe("write_refused");
  });

  it("the lockfile the install rewrites and the backup directory count too; a package.json linked to a secret never prints it", () => {
    const dir = copyFixture("ts-esm-npm");
    const out = outside();
    writeFileSync(join(out, "lock.json"), readFileSync(join(dir, "package-lock.json")));
    link(dir, "package-lock.json", join(out, "lock.json"));
    mkdirSync(join(out, "backups"));
    symlinkSync(join(out, "backups"), join(dir, ".governor"), "dir");
    gitInit(dir);
    // with the install planned (no --no-install): npm would write through the lockfile link
    const r = runInit(["--dry-run", "--json", "--cwd", dir]);
    expect(r.code, r.stderr).toBe(2);
    expect(
      json<Full>(r)
        .refused!.map((f) => [f.path, f.why])
        .sort(),
    ).toEqual([
      [".governor", "link-outside"],
      ["package-lock.json", "link-outside"],
    ]);
    expect(runInit([...APPLY, "--cwd", dir]).code).toBe(2);
    expect(
      readFileSync(join(out, "lock.json")).equals(
        readFileSync(join(FIXTURES, "ts-esm-npm", "package-lock.json")),
      ),
    ).toBe(true);
    expect(snapshot(join(out, "backups")).size).toBe(0);

    const leak = copyFixture("ts-esm-npm");
    writeFileSync(join(out, "npmrc"), "//registry.npmjs.org/:_authToken=npm_SECRETTOKEN123\n");
    link(leak, "package.json", join(out, "npmrc"));
    const l = runInit(["--dry-run", "--cwd", leak]);
    expect(l.code).toBe(2);
    expect(l.stderr).toContain("package_json_invalid");
    expect(l.stdout + l.stderr).not.toMatch(/registry|authToken|SECRET/);
  });

  it("writes through a link that stays inside the project, to its real target, and undo restores the target", () => {
    const dir = copyFixture("ts-esm-npm");
    mkdirSync(join(dir, "config"));
    writeFileSync(join(dir, "config", "env.example"), "OTHER=1\n");
    writeFileSync(join(dir, "config", "gitignore"), readFileSync(join(dir, ".gitignore")));
    link(dir, ".env.example", "config/env.example");
    link(dir, ".gitignore", "config/gitignore");
    // a second name for a source file: gated once, through the file itself
    symlinkSync("tools.ts", join(dir, "src", "alias.ts"));
    gitInit(dir);
    const before = snapshot(dir);
    const r = runInit([...APPLY, "--cwd", dir]);
    expect(r.code, r.stderr).toBe(0);
    const report = json<Full>(r);
    expect(lstatSync(join(dir, ".env.example")).isSymbolicLink()).toBe(true);
    expect(lstatSync(join(dir, ".gitignore")).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, "config", "env.example"), "utf8")).toMatch(
      /^OTHER=1\n[\s\S]*GOVERNOR_ENFORCE_URL/,
    );
    expect(readFileSync(join(dir, "config", "gitignore"), "utf8")).toContain(".governor/");
    expect(report.tools.filter((t) => t.status === "gated").map((t) => t.file)).toEqual([
      "src/tools.ts",
      "src/tools.ts",
    ]);
    expect(report.skipped ?? []).toEqual([]);
    const undo = runInit(["--undo", "--cwd", dir]);
    expect(undo.code, undo.stderr).toBe(0);
    expect(snapshot(dir)).toEqual(before);
    expect(lstatSync(join(dir, ".env.example")).isSymbolicLink()).toBe(true);
  });

  it("names every source file it could not read that may hold tools, in the report, --json and doctor", () => {
    const dir = copyFixture("ts-esm-npm");
    const out = outside();
    writeFileSync(join(out, "tools.ts"), TOOL("outsideTool"));
    mkdirSync(join(out, "vendor"));
    writeFileSync(join(out, "vendor", "more.ts"), TOOL("vendorTool"));
    symlinkSync(join(out, "tools.ts"), join(dir, "src", "linked.ts"));
    symlinkSync(join(out, "vendor"), join(dir, "src", "vendor"), "dir");
    symlinkSync("missing.ts", join(dir, "src", "broken.ts"));
    writeFileSync(
      join(dir, "src", "big.ts"),
      TOOL("bigTool") + `export const data = "${"x".repeat(1_100_000)}";\n`,
    );
    // UTF-16 (a BOM, then two bytes a character): not UTF-8, and it holds a tool
    writeFileSync(
      join(dir, "src", "wide.ts"),
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(TOOL("wideTool"), "utf16le")]),
    );
    // over 1 MB, but nothing in it could be a tool: not worth a word
    writeFileSync(join(dir, "src", "data.ts"), `export const data = "${"y".repeat(1_100_000)}";\n`);
    gitInit(dir);
    const outBefore = snapshot(out);

    const r = runInit([...APPLY, "--cwd", dir]);
    expect(r.code, r.stderr).toBe(0);
    const report = json<Full>(r);
    expect(report.skipped!.map((s) => [s.path, s.why])).toEqual([
      ["src/big.ts", "too-large"],
      ["src/broken.ts", "link-broken"],
      ["src/linked.ts", "link-outside"],
      ["src/vendor", "link-outside"],
      ["src/wide.ts", "not-utf8"],
    ]);
    for (const s of report.skipped!) expect(s.reason.length).toBeGreaterThan(10);
    expect(report.warnings.join("\n")).toMatch(/5 files that may hold tools were not read/);
    expect(snapshot(out)).toEqual(outBefore);

    // the people's report names them too
    const text = runInit(["--dry-run", "--cwd", dir]);
    for (const p of ["src/big.ts", "src/linked.ts", "src/vendor", "src/broken.ts", "src/wide.ts"])
      expect(text.stdout).toContain(p);

    const governed = doctorGoverned(dir);
    expect(governed.status).not.toBe("pass");
    for (const p of ["src/big.ts", "src/linked.ts", "src/vendor"])
      expect(governed.message + JSON.stringify(governed.details)).toContain(p);
    expect(JSON.stringify(governed.details)).not.toContain("src/data.ts");
  });
});

describe("finding 10: bytes init did not edit stay as they were", () => {
  it("a tool file, package.json and .env.example with a UTF-8 BOM: gated, BOM kept, the rest exactly what a file without one gets; undo is byte for byte", () => {
    const plain = copyFixture("ts-esm-npm");
    writeFileSync(join(plain, ".env.example"), "OTHER=1\n");
    gitInit(plain);
    expect(runInit([...APPLY, "--cwd", plain]).code).toBe(0);

    const dir = copyFixture("ts-esm-npm");
    writeFileSync(join(dir, ".env.example"), "OTHER=1\n");
    for (const f of ["src/tools.ts", "package.json", ".env.example"])
      writeFileSync(join(dir, f), Buffer.concat([BOM, readFileSync(join(dir, f))]));
    gitInit(dir);
    const before = snapshot(dir);
    const r = runInit([...APPLY, "--cwd", dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(json(r).tools.filter((t) => t.status === "gated")).toHaveLength(2);
    for (const f of ["src/tools.ts", "package.json", ".env.example"]) {
      const got = readFileSync(join(dir, f));
      expect(got.subarray(0, 3).equals(BOM), f).toBe(true);
      expect(got.subarray(3).toString("base64"), f).toBe(bytes(join(plain, f)));
    }
    expect(runInit(["--undo", "--cwd", dir]).code).toBe(0);
    expect(snapshot(dir)).toEqual(before);
  });

  it("a Latin-1 tool file is refused by name (never re-encoded); Latin-1 .gitignore and .env.example keep their bytes", () => {
    const dir = copyFixture("ts-esm-npm");
    const latin = Buffer.concat([
      Buffer.from("// caf\xe9 cr\xe8me\n", "latin1"),
      Buffer.from(TOOL("latinTool")),
    ]);
    writeFileSync(join(dir, "src", "latin.ts"), latin);
    const ignore = Buffer.from("# d\xe9pendances\nnode_modules/\n", "latin1");
    const env = Buffer.from("# cl\xe9\nOTHER=1\n", "latin1");
    writeFileSync(join(dir, ".gitignore"), ignore);
    writeFileSync(join(dir, ".env.example"), env);
    gitInit(dir);
    const r = runInit([...APPLY, "--cwd", dir]);
    expect(r.code, r.stderr).toBe(0);
    const report = json<Full>(r);
    expect(report.skipped!.map((s) => [s.path, s.why])).toEqual([["src/latin.ts", "not-utf8"]]);
    expect(readFileSync(join(dir, "src", "latin.ts")).equals(latin)).toBe(true);
    const gi = readFileSync(join(dir, ".gitignore"));
    expect(gi.subarray(0, ignore.length).equals(ignore)).toBe(true);
    expect(gi.subarray(ignore.length).toString("utf8")).toContain(".governor/");
    const en = readFileSync(join(dir, ".env.example"));
    expect(en.subarray(0, env.length).equals(env)).toBe(true);
    expect(en.subarray(env.length).toString("utf8")).toContain("GOVERNOR_ENFORCE_URL");
    // the other tool file was still gated
    expect(report.tools.filter((t) => t.status === "gated").map((t) => t.file)).toEqual([
      "src/tools.ts",
      "src/tools.ts",
    ]);
    expect(doctorGoverned(dir).message).toContain("src/latin.ts");
  });

  it("a Latin-1 package.json (edited in the middle) is refused before anything is written", () => {
    const dir = copyFixture("ts-esm-npm");
    const pkg = readFileSync(join(dir, "package.json"), "utf8").replace(
      '"private": true',
      '"description": "caf\xe9",\n  "private": true',
    );
    writeFileSync(join(dir, "package.json"), Buffer.from(pkg, "latin1"));
    gitInit(dir);
    const before = snapshot(dir);
    const r = runInit([...APPLY, "--cwd", dir]);
    expect(r.code, r.stderr).toBe(2);
    const report = json<Full>(r);
    expect(report.error?.code).toBe("write_refused");
    expect(report.refused).toEqual([
      expect.objectContaining({ path: "package.json", why: "not-utf8" }),
    ]);
    expect(snapshot(dir)).toEqual(before);
    expect(existsSync(join(dir, ".governor"))).toBe(false);
  });
});

describe("first-time user", () => {
  it("no .gitignore: untracked node_modules is named once with the one-line fix, not listed file by file", () => {
    const dir = copyFixture("ts-esm-npm");
    unlinkSync(join(dir, ".gitignore"));
    gitInit(dir);
    for (let i = 0; i < 300; i++) {
      mkdirSync(join(dir, "node_modules", `pkg${i}`), { recursive: true });
      writeFileSync(join(dir, "node_modules", `pkg${i}`, "index.js"), "module.exports = 1;\n");
    }
    const r = runInit(["--yes", "--no-install", "--cwd", dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("dirty_tree");
    expect(r.stderr).toContain("echo node_modules >> .gitignore");
    expect(r.stderr).not.toMatch(/node_modules\/pkg\d/);
    expect(r.stderr.length).toBeLessThan(1500);

    // other uncommitted files are capped, with how many more
    for (let i = 0; i < 40; i++) writeFileSync(join(dir, "src", `new${i}.ts`), "export {};\n");
    const many = runInit(["--yes", "--no-install", "--cwd", dir]);
    expect(many.code).toBe(2);
    expect(many.stderr).toMatch(/and 3\d more/);
    expect((many.stderr.match(/src\/new\d+\.ts/g) ?? []).length).toBeLessThanOrEqual(10);
  });

  it("a run that finds no tools says so plainly", () => {
    const dir = copyFixture("ts-esm-npm");
    writeFileSync(
      join(dir, "package.json"),
      JSON.stringify({ name: "plain", type: "module", main: "src/index.ts" }, null, 2) + "\n",
    );
    rmSync(join(dir, "src", "tools.ts"));
    writeFileSync(join(dir, "src", "index.ts"), "export const x = 1;\n");
    gitInit(dir);
    const text = runInit(["--dry-run", "--cwd", dir]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/No tools found/);
    const r = runInit(["--dry-run", "--json", "--cwd", dir]);
    expect(json(r).warnings.join("\n")).toMatch(/No tools found/);
  });

  it("--typecheck prints its result: passed, or failed before with the errors count", () => {
    const dir = copyFixture("ts-esm-npm");
    writeFileSync(
      join(dir, "package.json"),
      JSON.stringify({ name: "plain", type: "module", main: "src/index.ts" }, null, 2) + "\n",
    );
    rmSync(join(dir, "src", "tools.ts"));
    rmSync(join(dir, "src", "index.test.ts"));
    writeFileSync(join(dir, "src", "index.ts"), "export const x: number = 1;\n");
    gitInit(dir);
    const ok = runInit(["--yes", "--no-install", "--typecheck", "--cwd", dir]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/Type-check[^\n]*passed before and after/);
    expect(runInit(["--undo", "--cwd", dir]).code).toBe(0);

    writeFileSync(
      join(dir, "src", "index.ts"),
      'export const x: number = "a";\nexport const y: string = 2;\n',
    );
    const bad = runInit([
      "--yes",
      "--json",
      "--no-install",
      "--typecheck",
      "--allow-dirty",
      "--cwd",
      dir,
    ]);
    expect(bad.code, bad.stderr).toBe(0);
    expect(json<Full>(bad).typecheck).toEqual([
      expect.objectContaining({ package: ".", before: "failed", after: "skipped", errors: 2 }),
    ]);
  });
});
