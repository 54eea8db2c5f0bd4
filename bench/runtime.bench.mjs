// governor/runtime overhead, against a baseline measured in the same run (build first: npm run build,
// or GOVERNOR_FAST_BUILD=1 npx tsup).
//  (a) check() with the cache off vs raw undici.request + JSON.parse of the same endpoint,
//      sequential (median latency) and 64 concurrent (throughput);
//  (b) a cache-hit check() in microseconds, and what gate() adds to an allowed call on a cache hit;
//  (c) time to import governor/runtime vs a bare `node -e ''`.
// The enforce server runs in a child process so it does not share the client's event loop.
import { spawnSync } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import path from "node:path";
import { request } from "undici";
import { median, sequential, concurrent, stubServer } from "./support.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const runtimeUrl = pathToFileURL(path.join(root, "dist/runtime/index.js")).href;
const { createGovernor } = await import(runtimeUrl);

const fmt = (n, d = 1) => n.toFixed(d);

// --- the enforce server (child process) ---
const serverSrc = `
const http = require("node:http");
const body = JSON.stringify({ decision: "ALLOW", enforcement_latency_ms: 0.1, metadata: { request_id: "bench" } });
const s = http.createServer((req, res) => {
  req.resume();
  req.on("end", () => { res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) }); res.end(body); });
});
s.keepAliveTimeout = 60000;
s.listen(0, "127.0.0.1", () => process.stdout.write(String(s.address().port) + "\\n"));
`;
const { server, base } = await stubServer(serverSrc);
const endpoint = `${base}/api/v2/enforce`;

const intent = (i) => ({
  action: "read",
  actor: { id: `user-${i}`, type: "user" },
  resource: { type: "database", name: "orders" },
  data: { pii: false, volume: "single" },
});
const rawBody = JSON.stringify(intent(0));

async function raw() {
  const res = await request(endpoint, {
    method: "POST",
    body: rawBody,
    headers: { "content-type": "application/json", authorization: "Bearer bench" },
  });
  const parsed = JSON.parse(await res.body.text());
  if (parsed.decision !== "ALLOW") throw new Error("unexpected");
}

const gov = createGovernor({ enforceUrl: base, apiKey: "bench", cacheTtlMs: 0, env: {} });
const govIntent = intent(0);
async function governed() {
  const d = await gov.check(govIntent);
  if (!d.allowed) throw new Error("unexpected");
}

// Warm both paths (connections, JIT).
for (let i = 0; i < 500; i++) {
  await raw();
  await governed();
}
await concurrent(raw, 2000, 64);
await concurrent(governed, 2000, 64);

// Interleave rounds so drift (GC, CPU sharing) hits both sides alike.
const ROUNDS = 7;
const seqRaw = [],
  seqGov = [],
  conRaw = [],
  conGov = [];
for (let r = 0; r < ROUNDS; r++) {
  seqRaw.push(await sequential(raw, 400));
  seqGov.push(await sequential(governed, 400));
  conRaw.push(await concurrent(raw, 3000, 64));
  conGov.push(await concurrent(governed, 3000, 64));
}
const seqR = median(seqRaw),
  seqG = median(seqGov),
  conR = median(conRaw),
  conG = median(conGov);

// (b) cache hits
const cached = createGovernor({ enforceUrl: base, cacheTtlMs: 3_600_000, env: {} });
await cached.check(govIntent);
const hitRuns = [];
for (let r = 0; r < 7; r++) {
  const N = 100_000;
  const t = performance.now();
  for (let i = 0; i < N; i++) await cached.check(govIntent);
  hitRuns.push(((performance.now() - t) * 1000) / N);
}
const hitUs = median(hitRuns);
const probe = await cached.check(govIntent);
if (!probe.cached) throw new Error("cache-hit bench did not hit the cache");

// (b') a gate() around an allowed call on a cache hit: intent building + check + the call itself,
// against the same call ungated (no audit log: that is a separate, batched cost).
const plain = async (input) => input.id;
const gated = cached.gate("get_orders", plain);
await gated({ id: 1 });
const gateRuns = [];
for (let r = 0; r < 7; r++) {
  const N = 100_000;
  let t = performance.now();
  for (let i = 0; i < N; i++) await plain({ id: i });
  const base = performance.now() - t;
  t = performance.now();
  for (let i = 0; i < N; i++) await gated({ id: i });
  gateRuns.push(((performance.now() - t - base) * 1000) / N);
}
const gateUs = median(gateRuns);

await gov.close();
await cached.close();
server.kill();

// (c) import time, in fresh processes. Runs are interleaved and compared pairwise (each import
// against the bare start-up of the same round), so load from other processes cancels out.
function importCost(rounds = 21) {
  const cases = {
    bare: ["-e", ""],
    cjs: ["-e", `require(${JSON.stringify(path.join(root, "dist/runtime/index.cjs"))})`],
    bareEsm: ["--input-type=module", "-e", ""],
    esm: ["--input-type=module", "-e", `await import(${JSON.stringify(runtimeUrl)})`],
  };
  const t = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let i = 0; i < rounds + 2; i++) {
    for (const [k, args] of Object.entries(cases)) {
      const s = performance.now();
      const r = spawnSync(process.execPath, args, { stdio: "ignore" });
      if (r.status !== 0) throw new Error(`node ${args.join(" ")} failed`);
      if (i >= 2) t[k].push(performance.now() - s);
    }
  }
  const diff = (a, b) => median(t[a].map((x, i) => x - t[b][i]));
  return {
    bare: median(t.bare),
    bareEsm: median(t.bareEsm),
    cjs: median(t.cjs),
    esm: median(t.esm),
    cjsAdds: diff("cjs", "bare"),
    esmAdds: diff("esm", "bareEsm"),
  };
}
const imp = importCost();
// The same measured inside one process (no start-up noise): time spent in require() alone.
const inProcess = median(
  Array.from({ length: 9 }, () =>
    Number(
      spawnSync(
        process.execPath,
        [
          "-e",
          `const t = performance.now(); require(${JSON.stringify(path.join(root, "dist/runtime/index.cjs"))}); process.stdout.write(String(performance.now() - t))`,
        ],
        { encoding: "utf8" },
      ).stdout,
    ),
  ),
);

const seqRatio = seqG / seqR;
const conRatio = conG / conR;
const rows = [
  [
    "(a) sequential median latency",
    `raw ${fmt(seqR * 1000, 0)} µs, check() ${fmt(seqG * 1000, 0)} µs`,
    `${fmt(seqRatio, 3)}x`,
    "≤ 1.10x",
    seqRatio <= 1.1,
  ],
  [
    "(a) 64 concurrent throughput",
    `raw ${fmt(conR, 0)} req/s, check() ${fmt(conG, 0)} req/s`,
    `${fmt(conRatio, 3)}x`,
    "≥ 0.90x",
    conRatio >= 0.9,
  ],
  ["(b) cache-hit check()", `${fmt(hitUs, 2)} µs`, "", "≤ 5 µs", hitUs <= 5],
  ["(b) gate() adds, on a cache hit", `${fmt(gateUs, 2)} µs per call`, "", "≤ 5 µs", gateUs <= 5],
  [
    "(c) import governor/runtime (ESM)",
    `${fmt(imp.esm)} ms vs bare ESM ${fmt(imp.bareEsm)} ms`,
    `+${fmt(imp.esmAdds)} ms`,
    "≤ +15 ms",
    imp.esmAdds <= 15,
  ],
  [
    "(c) require governor/runtime (CJS)",
    `${fmt(imp.cjs)} ms vs node -e '' ${fmt(imp.bare)} ms`,
    `+${fmt(imp.cjsAdds)} ms`,
    "≤ +15 ms",
    imp.cjsAdds <= 15,
  ],
  ["(c) require() itself, in process", `${fmt(inProcess, 2)} ms`, "", "≤ 15 ms", inProcess <= 15],
];
console.log(`node ${process.version}, ${ROUNDS} interleaved rounds, medians`);
for (const [name, measured, ratio, target, ok] of rows) {
  console.log(
    `${name.padEnd(36)} ${measured.padEnd(46)} ${ratio.padEnd(9)} target ${target.padEnd(9)} ${ok ? "ok" : "MISSED"}`,
  );
}
