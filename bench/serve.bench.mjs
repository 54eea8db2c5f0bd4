// `governor serve` throughput vs a bare node:http server returning a fixed body.
// Both run as child processes; the same undici Pool load generator drives each in turn, alternating
// rounds so machine noise hits both. Target: governor serve >= 0.5x the bare server's requests/s.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Pool } from "undici";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const CONCURRENCY = 64;
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20000);
const ROUNDS = 5;

const dir = mkdtempSync(path.join(tmpdir(), "governor-bench-"));
const policyFile = path.join(dir, "policy.yaml");
writeFileSync(
  policyFile,
  `version: 1
default: deny
rules:
  - { id: no-refunds, effect: deny, deny_code: stepup_required, when: { action: [refund, delete], resource.type: payment } }
  - { id: no-bulk-pii, effect: deny, when: { data.pii: true, data.volume: bulk } }
  - { id: internal-writes, effect: allow, when: { action: write, resource.type: "data*", data.sensitivity: [internal] } }
  - { id: reads, effect: allow, when: { action: read } }
`,
);
const intent = JSON.stringify({
  action: "query",
  actor: { id: "user-123", type: "user" },
  resource: { type: "postgres_db", name: "users" },
  data: { sensitivity: ["confidential"], pii: false, volume: "single" },
  risk: { authn: "required" },
  layer: "L4",
});

const bare = `
const body = JSON.stringify({ decision: "ALLOW", enforcement_latency_ms: 0.1, metadata: { request_id: "x" } });
const s = require("node:http").createServer((req, res) => {
  req.resume();
  req.on("end", () => { res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) }); res.end(body); });
});
s.keepAliveTimeout = 65000;
s.listen(0, "127.0.0.1", () => console.log("listening on http://127.0.0.1:" + s.address().port));`;

async function start(args) {
  const child = spawn(process.execPath, args, { cwd: root, stdio: ["ignore", "pipe", "ignore"] });
  let out = "";
  child.stdout.setEncoding("utf8");
  while (!out.includes("\n")) {
    const [chunk] = await once(child.stdout, "data");
    out += chunk;
  }
  const url = /listening on (\S+)/.exec(out)[1];
  return { child, url };
}

async function load(url, count) {
  const pool = new Pool(url, { connections: CONCURRENCY, pipelining: 1 });
  let sent = 0;
  let failed = 0;
  const worker = async () => {
    while (sent < count) {
      sent++;
      const res = await pool.request({
        path: "/api/v2/enforce",
        method: "POST",
        headers: { "content-type": "application/json" },
        body: intent,
      });
      const text = await res.body.text();
      if (res.statusCode !== 200 || !text.includes('"decision"')) failed++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const ms = performance.now() - t0;
  await pool.close();
  if (failed) throw new Error(`${failed} requests failed against ${url}`);
  return (count / ms) * 1000;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const servers = {
  bare: await start(["-e", bare]),
  governor: await start(["bin/governor.js", "serve", "--port", "0", "--policy", policyFile]),
};
const results = { bare: [], governor: [] };
try {
  for (const s of Object.values(servers)) await load(s.url, 2000); // warm up JIT and connections
  for (let r = 0; r < ROUNDS; r++) {
    for (const name of r % 2 ? ["governor", "bare"] : ["bare", "governor"])
      results[name].push(await load(servers[name].url, REQUESTS));
  }
} finally {
  for (const s of Object.values(servers)) s.child.kill();
}
const bareRps = median(results.bare);
const govRps = median(results.governor);
const ratio = govRps / bareRps;
console.log(
  `requests: ${REQUESTS} x ${ROUNDS} rounds per server, ${CONCURRENCY} concurrent (undici Pool, loopback)`,
);
console.log(
  `bare node:http fixed body   ${bareRps.toFixed(0).padStart(7)} req/s  (rounds: ${results.bare.map((x) => x.toFixed(0)).join(", ")})`,
);
console.log(
  `governor serve              ${govRps.toFixed(0).padStart(7)} req/s  (rounds: ${results.governor.map((x) => x.toFixed(0)).join(", ")})`,
);
console.log(
  `ratio governor/bare         ${ratio.toFixed(2)}x   target >= 0.50x  ${ratio >= 0.5 ? "OK" : "BELOW TARGET"}`,
);
