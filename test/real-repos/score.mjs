#!/usr/bin/env node
// Scores governor init (and the run-time layers it wires) against a corpus of real public
// repositories whose tools were labelled by reading their code (test/real-repos/manifest/*.json;
// no third-party code is committed). For each repository: extract the labelled commit from a mirror,
// run `governor init --dry-run --json`, then the real init and a second dry run, and compare.
//
//   node test/real-repos/score.mjs [--mirrors /work/.mirror] [--only owner/name] [--json]
//
// Mirrors are bare git dirs at <mirrors>/<owner>+<name>/repo (what the search tool's fetch brings).
// Per repository and in total it prints:
//   recall     labelled tools gated by some layer after init (the rewrite, or governor/register /
//              a wrapper as init leaves the app) / labelled tools; "rewrite" counts the rewrite alone
//   named      labelled tools no layer gates but that init names (a manual site or a runtime tool)
//   hosted     provider-hosted tools (OpenAI Agents webSearchTool...): they run on the provider's
//              servers, so no layer can gate them; init must name them. Not in recall's denominator.
//   SILENT     labelled tools init neither gates nor names: the worst outcome, must be 0
//   precision  init's rewrites that are labelled tools / init's rewrites
//   unparsable files init could not parse or analyse; churn: files a second init would change
//   left alone packages init left alone as a framework's own source (named in its report); a manifest's
//              `leftAlone` lists exactly the ones it must leave (any other is a mismatch, like SILENT),
//              and `labelledUnder` limits precision to the rewrites under the labelled directories
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.join(here, "..", "..", "bin", "governor.js");
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const mirrors = opt("--mirrors", "/work/.mirror");
const only = opt("--only", null);
const asJson = args.includes("--json");
const NEAR = 3; // a finding within 3 lines of a label, in the same file, is that tool

function governor(cwd, cliArgs) {
  const r = spawnSync(process.execPath, [CLI, ...cliArgs], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", CI: "1", GOVERNOR_ENFORCE_URL: "" },
  });
  let json = null;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    json = null;
  }
  return { code: r.status, json, stderr: r.stderr };
}

function extract(m) {
  const gitDir = path.join(mirrors, m.repo.replace("/", "+"), "repo");
  if (!existsSync(gitDir)) return { error: `no mirror at ${gitDir} (fetch github:${m.repo})` };
  const dir = mkdtempSync(path.join(tmpdir(), "gov-score-"));
  execFileSync("sh", ["-c", `git --git-dir="${gitDir}" archive ${m.commit} | tar -x -C "${dir}"`]);
  const git = (...a) => execFileSync("git", a, { cwd: dir, stdio: "ignore" });
  git("init", "-q");
  git("add", "-A");
  git(
    "-c",
    "user.email=score@governor",
    "-c",
    "user.name=score",
    "commit",
    "-qm",
    "labelled commit",
  );
  return { dir, app: path.join(dir, m.subdir ?? "") };
}

const near = (label, f, root, app) =>
  path.resolve(root, f.file) === path.resolve(app, label.file) &&
  (Math.abs((f.line ?? 0) - label.line) <= NEAR || (label.name && f.name === label.name));

function score(m) {
  const x = extract(m);
  if (x.error) return { repo: m.repo, error: x.error };
  try {
    const plan = governor(x.app, ["init", "--dry-run", "--json", "--no-install", "--allow-dirty"]);
    if (!plan.json || plan.code !== 0)
      return {
        repo: m.repo,
        error: `init --dry-run failed (exit ${plan.code}): ${plan.stderr.slice(0, 300)}`,
      };
    const tools = plan.json.tools ?? [];
    const runtime = plan.json.runtimeTools ?? [];
    const rewrites = tools.filter((t) => t.status === "gated" || t.status === "already-gated");
    const out = {
      repo: m.repo + (m.subdir ? `/${m.subdir}` : ""),
      labelled: 0,
      hosted: 0,
      rewrite: 0,
      runtime: 0,
      named: 0,
      silent: [],
      extra: [],
    };
    for (const label of m.tools) {
      if (label.kind === "hosted") {
        if ([...tools, ...runtime].some((f) => near(label, f, x.app, x.app))) out.hosted++;
        else out.silent.push(`${label.file}:${label.line} ${label.name ?? label.kind} (hosted)`);
        continue;
      }
      out.labelled++;
      if (rewrites.some((f) => near(label, f, x.app, x.app))) out.rewrite++;
      else if (runtime.some((f) => f.gatedBy && near(label, f, x.app, x.app))) out.runtime++;
      else if ([...tools, ...runtime].some((f) => near(label, f, x.app, x.app))) out.named++;
      else out.silent.push(`${label.file}:${label.line} ${label.name ?? label.kind}`);
    }
    const left = (plan.json.frameworkSources ?? []).map((f) => f.package).sort();
    const want = [...(m.leftAlone ?? [])].sort();
    out.leftAlone = left.length;
    out.leftAloneMismatch = [
      ...left.filter((p) => !want.includes(p)).map((p) => `${p} left alone, not expected`),
      ...want.filter((p) => !left.includes(p)).map((p) => `${p} expected left alone, was analysed`),
    ];
    const labelled = (f) =>
      !m.labelledUnder || m.labelledUnder.some((d) => f.file.startsWith(d + "/"));
    const matched = rewrites.filter((f) => m.tools.some((label) => near(label, f, x.app, x.app)));
    out.extra = rewrites
      .filter(labelled)
      .filter((f) => !matched.includes(f))
      .map((f) => `${f.file}:${f.line} ${f.name ?? f.form}`);
    const scored = rewrites.filter(labelled).length;
    out.precision = scored ? matched.length / scored : 1;
    out.rewrites = scored;
    out.unparsable = (plan.json.warnings ?? []).filter((w) =>
      /does not parse|could not analyse|left unchanged/.test(w),
    );
    // Apply, then a second dry run must change nothing.
    const applied = governor(x.app, ["init", "--yes", "--no-install", "--allow-dirty", "--json"]);
    out.applied = applied.code === 0;
    if (applied.code === 0) {
      execFileSync(
        "sh",
        ["-c", "git add -A && git -c user.email=score@governor -c user.name=score commit -qm init"],
        { cwd: x.dir, stdio: "ignore" },
      );
      const again = governor(x.app, [
        "init",
        "--dry-run",
        "--json",
        "--no-install",
        "--allow-dirty",
      ]);
      out.churn = again.json
        ? (again.json.files ?? [])
            .filter((f) => f.action && f.action !== "unchanged")
            .map((f) => `${f.path} (${f.action})`)
        : [`second init gave no JSON (exit ${again.code})`];
    } else {
      out.churn = [`init failed (exit ${applied.code}): ${applied.stderr.slice(0, 200)}`];
    }
    return out;
  } finally {
    rmSync(x.dir, { recursive: true, force: true });
  }
}

const dir = path.join(here, "manifest");
const manifests = readdirSync(dir)
  .filter((f) => f.endsWith(".json"))
  .map((f) => JSON.parse(readFileSync(path.join(dir, f), "utf8")))
  .filter((m) => !only || m.repo === only);
const results = manifests.map(score);

const ok = results.filter((r) => !r.error);
const sum = (k) => ok.reduce((n, r) => n + (Array.isArray(r[k]) ? r[k].length : r[k]), 0);
const total = {
  repos: ok.length,
  labelled: sum("labelled"),
  hosted: sum("hosted"),
  rewrite: sum("rewrite"),
  runtime: sum("runtime"),
  named: sum("named"),
  silent: sum("silent"),
  rewrites: sum("rewrites"),
  extra: sum("extra"),
  unparsable: sum("unparsable"),
  churn: sum("churn"),
  leftAlone: sum("leftAlone"),
  leftAloneMismatch: sum("leftAloneMismatch"),
};
const pct = (a, b) => (b ? `${((100 * a) / b).toFixed(1)}%` : "n/a");
if (asJson) {
  process.stdout.write(JSON.stringify({ results, total }, null, 2) + "\n");
} else {
  console.log(
    "| repository | labelled | rewrite | run time | recall | named only | hosted (named) | SILENT | precision | unparsable | churn | left alone |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|---|---|---|");
  for (const r of results) {
    if (r.error) {
      console.log(`| ${r.repo} | error: ${r.error} |`);
      continue;
    }
    console.log(
      `| ${r.repo} | ${r.labelled} | ${r.rewrite} | ${r.runtime} | ${pct(r.rewrite + r.runtime, r.labelled)} | ${r.named} | ${r.hosted} | ${r.silent.length} | ${pct(r.rewrites - r.extra.length, r.rewrites)} | ${r.unparsable.length} | ${r.churn.length} | ${r.leftAlone}${r.leftAloneMismatch.length ? ` (${r.leftAloneMismatch.length} mismatched)` : ""} |`,
    );
  }
  const t = total;
  console.log(
    `| **total (${t.repos})** | ${t.labelled} | ${t.rewrite} | ${t.runtime} | ${pct(t.rewrite + t.runtime, t.labelled)} | ${t.named} | ${t.hosted} | ${t.silent} | ${pct(t.rewrites - t.extra, t.rewrites)} | ${t.unparsable} | ${t.churn} | ${t.leftAlone}${t.leftAloneMismatch ? ` (${t.leftAloneMismatch} mismatched)` : ""} |`,
  );
  for (const r of ok) {
    for (const s of r.silent) console.log(`SILENT  ${r.repo}: ${s}`);
    for (const e of r.extra) console.log(`extra   ${r.repo}: ${e} (a rewrite no label matches)`);
    for (const u of r.unparsable) console.log(`unparsable ${r.repo}: ${u}`);
    for (const c of r.churn) console.log(`churn   ${r.repo}: ${c}`);
    for (const l of r.leftAloneMismatch) console.log(`LEFT ALONE ${r.repo}: ${l}`);
  }
}
process.exit(results.some((r) => r.error) || total.silent || total.leftAloneMismatch ? 1 : 0);
