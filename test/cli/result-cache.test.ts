// init and doctor keep the answers of their pure analyses (the codemod, the run-time tool scan, the
// entrypoint checks) between runs in a private directory under the temp dir. A run answered from
// the cache says exactly what a run without it says; a changed file, option or governor build is
// answered afresh; a directory others could write to is not used.
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanEnv, root, run, type RunResult } from "./helpers.js";
import { cleanupTemp, copyFixture, ensureBuilt } from "../init/helpers.js";

beforeAll(() => ensureBuilt(), 120_000);
const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
  cleanupTemp();
});

const DRY = ["init", "--dry-run", "--json", "--no-install", "--allow-dirty"];
const uid = process.getuid?.() ?? "user";

function setup(fixture = "ts-esm-npm") {
  const tmp = mkdtempSync(path.join(tmpdir(), "governor-rc-"));
  temps.push(tmp);
  const dir = copyFixture(fixture);
  const cacheDir = path.join(tmp, `governor-cache-${uid}`);
  const env = (extra: Record<string, string> = {}) => ({
    TMPDIR: tmp,
    TMP: tmp,
    TEMP: tmp,
    GOVERNOR_DEBUG: "1",
    ...extra,
  });
  const init = (args = DRY, extra: Record<string, string> = {}) =>
    run(args, { cwd: dir, env: env(extra) });
  const entries = () =>
    existsSync(cacheDir) ? readdirSync(cacheDir).filter((f) => f.endsWith(".json")) : [];
  return { tmp, dir, cacheDir, env, init, entries };
}

const hits = (r: RunResult) => r.stderr.match(/result cache hit/g)?.length ?? 0;
const misses = (r: RunResult) => r.stderr.match(/result cache miss/g)?.length ?? 0;
const tools = (r: RunResult) =>
  (JSON.parse(r.stdout) as { tools: { name: string | null; status: string }[] }).tools;

describe("the result cache", () => {
  it("answers a second run exactly as the first, from private files", async () => {
    const { cacheDir, init, entries } = setup();
    const cold = await init();
    expect(cold.code).toBe(0);
    expect(hits(cold)).toBe(0);
    expect(misses(cold)).toBeGreaterThan(0);
    const names = entries();
    expect(names.some((f) => f.startsWith("gate-"))).toBe(true);
    expect(names.some((f) => f.startsWith("scan-"))).toBe(true);
    expect(names.some((f) => f.startsWith("entries-"))).toBe(true);
    expect(statSync(cacheDir).mode & 0o777).toBe(0o700);
    for (const f of names) expect(statSync(path.join(cacheDir, f)).mode & 0o777).toBe(0o600);
    const warm = await init();
    expect(warm.code).toBe(0);
    expect(misses(warm)).toBe(0);
    expect(hits(warm)).toBe(misses(cold));
    expect(warm.stdout).toBe(cold.stdout);
    expect(
      tools(warm)
        .filter((t) => t.status === "gated")
        .map((t) => t.name),
    ).toEqual(["get_order", "refund_payment"]);
  });

  it("answers a changed file afresh: a tool added since the last run is found", async () => {
    const { dir, init } = setup();
    await init();
    const file = path.join(dir, "src/tools.ts");
    writeFileSync(
      file,
      readFileSync(file, "utf8") +
        `\nexport const cancelOrder = tool({\n  description: "Cancel an order",\n` +
        `  inputSchema: z.object({ orderId: z.string() }),\n  execute: async ({ orderId }) => ({ orderId }),\n});\n`,
    );
    const again = await init();
    expect(again.code).toBe(0);
    expect(misses(again)).toBeGreaterThan(0);
    expect(tools(again).map((t) => t.name)).toContain("cancelOrder");
    // and without the cache, the same answer
    const off = await init(DRY, { GOVERNOR_RESULT_CACHE: "off" });
    expect(off.stdout).toBe(again.stdout);
  });

  it("answers other options afresh (--framework)", async () => {
    const { init } = setup();
    const all = await init();
    expect(tools(all).length).toBeGreaterThan(0);
    const other = await init([...DRY, "--framework", "langchain"]);
    expect(other.code).toBe(0);
    expect(tools(other)).toEqual([]);
  });

  it("writes what a run without it writes (init --yes after a cached dry run)", async () => {
    const a = setup("monorepo");
    const b = setup("monorepo");
    const write = ["init", "--yes", "--no-install", "--allow-dirty", "--json"];
    await a.init();
    const warm = await a.init(write);
    expect(warm.code).toBe(0);
    expect(hits(warm)).toBeGreaterThan(0);
    const off = await b.init(write, { GOVERNOR_RESULT_CACHE: "off" });
    expect(off.code).toBe(0);
    const texts = (d: string) =>
      (readdirSync(d, { recursive: true }) as string[])
        .filter((f) => !f.includes(".governor") && statSync(path.join(d, f)).isFile())
        .sort()
        .map((f) => [f, readFileSync(path.join(d, f), "utf8")]);
    expect(texts(a.dir)).toEqual(texts(b.dir));
    // and reports the same lines after the edits (kept in the entry as the edits' line moves)
    const lines = (r: { stdout: string }) => {
      const j = JSON.parse(r.stdout);
      return [j.tools, j.runtimeTools];
    };
    expect(lines(warm)).toEqual(lines(off));
    // the rewrite gated something: the comparison is not of two untouched trees
    expect(readFileSync(path.join(a.dir, "packages/agent/src/index.ts"), "utf8")).toMatch(/gate\(/);
  });

  it("answers doctor's coverage check as a run without it does", async () => {
    const { init } = setup("monorepo");
    const doctor = ["doctor", "--json"];
    const checks = (r: RunResult) =>
      (JSON.parse(r.stdout) as { checks: { id: string }[] }).checks.filter((c) =>
        c.id.startsWith("tools."),
      );
    const cold = await init(doctor);
    expect(misses(cold)).toBeGreaterThan(0);
    const warm = await init(doctor);
    expect(hits(warm)).toBe(misses(cold));
    expect(checks(warm)).toEqual(checks(cold));
    expect(checks(await init(doctor, { GOVERNOR_RESULT_CACHE: "off" }))).toEqual(checks(cold));
    // the monorepo's tools are not gated yet: the compared check names them
    expect(JSON.stringify(checks(cold))).toMatch(/search_docs[\s\S]*send_email/);
  });

  it("is not used from a directory others can write to", async () => {
    const { cacheDir, init, entries } = setup();
    mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
    chmodSync(cacheDir, 0o777);
    const first = await init();
    expect(first.code).toBe(0);
    expect(entries()).toEqual([]);
    expect(hits(await init())).toBe(0);
  });

  it("is off with GOVERNOR_RESULT_CACHE=off", async () => {
    const { init, entries } = setup();
    const r = await init(DRY, { GOVERNOR_RESULT_CACHE: "off" });
    expect(r.code).toBe(0);
    expect(entries()).toEqual([]);
  });

  it("ignores a damaged entry and answers the same", async () => {
    const { cacheDir, init, entries } = setup();
    const first = await init();
    for (const f of entries()) writeFileSync(path.join(cacheDir, f), "{ not json");
    const again = await init();
    expect(again.code).toBe(0);
    expect(hits(again)).toBe(0);
    expect(again.stdout).toBe(first.stdout);
  });

  it("clears what a run that died while writing left, once it is an hour old", async () => {
    const { cacheDir, init } = setup();
    mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
    const old = path.join(cacheDir, "gate-dead.json.123.tmp");
    const recent = path.join(cacheDir, "gate-busy.json.456.tmp");
    writeFileSync(old, "{");
    writeFileSync(recent, "{");
    const twoHoursAgo = new Date(Date.now() - 7200_000);
    utimesSync(old, twoHoursAgo, twoHoursAgo);
    expect((await init()).code).toBe(0);
    expect(existsSync(old)).toBe(false);
    expect(existsSync(recent)).toBe(true);
  });

  it("answers afresh once governor is rebuilt or reinstalled", async () => {
    // a copy of the built package, so its files can be touched without disturbing other tests
    const { tmp, dir, env } = setup();
    const pkg = path.join(tmp, "governor-copy");
    mkdirSync(pkg);
    for (const f of ["bin", "dist", "templates", "package.json"])
      cpSync(path.join(root, f), path.join(pkg, f), { recursive: true });
    symlinkSync(path.join(root, "node_modules"), path.join(pkg, "node_modules"));
    const cli = (): Promise<RunResult> =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [path.join(pkg, "bin/governor.js"), ...DRY], {
          cwd: dir,
          env: cleanEnv(env()),
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code, stdout, stderr }));
      });
    const first = await cli();
    expect(first.code).toBe(0);
    expect(hits(await cli())).toBeGreaterThan(0);
    // a rebuild rewrites the bundle: same content here, but a new change time
    const chunk = readdirSync(path.join(pkg, "dist")).find((f) => f.endsWith(".js"))!;
    const file = path.join(pkg, "dist", chunk);
    writeFileSync(file, readFileSync(file));
    utimesSync(file, statSync(file).atime, statSync(file).mtime);
    const rebuilt = await cli();
    expect(hits(rebuilt)).toBe(0);
    expect(rebuilt.stdout).toBe(first.stdout);
  });
});
