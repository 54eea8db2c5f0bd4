#!/usr/bin/env node
// The quick start: gate a real agent in a temp copy and watch a denied tool not run.
// `npm run demo` builds governor first, then runs this. Needs only Node and `npm ci`.
import { spawn, spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createTwoFilesPatch } from "diff";

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
  return text
    .trimEnd()
    .split("\n")
    .map((l) => pad + l)
    .join("\n");
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
    throw new Error(
      `\`${args.map((a) => a.replace(REPO, "")).join(" ")}\` exited with ${res.status}\n${res.stdout}${res.stderr}`,
    );
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
    if (!existsSync(target))
      throw new Error(`${dep} is not installed. Run \`npm ci\` in ${REPO} first.`);
    const link = join(dir, "node_modules", dep);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(target, link, "dir");
  }
  return dir;
}

// The diff init made to one source file: its name, then the changed lines (- before, + after).
function codeDiff(before, after, rel) {
  const old = readFileSync(join(before, rel), "utf8");
  const now = readFileSync(join(after, rel), "utf8");
  const lines = createTwoFilesPatch(rel, rel, old, now, "", "", { context: 1 })
    .split("\n")
    .slice(4);
  const body = lines.map((l) => (l.startsWith("@@") ? "" : `  ${l}`)).slice(1); // a blank line between hunks
  return [`${rel}:`, ...body].join("\n");
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
    const timer = setTimeout(
      () => reject(new Error(`governor serve did not start in 10s\n${err}`)),
      10_000,
    );
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
  if (!existsSync(join(REPO, "dist", "cli.js")))
    throw new Error("governor is not built. Run `npm run demo` (it builds first).");

  step(
    1,
    "Copy the example support agent (Vercel AI SDK, with a scripted model: offline, no API key) to a temp dir.",
  );
  work = copyExample();
  console.log(`   ${work}`);

  step(
    2,
    "Run the agent as it is, without governor. Its tools do whatever the model asks, refund included:",
  );
  console.log(indent(node(["src/index.js"], { cwd: work }).stdout));

  step(
    3,
    "Run `governor init --yes --no-install` on it: every tool gets wrapped in a policy gate.",
  );
  const init = node([CLI, "init", "--yes", "--no-install"], { cwd: work });
  // Its "Next steps" are what the rest of this demo does.
  console.log(indent((init.stdout + init.stderr).split(/\n\s*Next steps:/)[0]));
  console.log(
    indent("\nThe code it changed: each tool body now runs only when the policy says ALLOW,"),
  );
  console.log(indent("and the entrypoint loads governor's settings from the environment first."));
  console.log(indent(codeDiff(EXAMPLE, work, join("src", "tools.js"))));
  console.log(indent(codeDiff(EXAMPLE, work, join("src", "index.js"))));

  step(
    4,
    "Start `governor serve`, a local policy server (the enforce API), with examples/policy.yaml:",
  );
  console.log(
    indent("reads allowed, emails to customers allowed, refunds denied, anything else denied."),
  );
  const srv = await startServer();
  console.log(`   listening on ${srv.url}`);
  const env = {
    GOVERNOR_ENFORCE_URL: srv.url,
    GOVERNOR_AUDIT_LOG: join(work, "audit.jsonl"),
    GOVERNOR_ACTOR_ID: "support-agent",
  };

  step(5, "Run `governor doctor`: is every tool gated, and does the policy server answer?");
  const doctor = node([CLI, "doctor"], { cwd: work, env, okCodes: [0, 1] });
  console.log(indent(doctor.stdout + doctor.stderr));
  if (doctor.status !== 0)
    console.log("   doctor reported a failed check (above); carrying on to show the agent anyway.");

  step(6, "Run the gated agent. Same model, same request; the policy decides each tool call:");
  const gated = node(["src/index.js"], { cwd: work, env }).stdout;
  console.log(indent(gated));

  step(7, "What the audit log recorded (one line per tool call, no argument values):");
  const audit = existsSync(env.GOVERNOR_AUDIT_LOG)
    ? readFileSync(env.GOVERNOR_AUDIT_LOG, "utf8").trim().split("\n")
    : [];
  const records = audit.filter(Boolean).map((line) => JSON.parse(line));
  for (const a of records)
    console.log(`   ${a.tool}: ${a.decision} -> ${a.outcome}  (request ${a.requestId})`);
  await new Promise((r) => setTimeout(r, 100)); // let the server's last log lines arrive
  const decisions = srv
    .log()
    .split("\n")
    .filter((l) => / (ALLOW|DENY) /.test(l) && !l.includes("governor-doctor"));
  console.log(indent(`The same decisions in governor serve's log:\n${decisions.join("\n")}`));

  step(
    8,
    "Stop the server and run the agent again. With no policy service to ask, no tool runs (fail closed):",
  );
  server.kill();
  await new Promise((r) => server.once("exit", r));
  const closed = node(["src/index.js"], {
    cwd: work,
    env: { ...env, GOVERNOR_AUDIT_LOG: "" },
  }).stdout;
  console.log(indent(closed));

  // The demo is also a check: say so plainly if the gate did not do its job.
  const refund = records.find((a) => a.tool === "refund_payment");
  if (gated.includes("REFUNDED") || refund?.outcome !== "blocked") {
    throw new Error(
      "the refund was not blocked. This is a bug in governor; please report it with the output above.",
    );
  }
  if (closed.includes("[back office]")) {
    throw new Error(
      "a tool ran with the policy service down. This is a bug in governor; please report it with the output above.",
    );
  }
  console.log(
    "\nDone. The refund never ran, and the agent told the customer why; with the server down, no tool ran.",
  );
  console.log('To gate your own agent, see "Gate your own agent" in README.md.');
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
