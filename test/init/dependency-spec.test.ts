import { spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cleanupTemp,
  copyFixture,
  ensureBuilt,
  git,
  gitInit,
  json,
  read,
  REPO,
  runInit,
  snapshot,
  type CliResult,
} from "./helpers.js";

// The governor dependency init writes is the one the user installed governor from: this checkout, a
// tarball, a git URL, or the registry under the name it really has there; never a bare range for the
// npm name `governor`, which belongs to someone else. Real CLI, real npm.

beforeAll(() => ensureBuilt(), 120_000);
const extra: string[] = [];
afterAll(() => {
  cleanupTemp();
  for (const d of extra.splice(0)) rmSync(d, { recursive: true, force: true });
});

const APPLY = ["--yes", "--json", "--no-install"];
const HERE = realpathSync(REPO);

function tmp(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `governor-spec-${prefix}-`));
  extra.push(dir);
  return dir;
}

/** A small app whose only dependency will be the one init adds (so `npm install --offline` can run). */
function smallApp(): string {
  const dir = tmp("app");
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify(
      { name: "small-agent", version: "1.0.0", private: true, type: "module", main: "index.js" },
      null,
      2,
    ) + "\n",
  );
  writeFileSync(
    join(dir, "index.js"),
    'import { tool } from "ai";\nimport { z } from "zod";\n\nexport const tools = {\n  get_order: tool({ description: "Get an order", inputSchema: z.object({ id: z.string() }), execute: async ({ id }) => ({ id }) }),\n};\n',
  );
  gitInit(dir);
  return dir;
}

/** The spec init wrote into <dir>/<pkg>/package.json. */
const specIn = (dir: string, pkg = "package.json") =>
  JSON.parse(read(dir, pkg)).dependencies.governor as string;

/**
 * governor as a package manager installs it: a copy of bin/dist/templates/package.json inside
 * <tool>/node_modules/governor (its own dependencies linked from this repo), with npm's hidden lockfile
 * entry for it, the way `npx <spec>` leaves it in ~/.npm/_npx/<hash>/.
 */
function installedCopy(
  entry: ((tool: string) => Record<string, unknown>) | null,
  packageJsonExtra: Record<string, unknown> = {},
): { cli: string; tool: string } {
  const tool = tmp("tool");
  const pkgDir = join(tool, "node_modules", "governor");
  mkdirSync(pkgDir, { recursive: true });
  for (const p of ["bin", "dist", "templates"])
    cpSync(join(REPO, p), join(pkgDir, p), { recursive: true });
  const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8"));
  writeFileSync(
    join(pkgDir, "package.json"),
    JSON.stringify({ ...pkg, ...packageJsonExtra }, null, 2),
  );
  symlinkSync(join(REPO, "node_modules"), join(pkgDir, "node_modules"), "dir");
  if (entry) {
    const lock = {
      name: "npx-cache",
      lockfileVersion: 3,
      requires: true,
      packages: { "node_modules/governor": { version: pkg.version, ...entry(tool) } },
    };
    writeFileSync(join(tool, "node_modules", ".package-lock.json"), JSON.stringify(lock, null, 2));
  }
  return { cli: join(pkgDir, "bin", "governor.js"), tool };
}

function runCli(
  cli: string,
  args: string[],
  env: Record<string, string | undefined> = {},
): CliResult {
  const r = spawnSync(process.execPath, [cli, "init", ...args], {
    encoding: "utf8",
    env: {
      ...process.env,
      CI: undefined,
      FORCE_COLOR: "0",
      GOVERNOR_PACKAGE_SPEC: undefined,
      ...env,
    },
    input: "",
    timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

// each case spawns the CLI a few times: generous outer timeouts, as a safety net on a loaded machine
describe("run from this checkout", { timeout: 180_000 }, () => {
  it("writes file: relative to package.json, pointing at this repo; `npm install --offline` links it and the runtime resolves", () => {
    const dir = smallApp();
    const r = runInit(["--yes", "--json", "--cwd", dir], {
      npm_config_offline: "true",
      npm_config_audit: "false",
      npm_config_fund: "false",
      GOVERNOR_PACKAGE_SPEC: undefined,
    });
    expect(r.code, r.stderr).toBe(0);
    const spec = specIn(dir);
    expect(spec).toMatch(/^file:\.\.?\//);
    expect(spec).not.toMatch(/^\^|^\d/);
    expect(realpathSync(resolve(dir, spec.slice("file:".length)))).toBe(HERE);
    const dep = json(r).dependencies[0] as Record<string, unknown>;
    expect(dep).toMatchObject({ name: "governor", range: spec, status: "added", install: "ran" });
    expect(dep.source).toBe(`the local checkout at ${HERE}`);
    // the install init ran resolved it: node_modules/governor is this checkout
    expect(realpathSync(join(dir, "node_modules", "governor"))).toBe(HERE);
    const resolved = spawnSync(
      process.execPath,
      ["-e", 'console.log(require.resolve("governor/runtime"))'],
      { cwd: dir, encoding: "utf8" },
    );
    expect(resolved.stdout.trim().startsWith(join(HERE, "dist"))).toBe(true);
  });

  it("the text report names the spec and where it came from", () => {
    const dir = smallApp();
    const r = runInit(["--yes", "--no-install", "--cwd", dir], {
      GOVERNOR_PACKAGE_SPEC: undefined,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      `added governor@${specIn(dir)} (from the local checkout at ${HERE})`,
    );
  });

  it("monorepo: each package.json gets a path relative to itself", () => {
    const dir = copyFixture("monorepo");
    gitInit(dir);
    const r = runInit([...APPLY, "--cwd", dir], { GOVERNOR_PACKAGE_SPEC: undefined });
    expect(r.code, r.stderr).toBe(0);
    for (const pkg of ["packages/agent/package.json", "packages/mcp-server/package.json"]) {
      const spec = specIn(dir, pkg);
      expect(spec, pkg).toMatch(/^file:/);
      expect(realpathSync(resolve(dir, dirname(pkg), spec.slice(5))), pkg).toBe(HERE);
    }
  });
});

describe("a bare range already declared (what older inits wrote)", { timeout: 180_000 }, () => {
  it("is kept, with a warning naming the spec to use instead", () => {
    const dir = smallApp();
    const pkg = JSON.parse(read(dir, "package.json"));
    writeFileSync(
      join(dir, "package.json"),
      JSON.stringify({ ...pkg, dependencies: { governor: "^0.1.0" } }, null, 2) + "\n",
    );
    git(dir, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qam", "old init");
    const r = runInit([...APPLY, "--cwd", dir], { GOVERNOR_PACKAGE_SPEC: undefined });
    expect(r.code, r.stderr).toBe(0);
    const warning = json(r).warnings.find((w) =>
      w.startsWith('package.json declares governor "^0.1.0"'),
    );
    expect(warning).toMatch(/npm package named "governor" is not this project/);
    expect(warning).toContain(`(the local checkout at ${HERE})`);
    expect(specIn(dir)).toBe("^0.1.0"); // a declared dependency is the user's: named, not rewritten
  });
});

describe(
  "run from an installed copy (npx, or a project's node_modules)",
  { timeout: 180_000 },
  () => {
    it("installed from a tarball: file: to that .tgz, relative to the app", () => {
      const store = tmp("store");
      const tgz = join(store, "governor-0.1.0.tgz");
      writeFileSync(tgz, "tarball bytes");
      // npm writes the path relative to the lockfile's own directory (the npx cache dir)
      const { cli } = installedCopy((tool) => ({
        resolved: `file:${relative(tool, tgz)}`,
        integrity: "sha512-x",
      }));
      const dir = smallApp();
      const r = runCli(cli, [...APPLY, "--cwd", dir]);
      expect(r.code, r.stderr).toBe(0);
      const spec = specIn(dir);
      expect(spec).toMatch(/^file:.*governor-0\.1\.0\.tgz$/);
      expect(resolve(dir, spec.slice(5))).toBe(tgz);
      expect((json(r).dependencies[0] as Record<string, unknown>).source).toBe(
        `the tarball ${tgz}`,
      );
    });

    it("installed from a git URL: that URL, commit included", () => {
      const url =
        "git+ssh://git@github.com/acme/governor.git#0123456789abcdef0123456789abcdef01234567";
      const { cli } = installedCopy(() => ({ resolved: url }));
      const dir = smallApp();
      const r = runCli(cli, [...APPLY, "--cwd", dir]);
      expect(r.code, r.stderr).toBe(0);
      expect(specIn(dir)).toBe(url);
    });

    it("from a registry under another name: an npm: alias to that name, never the bare npm name", () => {
      const { cli } = installedCopy(() => ({
        resolved: "https://registry.npmjs.org/@acme/governor/-/governor-0.1.0.tgz",
        integrity: "sha512-x",
        name: "@acme/governor",
      }));
      const dir = smallApp();
      const r = runCli(cli, [...APPLY, "--cwd", dir]);
      expect(r.code, r.stderr).toBe(0);
      expect(specIn(dir)).toBe("npm:@acme/governor@^0.1.0");
    });

    it("from the registry under the name governor (npm left out the registry URL): a caret range of that version", () => {
      // npm_config_omit_lockfile_registry_resolved: only registry packages have no "resolved"
      const { cli } = installedCopy(() => ({ integrity: "sha512-x" }));
      const dir = smallApp();
      const r = runCli(cli, [...APPLY, "--cwd", dir]);
      expect(r.code, r.stderr).toBe(0);
      expect(specIn(dir)).toBe("^0.1.0");
      expect((json(r).dependencies[0] as Record<string, unknown>).source).toMatch(
        /registry as governor@0\.1\.0/,
      );
    });

    it("nothing tells where it came from (no lockfile entry): refuses, writes nothing, names --governor-spec", () => {
      const { cli } = installedCopy(null);
      const dir = smallApp();
      const before = snapshot(dir);
      const r = runCli(cli, [...APPLY, "--cwd", dir]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("error [governor_spec_unknown]");
      expect(r.stderr).toMatch(/--governor-spec/);
      expect(JSON.parse(r.stdout).error.code).toBe("governor_spec_unknown");
      expect(snapshot(dir)).toEqual(before);
      expect(existsSync(join(dir, ".governor"))).toBe(false);
      // a dependency already declared needs no spec: init still runs
      const declared = smallApp();
      const pkg = JSON.parse(read(declared, "package.json"));
      writeFileSync(
        join(declared, "package.json"),
        JSON.stringify({ ...pkg, dependencies: { governor: "file:../governor" } }, null, 2) + "\n",
      );
      git(
        declared,
        "-c",
        "user.email=t@example.com",
        "-c",
        "user.name=t",
        "commit",
        "-qam",
        "declared",
      );
      expect(runCli(cli, [...APPLY, "--cwd", declared]).code).toBe(0);
    });
  },
);

describe("an explicit spec", { timeout: 180_000 }, () => {
  it("--governor-spec and GOVERNOR_PACKAGE_SPEC win; a relative file: path is taken from the working directory", () => {
    const store = tmp("store");
    writeFileSync(join(store, "governor-0.1.0.tgz"), "tarball bytes");
    const dir = smallApp();
    const r = spawnSync(
      process.execPath,
      [
        join(REPO, "bin", "governor.js"),
        "init",
        ...APPLY,
        "--cwd",
        dir,
        "--governor-spec",
        "file:./governor-0.1.0.tgz",
      ],
      {
        cwd: store,
        encoding: "utf8",
        env: { ...process.env, CI: undefined, GOVERNOR_PACKAGE_SPEC: undefined },
      },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(resolve(dir, specIn(dir).slice(5))).toBe(join(store, "governor-0.1.0.tgz"));

    const viaEnv = smallApp();
    const e = runInit([...APPLY, "--cwd", viaEnv], {
      GOVERNOR_PACKAGE_SPEC: "github:acme/governor#v0.1.0",
    });
    expect(e.code, e.stderr).toBe(0);
    expect(specIn(viaEnv)).toBe("github:acme/governor#v0.1.0");
    expect((json(e).dependencies[0] as Record<string, unknown>).source).toMatch(
      /GOVERNOR_PACKAGE_SPEC/,
    );
  });

  it("a bare range or dist-tag is refused (it would install the unrelated npm package `governor`), as is a missing file", () => {
    for (const spec of ["^0.1.0", "0.1.0", "latest", "governor@^0.1.0", "file:./nope.tgz", ""]) {
      const dir = smallApp();
      const before = snapshot(dir);
      const r = runInit([...APPLY, "--cwd", dir, "--governor-spec", spec]);
      expect(r.code, spec).toBe(2);
      expect(r.stderr, spec).toContain("error [invalid_option]");
      expect(snapshot(dir), spec).toEqual(before);
    }
    const dir = smallApp();
    const ok = runInit([...APPLY, "--cwd", dir, "--governor-spec", "npm:governor@^0.1.0"]);
    expect(ok.code, ok.stderr).toBe(0); // an alias says the user means the registry's `governor`
    expect(specIn(dir)).toBe("npm:governor@^0.1.0");
  });
});
