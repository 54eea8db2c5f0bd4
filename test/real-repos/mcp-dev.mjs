#!/usr/bin/env node
// `governor mcp --dev` on the real repositories of the scoring corpus (test/real-repos/manifest): for
// each, through the MCP SDK Client over stdio, governor_scan must name every labelled tool (gated or
// not, none missing), governor_plan must equal `governor init --dry-run --json`, and governor_apply
// must write what `governor init --yes` writes on a second copy. No third-party code is committed.
//
//   node test/real-repos/mcp-dev.mjs [--mirrors /work/.mirror] [--only owner/name]
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.join(here, "..", "..", "bin", "governor.js");
const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const mirrors = opt("--mirrors", "/work/.mirror");
const only = opt("--only", null);
const NEAR = 3;
const env = { ...process.env, NO_COLOR: "1", CI: "1", GOVERNOR_ENFORCE_URL: "" };

function extract(m) {
  const gitDir = path.join(mirrors, m.repo.replace("/", "+"), "repo");
  if (!existsSync(gitDir)) return null;
  const dir = mkdtempSync(path.join(tmpdir(), "gov-mcp-real-"));
  execFileSync("sh", ["-c", `git --git-dir="${gitDir}" archive ${m.commit} | tar -x -C "${dir}"`]);
  const git = (...a) => execFileSync("git", a, { cwd: dir, stdio: "ignore" });
  git("init", "-q");
  git("add", "-A");
  git("-c", "user.email=s@g", "-c", "user.name=s", "commit", "-qm", "labelled commit");
  return { dir, app: path.join(dir, m.subdir ?? "") };
}

/** Every file but .git and init's backups, as path -> content. */
function tree(dir, rel = "", out = new Map()) {
  for (const name of readdirSync(path.join(dir, rel))) {
    const r = path.join(rel, name);
    // init's backups carry the time in their names
    if (r === ".git" || name === ".governor") continue;
    const abs = path.join(dir, r);
    if (statSync(abs).isDirectory()) tree(dir, r, out);
    else out.set(r, readFileSync(abs, "utf8"));
  }
  return out;
}

const differ = (a, b) =>
  [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k));
const same = (a, b) => a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);

async function check(m) {
  const a = extract(m);
  if (!a) return { repo: m.repo, error: "no mirror" };
  const b = extract(m);
  const client = new Client({ name: "mcp-dev-real", version: "0" });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [CLI, "mcp", "--dev", "--allow-apply", "--cwd", a.app],
      env,
      stderr: "ignore",
    }),
  );
  const call = async (name, a2) => {
    const t = Date.now();
    const r = await client.callTool({ name, arguments: a2 }, undefined, { timeout: 600_000 });
    if (r.isError) throw new Error(`${name}: ${r.content?.[0]?.text?.slice(0, 300)}`);
    return { data: r.structuredContent, ms: Date.now() - t };
  };
  try {
    const scan = await call("governor_scan", {});
    const found = (scan.data.packages ?? [scan.data]).flatMap((p) => p.tools ?? []);
    const missing = m.tools.filter(
      (l) =>
        !found.some(
          (f) =>
            path.resolve(a.app, f.file) === path.resolve(a.app, l.file) &&
            (Math.abs((f.line ?? 0) - l.line) <= NEAR || (l.name && f.name === l.name)),
        ),
    );
    const plan = await call("governor_plan", { install: false });
    const cli = spawnSync(
      process.execPath,
      [CLI, "init", "--dry-run", "--json", "--no-install", "--cwd", b.app],
      { env, encoding: "utf8" },
    );
    const planSame =
      JSON.stringify(plan.data.report).replaceAll(a.dir, "<root>") ===
      JSON.stringify(JSON.parse(cli.stdout)).replaceAll(b.dir, "<root>");
    const applied = await call("governor_apply", { plan_id: plan.data.plan_id, allowDirty: true });
    const yes = spawnSync(
      process.execPath,
      [CLI, "init", "--yes", "--json", "--no-install", "--cwd", b.app],
      { env, encoding: "utf8" },
    );
    return {
      repo: m.repo + (m.subdir ? `/${m.subdir}` : ""),
      labelled: m.tools.length,
      scanned: found.length,
      gated: found.filter((f) => f.gated).length,
      missing: missing.map((l) => `${l.file}:${l.line} ${l.name ?? l.kind}`),
      planSame,
      applySame: yes.status === 0 && !applied.data.differs && same(tree(a.dir), tree(b.dir)),
      ...(process.env.SHOW_DIFF && {
        differ: differ(tree(a.dir), tree(b.dir)),
        yes: yes.status,
        differs: applied.data.differs,
      }),
      ms: { scan: scan.ms, plan: plan.ms, apply: applied.ms },
    };
  } catch (err) {
    return { repo: m.repo, error: String(err.message ?? err).slice(0, 400) };
  } finally {
    await client.close();
    rmSync(a.dir, { recursive: true, force: true });
    rmSync(b.dir, { recursive: true, force: true });
  }
}

const manifests = readdirSync(path.join(here, "manifest"))
  .map((f) => JSON.parse(readFileSync(path.join(here, "manifest", f), "utf8")))
  .filter((m) => !only || m.repo === only);
let bad = 0;
for (const m of manifests) {
  const r = await check(m);
  if (r.error || r.missing?.length || !r.planSame || !r.applySame) bad++;
  console.log(JSON.stringify(r));
}
console.log(
  `${manifests.length - bad} of ${manifests.length} repositories: scan names every labelled tool, plan = init --dry-run, apply = init --yes`,
);
process.exit(bad ? 1 : 0);
