// init keeps V8's compiled code for TypeScript's compiler between runs (Node 22+: Node's own
// compile cache; Node 20: governor's, in a private directory under the temp dir). A run with the
// cache gives exactly the answer of a run without it, and a cache that is damaged, or in a
// directory others could write to, is not used.
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { execFile } from "node:child_process";
import Module from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "./helpers.js";
import { cleanupTemp, copyFixture, ensureBuilt } from "../init/helpers.js";

beforeAll(() => ensureBuilt(), 120_000);
const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
  cleanupTemp();
});

function runNode(args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, args, { env: { ...process.env, ...env } }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
    ),
  );
}

const builtIn =
  typeof (Module as { enableCompileCache?: unknown }).enableCompileCache === "function";
const ARGS = ["init", "--dry-run", "--json", "--no-install", "--allow-dirty"];

function setup() {
  const tmp = mkdtempSync(path.join(tmpdir(), "governor-cc-"));
  temps.push(tmp);
  const dir = copyFixture("ts-esm-npm");
  const cacheDir = builtIn
    ? path.join(tmp, "node-compile-cache")
    : path.join(tmp, `governor-compile-cache-${process.getuid?.() ?? "user"}`);
  const init = (env: Record<string, string> = {}) =>
    run(ARGS, { cwd: dir, env: { TMPDIR: tmp, TMP: tmp, TEMP: tmp, ...env } });
  const files = () =>
    existsSync(cacheDir) ? readdirSync(cacheDir, { recursive: true }).map(String) : [];
  return { cacheDir, init, files };
}

describe("the compile cache", () => {
  it("is written on the first run and gives the same report on the next", async () => {
    const { cacheDir, init, files } = setup();
    const cold = await init();
    expect(cold.code).toBe(0);
    expect(files().length).toBeGreaterThan(0);
    if (!builtIn) expect(statSync(cacheDir).mode & 0o777).toBe(0o700);
    const warm = await init();
    expect(warm.code).toBe(0);
    expect(warm.stdout).toBe(cold.stdout);
    expect(
      JSON.parse(warm.stdout).tools.some((t: { status: string }) => t.status === "gated"),
    ).toBe(true);
  });

  it.runIf(!builtIn)("replaces a damaged cache file and still answers the same", async () => {
    const { cacheDir, init, files } = setup();
    const first = await init();
    const names = files().filter((f) => f.endsWith(".v8"));
    expect(names.length).toBeGreaterThan(0);
    for (const f of names) writeFileSync(path.join(cacheDir, f), "not V8 code");
    const damaged = await init();
    expect(damaged.code).toBe(0);
    expect(damaged.stdout).toBe(first.stdout);
    for (const f of names)
      expect(readFileSync(path.join(cacheDir, f), "utf8")).not.toBe("not V8 code");
  });

  it.runIf(!builtIn)("is not used from a directory others can write to", async () => {
    const { cacheDir, init, files } = setup();
    await init();
    const names = files().filter((f) => f.endsWith(".v8"));
    // the directory was used while it was private: the check below is not vacuous
    expect(names.length).toBeGreaterThan(0);
    for (const f of names) rmSync(path.join(cacheDir, f));
    chmodSync(cacheDir, 0o777);
    const r = await init();
    expect(r.code).toBe(0);
    expect(files().filter((f) => f.endsWith(".v8"))).toEqual([]);
  });

  it("is off with NODE_DISABLE_COMPILE_CACHE=1", async () => {
    const { init, files } = setup();
    const r = await init({ NODE_DISABLE_COMPILE_CACHE: "1" });
    expect(r.code).toBe(0);
    expect(files()).toEqual([]);
  });

  it.runIf(!builtIn)(
    "serves a module edited in place (same length and mtime, as npm installs) its new code",
    async () => {
      const tmp = mkdtempSync(path.join(tmpdir(), "governor-cc-edit-"));
      temps.push(tmp);
      // a CommonJS module over the 256 KB the cache starts at; `v` is what a stale cache would keep
      const big = path.join(tmp, "big.cjs");
      const body = (v: string) =>
        `module.exports = { v: "${v}" };\n` + `// ${"x".repeat(80)}\n`.repeat(4000);
      // npm gives every installed file the same mtime (1985-10-26)
      const npmTime = new Date("1985-10-26T08:15:00Z");
      writeFileSync(big, body("one"));
      utimesSync(big, npmTime, npmTime);
      const probe = path.join(tmp, "probe.mts");
      writeFileSync(
        probe,
        `import { enableCompileCache } from ${JSON.stringify(path.resolve("src/cli-support/compile-cache.ts"))};\n` +
          `import { createRequire } from "node:module";\n` +
          `enableCompileCache();\n` +
          `process.stdout.write(createRequire(import.meta.url)(${JSON.stringify(big)}).v);\n`,
      );
      const env = { TMPDIR: tmp, TMP: tmp, TEMP: tmp };
      const cacheDir = path.join(tmp, `governor-compile-cache-${process.getuid?.() ?? "user"}`);
      const probeRun = () => runNode(["--import", "tsx", probe], env);
      expect(await probeRun()).toBe("one");
      expect(readdirSync(cacheDir).filter((f) => f.endsWith(".v8")).length).toBe(1);
      expect(await probeRun()).toBe("one");
      const before = statSync(big, { bigint: true });
      writeFileSync(big, body("two"));
      utimesSync(big, npmTime, npmTime);
      const after = statSync(big, { bigint: true });
      expect([after.size, after.mtimeNs]).toEqual([before.size, before.mtimeNs]);
      expect(await probeRun()).toBe("two");
    },
  );
});
