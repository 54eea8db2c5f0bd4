import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createHash } from "node:crypto";
import { chmodSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  ensureBuilt,
  FIXTURES,
  git,
  gitInit,
  read,
  corruptWrite,
  runInit,
  snapshot,
  type CliResult,
} from "./helpers.js";

// `governor init --undo` only acts on a backup init recorded outside the tree, and only inside the
// project: a repository can commit a forged backup, and a pull can swap a directory for a link.

beforeAll(() => ensureBuilt(), 120_000);
// several CLI runs per test: a safety net for a loaded machine, not a margin anything waits on
vi.setConfig({ testTimeout: 180_000 });

const made: string[] = [];
afterAll(() => {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});

interface Setup {
  outer: string;
  dir: string;
  state: string;
  victim: string;
  run: (args: string[], env?: Record<string, string>) => CliResult;
}

const VICTIM = "victim: outside the project\n";

/** js-cjs-yarn at <outer>/project, a file outside it at <outer>/victim.txt, a private state dir. */
function setup(prepare?: (dir: string, outer: string) => void): Setup {
  const outer = mkdtempSync(join(tmpdir(), "governor-undo-"));
  made.push(outer);
  const dir = join(outer, "project");
  cpSync(join(FIXTURES, "js-cjs-yarn"), dir, { recursive: true });
  const victim = join(outer, "victim.txt");
  writeFileSync(victim, VICTIM);
  writeFileSync(join(outer, "secret.txt"), "SECRET outside the project\n");
  const state = join(outer, "state");
  prepare?.(dir, outer);
  gitInit(dir);
  const run = (args: string[], env: Record<string, string> = {}) =>
    runInit([...args, "--cwd", dir], { GOVERNOR_STATE_DIR: state, ...env });
  return { outer, dir, state, victim, run };
}

interface Entry {
  path: string;
  action: "update" | "create";
  copy?: string;
}

/** What a repository can commit: a backup that sorts after any real one. */
function forgeBackup(dir: string, files: Entry[], name = "9999-x"): void {
  const base = join(dir, ".governor", "backup", name);
  mkdirSync(join(base, "files"), { recursive: true });
  writeFileSync(join(base, "files", "0"), "PWNED\n");
  writeFileSync(
    join(base, "manifest.json"),
    JSON.stringify({ version: 1, createdAt: "9999-01-01T00:00:00.000Z", complete: true, files }),
  );
}

const ownBackup = (dir: string) =>
  readdirSync(join(dir, ".governor", "backup")).filter((n) => n !== "9999-x")[0];

function recordFiles(state: string): string[] {
  if (!existsSync(state)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith(".json")) out.push(join(d, e.name));
    }
  };
  walk(state);
  return out;
}

const outsideBefore = (outer: string) => ({
  victim: readFileSync(join(outer, "victim.txt"), "utf8"),
  secret: readFileSync(join(outer, "secret.txt"), "utf8"),
});

describe("init --undo ignores a backup the repository committed", () => {
  const variants: [string, (outer: string) => Entry[], ((dir: string, outer: string) => void)?][] =
    [
      [
        "../ paths",
        () => [
          { path: "../victim.txt", action: "update", copy: "files/0" },
          { path: "../secret.txt", action: "create" },
        ],
      ],
      [
        "absolute paths",
        (outer) => [
          { path: join(outer, "victim.txt"), action: "update", copy: "files/0" },
          { path: join(outer, "secret.txt"), action: "create" },
        ],
      ],
      [
        "a symlinked directory inside the root that points out",
        () => [
          { path: "out/victim.txt", action: "update", copy: "files/0" },
          { path: "out/secret.txt", action: "create" },
        ],
        (dir) => symlinkSync("..", join(dir, "out")),
      ],
      [
        "a copy path that escapes the backup",
        () => [{ path: "server.js", action: "update", copy: "../../../../secret.txt" }],
      ],
    ];

  it.each(variants)(
    "%s: undo restores the user's own init and touches nothing outside",
    (_name, entries, extra) => {
      let forgedFor = "";
      const s = setup((dir, outer) => {
        extra?.(dir, outer);
        forgedFor = outer;
        forgeBackup(dir, entries(outer));
      });
      expect(forgedFor).toBe(s.outer);
      const original = snapshot(s.dir);
      const before = outsideBefore(s.outer);

      const init = s.run(["--yes", "--no-install"]);
      expect(init.code, init.stderr).toBe(0);
      expect(read(s.dir, "server.js")).toContain("governor/register");

      const undo = s.run(["--undo"]);
      expect(undo.code, undo.stderr).toBe(0);
      expect(outsideBefore(s.outer)).toEqual(before);
      // the user's own init is what was undone; the committed backup stays where the repository put it
      expect(snapshot(s.dir)).toEqual(original);
      expect(undo.stdout).toContain("9999-x");
      expect(git(s.dir, "status", "--porcelain")).toBe("");
    },
  );

  it("a committed backup alone is refused with a clear error, and nothing is touched", () => {
    const s = setup((dir) =>
      forgeBackup(dir, [
        { path: "../victim.txt", action: "update", copy: "files/0" },
        { path: "server.js", action: "create" },
      ]),
    );
    const original = snapshot(s.dir);
    const r = s.run(["--undo"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("undo_unverified");
    expect(r.stderr).toContain("9999-x");
    expect(r.stderr).toMatch(/fix: .*git/);
    expect(readFileSync(s.victim, "utf8")).toBe(VICTIM);
    expect(snapshot(s.dir)).toEqual(original);
  });
});

describe("init --undo after the tree changed under its backup", () => {
  function initialised(): Setup & { applied: Map<string, string> } {
    const s = setup();
    const r = s.run(["--yes", "--no-install"]);
    expect(r.code, r.stderr).toBe(0);
    return { ...s, applied: snapshot(s.dir) };
  }

  it("the backup's manifest swapped for one with ../ paths: undo uses init's record, nothing outside is touched", () => {
    const s = initialised();
    const name = ownBackup(s.dir);
    const manifest = join(s.dir, ".governor", "backup", name, "manifest.json");
    writeFileSync(
      manifest,
      JSON.stringify({
        version: 1,
        createdAt: "x",
        complete: true,
        files: [{ path: "../victim.txt", action: "update", copy: "files/0" }],
      }),
    );
    const undo = s.run(["--undo"]);
    expect(undo.code, undo.stderr).toBe(0);
    expect(readFileSync(s.victim, "utf8")).toBe(VICTIM);
    expect(git(s.dir, "status", "--porcelain")).toBe("");
  });

  it("a directory replaced by a symlink out of the project: refused, even with --allow-dirty; nothing restored", () => {
    const s = initialised();
    renameSync(join(s.dir, "lib"), join(s.outer, "lib-moved"));
    symlinkSync(join(s.outer, "lib-moved"), join(s.dir, "lib"));
    const agent = readFileSync(join(s.outer, "lib-moved", "agent.js"), "utf8");
    for (const args of [["--undo"], ["--undo", "--allow-dirty"]]) {
      const r = s.run(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("undo_unsafe");
      expect(r.stderr).toContain("lib/");
    }
    expect(readFileSync(join(s.outer, "lib-moved", "agent.js"), "utf8")).toBe(agent);
    expect(read(s.dir, "server.js")).toContain("governor/register"); // all or nothing
  });

  it("a directory replaced by a link into .git (inside the project, where a restore could become a hook): refused", () => {
    const s = initialised();
    renameSync(join(s.dir, "lib"), join(s.dir, ".git", "lib-moved"));
    symlinkSync(join(".git", "lib-moved"), join(s.dir, "lib"));
    const r = s.run(["--undo", "--allow-dirty"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("undo_unsafe");
    expect(r.stderr).toContain(".git");
    expect(read(s.dir, "server.js")).toContain("governor/register");
  });

  it("a file replaced by a symlink out of the project (same bytes): refused, the link target is untouched", () => {
    const s = initialised();
    const applied = read(s.dir, "server.js");
    writeFileSync(s.victim, applied);
    rmSync(join(s.dir, "server.js"));
    symlinkSync(s.victim, join(s.dir, "server.js"));
    const r = s.run(["--undo", "--allow-dirty"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("undo_unsafe");
    expect(r.stderr).toContain("server.js");
    expect(readFileSync(s.victim, "utf8")).toBe(applied);
  });

  it("a backup copy replaced by a symlink to a file outside: refused, the outside bytes are not copied in", () => {
    const s = initialised();
    const files = join(s.dir, ".governor", "backup", ownBackup(s.dir), "files");
    for (const f of readdirSync(files)) {
      rmSync(join(files, f));
      symlinkSync(join(s.outer, "secret.txt"), join(files, f));
    }
    const r = s.run(["--undo", "--allow-dirty"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("undo_unverified");
    const now = snapshot(s.dir);
    for (const [path, bytes] of s.applied)
      if (!path.startsWith(".governor")) expect(now.get(path), path).toBe(bytes);
  });

  it("a backup copy with changed bytes: refused", () => {
    const s = initialised();
    const files = join(s.dir, ".governor", "backup", ownBackup(s.dir), "files");
    writeFileSync(join(files, readdirSync(files)[0]), "changed after init\n");
    const r = s.run(["--undo"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("undo_unverified");
    expect(read(s.dir, "server.js")).toContain("governor/register");
  });

  it(".governor replaced by a symlink out of the project: refused", () => {
    const s = initialised();
    renameSync(join(s.dir, ".governor"), join(s.outer, "gov-moved"));
    symlinkSync(join(s.outer, "gov-moved"), join(s.dir, ".governor"));
    const r = s.run(["--undo", "--allow-dirty"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("undo_unsafe");
    expect(read(s.dir, "server.js")).toContain("governor/register");
  });
});

describe("init --undo checks init's own record too", () => {
  // A record is written by init, outside the tree; these stand for a damaged or foreign one.
  const bad: [string, (outer: string) => Entry][] = [
    ["../ path", () => ({ path: "../victim.txt", action: "create" })],
    ["absolute path", (outer) => ({ path: join(outer, "victim.txt"), action: "create" })],
    ["drive letter", () => ({ path: "C:/victim.txt", action: "create" })],
    ["NUL byte", () => ({ path: "server.js\u0000../../victim.txt", action: "create" })],
    [
      "copy outside the backup",
      () => ({ path: "server.js", action: "update", copy: "../../../../secret.txt" }),
    ],
  ];
  it.each(bad)("%s: refused, nothing restored", (_name, entry) => {
    const s = setup();
    expect(s.run(["--yes", "--no-install"]).code).toBe(0);
    const [file] = recordFiles(s.state);
    expect(file, "init wrote no record under GOVERNOR_STATE_DIR").toBeTruthy();
    const record = JSON.parse(readFileSync(file, "utf8"));
    record.manifest.files.push(entry(s.outer));
    writeFileSync(file, JSON.stringify(record));
    const before = outsideBefore(s.outer);
    const r = s.run(["--undo", "--allow-dirty"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/undo_unsafe|undo_unverified/);
    expect(outsideBefore(s.outer)).toEqual(before);
    expect(read(s.dir, "server.js")).toContain("governor/register");
  });
});

describe("init --undo and the state directory", () => {
  it("a GOVERNOR_STATE_DIR inside the project is refused: the repository could commit records there", () => {
    let key = "";
    const s = setup((dir) => {
      forgeBackup(dir, [{ path: "server.js", action: "create" }]);
      key = createHash("sha256").update(realpathSync(dir)).digest("hex").slice(0, 32);
      const records = join(dir, "state", "backups", key);
      mkdirSync(records, { recursive: true });
      const record = {
        version: 1,
        root: realpathSync(dir),
        backup: "9999-x",
        seq: 99,
        manifest: {
          version: 1,
          createdAt: "x",
          complete: true,
          files: [{ path: "server.js", action: "create" }],
        },
      };
      writeFileSync(join(records, "9999-x.json"), JSON.stringify(record));
    });
    expect(key).not.toBe("");
    const env = { GOVERNOR_STATE_DIR: join(s.dir, "state") };
    const undo = s.run(["--undo", "--allow-dirty"], env);
    expect(undo.code).toBe(2);
    expect(undo.stderr).toContain("undo_unverified");
    expect(undo.stderr).toContain("GOVERNOR_STATE_DIR");
    expect(existsSync(join(s.dir, "server.js"))).toBe(true);
    const init = s.run(["--yes", "--no-install"], env);
    expect(init.code).toBe(2);
    expect(init.stderr).toContain("backup_unsafe");
    expect(read(s.dir, "server.js")).not.toContain("governor/register");
  });

  it("a workspace member's lockfile at the workspace root (above the run root) is backed up and restored", () => {
    const outer = mkdtempSync(join(tmpdir(), "governor-undo-ws-"));
    made.push(outer);
    const ws = join(outer, "ws");
    cpSync(join(FIXTURES, "monorepo"), ws, { recursive: true });
    const bin = join(outer, "bin");
    mkdirSync(bin);
    writeFileSync(
      join(bin, "npm"),
      `#!/bin/sh\necho '// touched by install' >> package-lock.json\n`,
    );
    chmodSync(join(bin, "npm"), 0o755);
    gitInit(ws);
    const original = snapshot(ws);
    const member = join(ws, "packages", "mcp-server");
    const env = { GOVERNOR_STATE_DIR: join(outer, "state"), PATH: `${bin}:${process.env.PATH}` };
    const r = runInit(["--yes", "--cwd", member], env);
    expect(r.code, r.stderr).toBe(0);
    expect(read(ws, "package-lock.json")).toContain("touched by install");
    const undo = runInit(["--undo", "--cwd", member], env);
    expect(undo.code, undo.stderr).toBe(0);
    expect(snapshot(ws)).toEqual(original);
  });
});

describe("init backups", () => {
  it("a rolled-back run leaves no backup and no record; undo then has nothing to do", () => {
    const s = setup();
    const before = snapshot(s.dir);
    const r = s.run(["--yes", "--no-install"], corruptWrite(join(s.dir, "server.js")));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("reparse_failed");
    expect(snapshot(s.dir)).toEqual(before);
    expect(existsSync(join(s.dir, ".governor"))).toBe(false);
    expect(recordFiles(s.state)).toEqual([]);
    const undo = s.run(["--undo"]);
    expect(undo.code).toBe(2);
    expect(undo.stderr).toContain("nothing_to_undo");
  });

  it("a .governor that is a symlink out of the project: init refuses and writes nothing outside", () => {
    const s = setup((dir, outer) => {
      mkdirSync(join(outer, "gov-elsewhere"));
      symlinkSync(join(outer, "gov-elsewhere"), join(dir, ".governor"));
    });
    const before = snapshot(s.dir);
    const r = s.run(["--yes", "--no-install"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/backup_unsafe|write_refused/);
    expect(r.stderr).toContain(".governor");
    expect(readdirSync(join(s.outer, "gov-elsewhere"))).toEqual([]);
    expect(snapshot(s.dir)).toEqual(before);
    expect(lstatSync(join(s.dir, ".governor")).isSymbolicLink()).toBe(true);
  });

  it("are ignored by git in a sub-package without a .gitignore of its own", () => {
    const repo = mkdtempSync(join(tmpdir(), "governor-undo-repo-"));
    made.push(repo);
    writeFileSync(join(repo, ".gitignore"), "node_modules/\n");
    cpSync(join(FIXTURES, "js-cjs-yarn"), join(repo, "pkg"), { recursive: true });
    gitInit(repo);
    const state = join(repo, "..", `${repo.split("/").pop()}-state`);
    made.push(state);
    const r = runInit(["--yes", "--no-install", "--cwd", join(repo, "pkg")], {
      GOVERNOR_STATE_DIR: state,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(repo, "pkg", ".governor", "backup"))).toBe(true);
    const status = git(repo, "status", "--porcelain", "--untracked-files=all");
    expect(status).toContain("pkg/server.js");
    expect(status).not.toContain(".governor");
    expect(git(repo, "add", "-A", "--dry-run")).not.toContain(".governor");
    const undo = runInit(["--undo", "--cwd", join(repo, "pkg")], { GOVERNOR_STATE_DIR: state });
    expect(undo.code, undo.stderr).toBe(0);
    expect(git(repo, "status", "--porcelain", "--untracked-files=all")).toBe("");
  });
});
