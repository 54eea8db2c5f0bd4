// What the run-time layers cost, against baselines measured in the same run (build first).
//  (a) an allowed tool call on a cache hit through governTools (registration) and through the
//      instrumentation wrapper, against the same call through gate(): the difference per call;
//  (b) start-up: `node --import governor/register -e 0` in a project with every framework
//      installed, against `node -e 0`, pairwise in interleaved fresh processes.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { median, stubServer } from "./support.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { createGovernor, governTools } = await import(
  pathToFileURL(path.join(root, "dist/runtime/index.js")).href
);

const fmt = (n, d = 2) => n.toFixed(d);

// --- (a) cache-hit calls ---
const serverSrc = `
const http = require("node:http");
const body = JSON.stringify({ decision: "ALLOW", metadata: { request_id: "bench" } });
http.createServer((req, res) => { req.resume(); req.on("end", () => { res.writeHead(200, { "content-type": "application/json" }); res.end(body); }); })
  .listen(0, "127.0.0.1", function () { process.stdout.write(String(this.address().port) + "\\n"); });
`;
const { server, base } = await stubServer(serverSrc);
const governor = createGovernor({
  enforceUrl: base,
  cacheTtlMs: 3_600_000,
  env: {},
  config: {},
});

const body = async (input) => input.id;
const options = { toolCallId: "c1", messages: [] };
const viaGate = governor.gate("get_order", body);
const registered = governTools(
  { get_order: { description: "x", inputSchema: {}, execute: body } },
  { governor },
).get_order.execute;
// Instrumentation wraps each tool with the same adapter code as governTools (only the audit's
// gatedBy differs); what it adds is governing the tool set once per generateText/streamText call.
const toolSet = Object.fromEntries(
  Array.from({ length: 10 }, (_, i) => [
    `tool_${i}`,
    { description: "x", inputSchema: {}, execute: body },
  ]),
);
const instrumented = null;
function perSet(n) {
  const t = performance.now();
  for (let i = 0; i < n; i++) governTools(toolSet, { governor });
  return ((performance.now() - t) * 1000) / n;
}
perSet(5_000);
const setUs = median(Array.from({ length: 7 }, () => perSet(20_000)));

async function perCall(fn, n) {
  const t = performance.now();
  for (let i = 0; i < n; i++) await fn({ id: i }, options);
  return ((performance.now() - t) * 1000) / n;
}
for (const fn of [viaGate, registered, instrumented].filter(Boolean)) await perCall(fn, 20_000);
const R = 9,
  N = 50_000;
const g = [],
  r = [],
  ins = [];
for (let k = 0; k < R; k++) {
  g.push(await perCall(viaGate, N));
  r.push(await perCall(registered, N));
  if (instrumented) ins.push(await perCall(instrumented, N));
}
await governor.close();
server.kill();

// --- (b) start-up in a project with the frameworks installed ---
const project = mkdtempSync(path.join(tmpdir(), "gov-bench-register-"));
const frameworks = [
  "ai",
  "@langchain/core",
  "langchain",
  "@langchain/langgraph",
  "@openai/agents",
  "@openai/agents-core",
  "@modelcontextprotocol/sdk",
  "@mastra/core",
];
writeFileSync(
  path.join(project, "package.json"),
  JSON.stringify({
    name: "bench-app",
    type: "module",
    dependencies: Object.fromEntries(frameworks.map((f) => [f, "*"])),
  }),
);
for (const dep of [...frameworks, "governor"]) {
  const target = dep === "governor" ? root : path.join(root, "node_modules", dep);
  if (!existsSync(target)) continue;
  const link = path.join(project, "node_modules", dep);
  mkdirSync(path.dirname(link), { recursive: true });
  symlinkSync(target, link, "dir");
}
writeFileSync(path.join(project, "app.mjs"), "");
const env = { ...process.env, GOVERNOR_ENFORCE_URL: "http://127.0.0.1:9", NODE_OPTIONS: "" };
const cases = {
  bare: ["-e", "0"],
  register: ["--import", "governor/register", "-e", "0"],
  bareApp: ["app.mjs"],
  registerApp: ["--import", "governor/register", "app.mjs"],
};
const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
const ROUNDS = 21;
for (let i = 0; i < ROUNDS + 2; i++) {
  for (const [k, args] of Object.entries(cases)) {
    const s = performance.now();
    const res = spawnSync(process.execPath, args, { cwd: project, env, stdio: "ignore" });
    if (res.status !== 0) throw new Error(`node ${args.join(" ")} failed in ${project}`);
    if (i >= 2) times[k].push(performance.now() - s);
  }
}
rmSync(project, { recursive: true, force: true });
const ratio = (a, b) => median(times[a].map((x, i) => x / times[b][i]));

const gUs = median(g),
  rUs = median(r),
  iUs = ins.length ? median(ins) : NaN;
const rows = [
  ["(a) gate(), cache hit", `${fmt(gUs)} µs per call`, "", "baseline", true],
  [
    "(a) governTools, cache hit",
    `${fmt(rUs)} µs per call`,
    `+${fmt(rUs - gUs)} µs`,
    "≤ +1 µs",
    rUs - gUs <= 1,
  ],
  ...(ins.length
    ? [
        [
          "(a) instrumentation, cache hit",
          `${fmt(iUs)} µs per call`,
          `+${fmt(iUs - gUs)} µs`,
          "≤ +1 µs",
          iUs - gUs <= 1,
        ],
      ]
    : []),
  ["(a) governing a 10-tool set (per model call)", `${fmt(setUs)} µs`, "", "info", true],
  [
    "(b) --import governor/register -e 0",
    `${fmt(median(times.register), 1)} ms vs node -e 0 ${fmt(median(times.bare), 1)} ms`,
    `${fmt(ratio("register", "bare"))}x`,
    "≤ 2x",
    ratio("register", "bare") <= 2,
  ],
  [
    "(b) the same with an (empty) app file",
    `${fmt(median(times.registerApp), 1)} ms vs ${fmt(median(times.bareApp), 1)} ms`,
    `${fmt(ratio("registerApp", "bareApp"))}x`,
    "≤ 2x",
    ratio("registerApp", "bareApp") <= 2,
  ],
];
console.log(
  `node ${process.version}, medians (${R} rounds of ${N} calls; ${ROUNDS} start-ups each)`,
);
for (const [name, measured, diff, target, ok] of rows) {
  console.log(
    `${name.padEnd(40)} ${measured.padEnd(44)} ${diff.padEnd(10)} target ${target.padEnd(9)} ${ok ? "ok" : "MISSED"}`,
  );
}
