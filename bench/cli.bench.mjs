// What the CLI costs to start, against floors measured in the same run (build first: npm run build,
// or GOVERNOR_FAST_BUILD=1 npx tsup):
//  - `governor --help`, `--version` and each `governor <command> --help` vs `node -e 0`: target
//    <= 2x (they load commander and the command definitions, nothing of what the commands do);
//  - `governor serve`, spawn to its `listening on` line, vs a node:http server that imports yaml,
//    parses the same policy file and listens, printing the same line: target <= 1.5x.
// Paired: each round spawns both sides of every row, the order alternating; medians over the rounds.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { median } from "./support.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = path.join(root, "bin/governor.js");
const SPAWNS = Number(process.env.BENCH_CLI_SPAWNS ?? 15);
const WARMUP = 2;

const fmt = (n, d = 1) => n.toFixed(d);

// Nothing of the machine's governor settings: every process gets exactly what the bench gives it.
const env = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !k.startsWith("GOVERNOR_")),
);

const dir = mkdtempSync(path.join(tmpdir(), "governor-cli-bench-"));
const policy = path.join(dir, "policy.yaml");
writeFileSync(
  policy,
  `version: 1
default: deny
rules:
  - { id: no-refunds, effect: deny, deny_code: stepup_required, when: { action: [refund, delete], resource.type: payment } }
  - { id: no-bulk-pii, effect: deny, when: { data.pii: true, data.volume: bulk } }
  - { id: internal-writes, effect: allow, when: { action: write, resource.type: "data*", data.sensitivity: [internal] } }
  - { id: reads, effect: allow, when: { action: read } }
`,
);

// The serve floor: yaml (resolved from the repository, as governor's is), the same file, one server.
const bareServer = `
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { parse } from "yaml";
const policy = parse(readFileSync(process.argv[1], "utf8"));
if (!Array.isArray(policy?.rules)) throw new Error("no rules");
const s = createServer((req, res) => res.end("{}"));
s.listen(0, "127.0.0.1", () => process.stdout.write("listening on http://127.0.0.1:" + s.address().port + "\\n"));
`;

/** ms from spawn to exit; the run must exit 0 and print what `expect` matches. */
function timeExit(args, expect) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: root, env, encoding: "utf8" });
  const ms = performance.now() - t0;
  if (r.status !== 0 || !expect.test(r.stdout))
    throw new Error(`node ${args.join(" ")}: exit ${r.status}\n${r.stdout}${r.stderr}`);
  return ms;
}

/** ms from spawn to the `listening on` line on stdout; the server is then stopped. */
function timeListening(args) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, {
      cwd: root,
      env,
      stdio: ["ignore", "pipe", "ignore"],
    });
    const early = (code) => reject(new Error(`node ${args.join(" ")} exited with ${code}`));
    child.once("exit", early);
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d) => {
      out += d;
      if (!/^listening on http:\/\/\S+\n/.test(out)) return;
      const ms = performance.now() - t0;
      child.off("exit", early);
      child.once("exit", () => resolve(ms));
      child.kill();
    });
  });
}

const node0 = { label: "node -e 0", run: () => timeExit(["-e", "0"], /^$/) };
const help = (args) => ({
  label: `governor ${args.join(" ")}`,
  run: () => timeExit([bin, ...args], /^Usage: governor /),
});
const rows = [
  ["--help", help(["--help"]), node0, 2],
  [
    "--version",
    { label: "governor --version", run: () => timeExit([bin, "--version"], /^\d+\.\d+\.\d+/) },
    node0,
    2,
  ],
  ...[["init"], ["serve"], ["doctor"], ["test-intent"], ["mcp"], ["mcp", "init"]].map((c) => [
    `${c.join(" ")} --help`,
    help([...c, "--help"]),
    node0,
    2,
  ]),
  [
    "serve: spawn to listening",
    {
      label: "governor serve",
      run: () => timeListening([bin, "serve", "--port", "0", "--policy", policy]),
    },
    {
      label: "yaml + node:http",
      run: () => timeListening(["--input-type=module", "-e", bareServer, policy]),
    },
    1.5,
  ],
];

let failed = 0;
try {
  const times = rows.map(() => ({ cli: [], floor: [] }));
  for (let r = 0; r < WARMUP + SPAWNS; r++) {
    for (const [i, [, cli, floor]] of rows.entries()) {
      const order =
        (r + i) % 2
          ? [
              ["cli", cli],
              ["floor", floor],
            ]
          : [
              ["floor", floor],
              ["cli", cli],
            ];
      for (const [side, s] of order) {
        const ms = await s.run();
        if (r >= WARMUP) times[i][side].push(ms);
      }
    }
  }
  console.log(
    `node ${process.version}, ${SPAWNS} paired spawns per row (after ${WARMUP} warm-up), medians`,
  );
  for (const [i, [name, cli, floor, target]] of rows.entries()) {
    const c = median(times[i].cli);
    const f = median(times[i].floor);
    const ratio = c / f;
    const ok = ratio <= target;
    if (!ok) failed++;
    const measured = `${cli.label} ${fmt(c)} ms vs ${floor.label} ${fmt(f)} ms`;
    console.log(
      `${name.padEnd(26)} ${measured.padEnd(62)} ${`${fmt(ratio, 2)}x`.padEnd(7)} target ≤ ${fmt(target, 2)}x  ${ok ? "ok" : "FAIL"}`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
