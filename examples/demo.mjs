#!/usr/bin/env node
// The quick start: gate a real agent in a temp copy and watch a denied tool not run.
// `npm run demo` builds governor first, then runs this. Needs only Node and `npm ci`.
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { createTwoFilesPatch, diffLines } from "diff";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const CLI = join(REPO, "bin", "governor.js");
const EXAMPLE = join(REPO, "examples", "support-agent");
const POLICY = join(REPO, "examples", "policy.yaml");

let server = null;
let work = null;

function step(n, text) {
  console.log(`\n${n}. ${text}`);
}

function indent(text, pad = "   ") {
  return text.trimEnd().split("\n").map((l) => pad + l).join("\n");
}

// Runs a node script to completion and returns its output; the demo stops on an unexpected failure.
function node(args, { cwd, env = {}, okCodes = [0] } = {}) {
  const res = spawnSync(process.execPath, args, {
    cwd,
    env: { ...process.env, NO_COLOR: "1", ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
  if (res.error) throw new Error(`could not run node ${args.join(" ")}: ${res.error.message}`);
  if (!okCodes.includes(res.status)) {
    throw new Error(`\`${args.map((a) => a.replace(REPO, "")).join(" ")}\` exited with ${res.status}\n${res.stdout}${res.stderr}`);
  }
  return res;
}

// A copy of the example in a temp dir; its dependencies link to this repo's node_modules,
// and `governor` links to this repo (what `npm install governor` would give you).
function copyExample() {
  const dir = mkdtempSync(join(tmpdir(), "governor-demo-"));
  cpSync(EXAMPLE, dir, { recursive: true, filter: (src) => !src.includes("node_modules") });
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  for (const dep of [...Object.keys(pkg.dependencies ?? {}), "governor"]) {
    const target = dep === "governor" ? REPO : join(REPO, "node_modules", dep);
    if (!existsSync(target)) throw new Error(`${dep} is not installed. Run \`npm ci\` in ${REPO} first.`);
    const link = join(dir, "node_modules", dep);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(target, link, "dir");
  }
  return dir;
}

// Per changed file "+added -removed", then the diff of the tools file: what init did to the code.
function changeSummary(before, after) {
  const lines = ["What changed:"];
  let toolsPatch = "";
  for (const file of listFiles(after)) {
    const rel = relative(after, file);
    const old = existsSync(join(before, rel)) ? readFileSync(join(before, rel), "utf8") : "";
    const now = readFileSync(file, "utf8");
    if (old === now) continue;
    let added = 0;
    let removed = 0;
    for (const part of diffLines(old, now)) {
      if (part.added) added += part.count ?? 0;
      if (part.removed) removed += part.count ?? 0;
    }
    lines.push(`  ${old ? "changed" : "created"} ${rel}  (+${added} -${removed})`);
    if (rel === join("src", "tools.js")) toolsPatch = createTwoFilesPatch(rel, rel, old, now, "", "", { context: 1 });
  }
  if (toolsPatch) lines.push("", ...toolsPatch.split("\n").slice(2));
  return lines.join("\n");
}

function listFiles(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && !/node_modules|\.governor/.test(relative(dir, e.parentPath)) && e.name !== "audit.jsonl")
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

// Starts `governor serve` and resolves with its URL (the first stdout line says where it listens).
function startServer() {
  const child = spawn(process.execPath, [CLI, "serve", "--port", "0", "--policy", POLICY], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1" },
  });
  server = child;
  let out = "";
  let err = "";
  child.stderr.on("data", (d) => (err += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`governor serve did not start in 10s\n${err}`)), 10_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`governor serve exited (${code}) before listening\n${err}`));
    });
    child.stdout.on("data", (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.removeAllListeners("exit");
        resolve({ url: m[1], log: () => err });
      }
    });
  });
}

function cleanUp() {
  if (server && server.exitCode === null) server.kill();
  if (work) rmSync(work, { recursive: true, force: true });
  server = null;
  work = null;
}

async function main() {
  if (!existsSync(join(REPO, "dist", "cli.js"))) throw new Error("governor is not built. Run `npm run demo` (it builds first).");

  step(1, "Copy the example support agent (Vercel AI SDK, scripted offline model) to a temp dir.");
  work = copyExample();
  console.log(`   ${work}`);

  step(2, "Run the agent as it is, without governor. Its tools do whatever the model asks:");
  console.log(node(["src/index.js"], { cwd: work }).stdout.trimEnd());

  step(3, "Run `governor init --yes --no-install` on it: every tool gets wrapped in a policy gate.");
  const init = node([CLI, "init", "--yes", "--no-install"], { cwd: work });
  // Its "Next steps" are what the rest of this demo does.
  console.log(indent((init.stdout + init.stderr).split(/\n\s*Next steps:/)[0]));
  console.log(indent(changeSummary(EXAMPLE, work)));

  step(4, "Start `governor serve`, a local enforce server, with examples/policy.yaml:");
  console.log(indent("reads allowed, emails to customers allowed, refunds denied, anything else denied."));
  const srv = await startServer();
  console.log(`   listening on ${srv.url}`);
  const env = { GOVERNOR_ENFORCE_URL: srv.url, GOVERNOR_AUDIT_LOG: join(work, "audit.jsonl"), GOVERNOR_ACTOR_ID: "support-agent" };

  step(5, "Run `governor doctor`: is the gate wired up and does enforce answer?");
  const doctor = node([CLI, "doctor"], { cwd: work, env, okCodes: [0, 1] });
  console.log(indent(doctor.stdout + doctor.stderr));
  if (doctor.status !== 0) console.log("   doctor reported a failed check (above); carrying on to show the agent anyway.");

  step(6, "Run the gated agent. Same model, same request; the policy decides each tool call:");
  const gated = node(["src/index.js"], { cwd: work, env }).stdout.trimEnd();
  console.log(gated);

  step(7, "What the audit log recorded (one line per tool call, no argument values):");
  const audit = existsSync(env.GOVERNOR_AUDIT_LOG) ? readFileSync(env.GOVERNOR_AUDIT_LOG, "utf8").trim().split("\n") : [];
  const records = audit.filter(Boolean).map((line) => JSON.parse(line));
  for (const a of records) console.log(`   ${a.tool}: ${a.decision} -> ${a.outcome}  (request ${a.requestId})`);
  await new Promise((r) => setTimeout(r, 100)); // let the server's last log lines arrive
  const decisions = srv.log().split("\n").filter((l) => / (ALLOW|DENY) /.test(l) && !l.includes("governor-doctor"));
  console.log(indent(`The same decisions in governor serve's log:\n${decisions.join("\n")}`));

  // The demo is also a check: say so plainly if the gate did not do its job.
  const refund = records.find((a) => a.tool === "refund_payment");
  if (gated.includes("REFUNDED") || refund?.outcome !== "blocked") {
    throw new Error("the refund was not blocked. This is a bug in governor; please report it with the output above.");
  }
  console.log("\nDone. The refund never ran; the agent told the customer why and carried on.");
  console.log("Next: run `npx governor init` in your own agent's repo, and `npx governor doctor` in CI.");
}

process.once("SIGINT", () => {
  cleanUp();
  process.exit(130);
});

try {
  await main();
} catch (err) {
  console.error(`\nThe demo stopped: ${err instanceof Error ? err.message : err}`);
  process.exitCode = 1;
} finally {
  cleanUp();
}
