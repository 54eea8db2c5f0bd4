// `governor init --dry-run --json` against a floor measured in the same run: one node process that
// reads every source file of the repository (what detection lists) and parses each with TypeScript's `ts.createSourceFile`. Both
// are whole processes (spawn to exit), run alternately, medians. init runs with the result cache
// off (the analysis of a first run) but V8's compile cache warm (as on every run after the very
// first on a machine); a third row shows a repeated run answered from the result cache. Target:
// init <= 1.0x the floor,
//  (a) on a generated repository of 1,000+ source files shaped like real apps (most without tools,
//      a few dozen with tools of every framework, some long files);
//  (b) on the largest repository of the scoring corpus (test/real-repos/manifest), from its mirror;
//      skipped with a message when no mirror is present (a clean CI clone has none).
// Build first (npm run bench does).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { tsImport } from "tsx/esm/api";
import { writeSyntheticApp } from "./synthetic-app.mjs";
import { median } from "./support.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const cli = path.join(root, "bin/governor.js");
const ROUNDS = Number(process.env.BENCH_INIT_ROUNDS ?? 5);
const { detectProject } = await tsImport(
  path.join(root, "src/detectors/project.ts"),
  import.meta.url,
);

// The floor: a process that loads TypeScript, reads each source file of the repository and parses it.
const FLOOR = `
const fs = require("node:fs");
const ts = require(${JSON.stringify(path.join(root, "node_modules/typescript"))});
let nodes = 0;
for (const f of fs.readFileSync(process.argv[1], "utf8").split("\\n")) {
  if (!f) continue;
  const sf = ts.createSourceFile(f, fs.readFileSync(f, "utf8"), ts.ScriptTarget.Latest);
  nodes += sf.statements.length;
}
process.stdout.write(String(nodes));
`;

/** Every source file of the repository under `dir` (all packages of a workspace), absolute: the
 *  ones init reads, and those of packages it leaves alone as a framework's own source. */
function sourceFiles(dir) {
  const d = detectProject(dir, {});
  return [
    ...d.packages.flatMap((p) => p.sources.map((s) => path.join(p.dir, s.path))),
    ...d.frameworkSources.flatMap((f) => f.files.map((s) => path.join(dir, f.relDir, s))),
  ];
}

function timed(cmd, args, opts) {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 256 << 20, ...opts });
  return { ms: performance.now() - t0, r };
}

const INIT = ["init", "--dry-run", "--json", "--no-install", "--allow-dirty"];

/** One init run; `cache`: whether the result cache may answer (it is primed before round 1). */
function initRun(dir, cache, tmp) {
  const env = { ...process.env, NO_COLOR: "1", CI: "1", GOVERNOR_ENFORCE_URL: "", TMPDIR: tmp };
  if (!cache) env.GOVERNOR_RESULT_CACHE = "off";
  return timed(process.execPath, [cli, ...INIT], { cwd: dir, env });
}

const fmt = (xs) => xs.map((x) => (x / 1000).toFixed(2)).join(", ");

// Each round runs the floor, init with the result cache off (the target's row; the compile cache
// stays warm) and init answered from the result cache (a repeated run over an unchanged tree).
function measure(label, dir) {
  const files = sourceFiles(dir);
  const tmp = mkdtempSync(path.join(tmpdir(), "governor-floor-"));
  const list = path.join(tmp, "files.txt");
  writeFileSync(list, files.join("\n"));
  const cold = [];
  const warm = [];
  const floor = [];
  let report = null;
  let status = null;
  let same = true;
  initRun(dir, true, tmp); // primes the compile cache and the result cache
  for (let k = 0; k < ROUNDS; k++) {
    const f = timed(process.execPath, ["-e", FLOOR, list]);
    if (f.r.status !== 0) throw new Error(`floor failed: ${f.r.stderr}`);
    floor.push(f.ms);
    const o = initRun(dir, false, tmp);
    cold.push(o.ms);
    status = o.r.status;
    try {
      report = JSON.parse(o.r.stdout);
    } catch {
      report = null;
    }
    const w = initRun(dir, true, tmp);
    warm.push(w.ms);
    if (w.r.stdout !== o.r.stdout || w.r.status !== status) same = false;
  }
  rmSync(tmp, { recursive: true, force: true });
  const mf = median(floor);
  const ratio = median(cold) / mf;
  const gated = report ? report.tools.filter((t) => t.status === "gated").length : -1;
  const ok = status === 0 && report !== null && ratio <= 1.0;
  console.log(
    `${label.padEnd(44)} init ${(median(cold) / 1000).toFixed(2)} s vs floor ${(mf / 1000).toFixed(2)} s` +
      `  ${ratio.toFixed(2)}x  target <= 1.0x  ${ok ? "ok" : "FAIL"}`,
  );
  console.log(
    `${"".padEnd(44)} ${files.length} source files; init found ${report?.tools.length ?? "?"} tools, gated ${gated}, exit ${status}` +
      `; rounds init [${fmt(cold)}] floor [${fmt(floor)}]`,
  );
  console.log(
    `${"".padEnd(44)} run again on the unchanged tree (result cache): ${(median(warm) / 1000).toFixed(2)} s, ` +
      `${(median(warm) / mf).toFixed(2)}x; ${same ? "the same report" : "A DIFFERENT REPORT: FAIL"}; rounds [${fmt(warm)}]`,
  );
  return { ok: ok && same, report };
}

let failed = 0;
console.log(`node ${process.version}, ${ROUNDS} alternating rounds, medians (spawn to exit)`);

// (a) the generated app
const app = mkdtempSync(path.join(tmpdir(), "governor-init-bench-"));
try {
  const shape = writeSyntheticApp(app);
  const { ok, report } = measure(`(a) generated app, ${shape.files} files`, app);
  const gated = report ? report.tools.filter((t) => t.status === "gated").length : 0;
  // every generated tool must be found: a fast run that misses tools proves nothing
  if (gated < shape.tools) {
    console.log(`    FAIL: init gated ${gated} of the ${shape.tools} generated tools`);
    failed++;
  }
  if (!ok) failed++;
} finally {
  rmSync(app, { recursive: true, force: true });
}

// (b) the largest repository of the scoring corpus
const mirrors = process.env.GOVERNOR_MIRRORS ?? "/work/.mirror";
const manifestDir = path.join(root, "test/real-repos/manifest");
const corpus = readdirSync(manifestDir)
  .map((f) => JSON.parse(readFileSync(path.join(manifestDir, f), "utf8")))
  .map((m) => ({ ...m, git: path.join(mirrors, m.repo.replace("/", "+"), "repo") }))
  .filter((m) => existsSync(m.git));
if (corpus.length === 0) {
  console.log(
    `(b) largest corpus repository: skipped, no mirror under ${mirrors} (fetch the repos of test/real-repos/manifest)`,
  );
} else {
  const count = (m) =>
    execFileSync("git", ["--git-dir", m.git, "ls-tree", "-r", "--name-only", m.commit], {
      encoding: "utf8",
      maxBuffer: 64 << 20,
    })
      .split("\n")
      .filter((p) => /\.[mc]?[jt]sx?$/.test(p) && !/(^|\/)node_modules\//.test(p)).length;
  const largest = corpus.map((m) => ({ m, n: count(m) })).sort((a, b) => b.n - a.n)[0].m;
  const dir = mkdtempSync(path.join(tmpdir(), "governor-init-corpus-"));
  try {
    execFileSync("sh", [
      "-c",
      `git --git-dir="${largest.git}" archive ${largest.commit} | tar -x -C "${dir}"`,
    ]);
    const { ok } = measure(`(b) ${largest.repo} (whole repository)`, dir);
    if (!ok) failed++;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(failed ? "FAIL" : "PASS");
process.exitCode = failed ? 1 : 0;
