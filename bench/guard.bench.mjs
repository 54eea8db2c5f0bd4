// The http guard's cost, against a baseline measured in the same run: an allowed fetch (and text())
// to a loopback server inside an allowed intentScope with GOVERNOR_GUARD=http, vs the same fetch
// with no guard in the way (Node's fetch as it was before governor loaded, on the global dispatcher
// as it was: the same Agent, so the same connections). Guards patch process globals, so both run in
// one child process with the guard on, in interleaved rounds. Build first (npm run build:fast).
// Targets: guarded median latency <= 1.05x the unguarded one; the hook's own work <= 2 µs.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { median, stubServer } from "./support.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const runtimeUrl = pathToFileURL(path.join(root, "dist/runtime/index.js")).href;
const ROUNDS = 15;
const WARM = 1000;
const N = 1000;

const fmt = (n, d = 1) => n.toFixed(d);

// One server for both the scope's enforce call (ALLOW) and the fetches, in its own process.
const serverSrc = `
const http = require("node:http");
const allow = JSON.stringify({ decision: "ALLOW", enforcement_latency_ms: 0.1, metadata: { request_id: "bench" } });
const s = http.createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    const body = req.url.startsWith("/api/v2/enforce") ? allow : "ok";
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  });
});
s.keepAliveTimeout = 60000;
s.listen(0, "127.0.0.1", () => process.stdout.write(String(s.address().port) + "\\n"));
`;
const { server, base } = await stubServer(serverSrc);

// The measured side: sequential fetches inside one allowed scope, the two kinds in interleaved
// rounds; prints each round's median (ms) and the hook's cost (ns).
const clientSrc = `
void globalThis.Headers; // loads Node's undici, which sets its global dispatcher
const rawFetch = globalThis.fetch;
const KEY = Symbol.for("undici.globalDispatcher.1");
const rawDispatcher = globalThis[KEY];
const rt = await import(${JSON.stringify(runtimeUrl)});
if (!globalThis[Symbol.for("governor.guard.http")] || globalThis.fetch === rawFetch) throw new Error("the http guard is not on");
const url = process.env.TARGET + "/orders";
const median = ${median.toString()};
const wrapped = globalThis[KEY];
if (wrapped === rawDispatcher) throw new Error("the global dispatcher is not wrapped");
const plain = () => rawFetch(url);
const guarded = () => fetch(url);
async function round(f, n) {
  globalThis[KEY] = f === plain ? rawDispatcher : wrapped;
  const times = new Array(n);
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await (await f()).text();
    times[i] = performance.now() - t;
  }
  return median(times);
}
const out = await rt.intentScope({ action: "sync", resource: { type: "orders", hosts: [new URL(url).host] } }, async () => {
  await round(plain, ${WARM});
  await round(guarded, ${WARM});
  const res = { plain: [], guarded: [] };
  for (let r = 0; r < ${ROUNDS}; r++) {
    // Which goes first alternates, so neither always runs on a warmer or colder machine.
    if (r % 2) res.guarded.push(await round(guarded, ${N}));
    res.plain.push(await round(plain, ${N}));
    if (!(r % 2)) res.guarded.push(await round(guarded, ${N}));
  }
  // The guard's own work per request, without the network's noise: the interceptor and admit() in
  // front of a dispatcher that does nothing, against that dispatcher called directly.
  class Noop { dispatch() { return true; } compose(f) { return { dispatch: f(this.dispatch.bind(this)) }; } }
  const noop = new Noop();
  globalThis[KEY] = noop;
  fetch(url, { signal: AbortSignal.abort() }).catch(() => {}); // the next hooked call wraps it
  const hooked = globalThis[KEY];
  if (hooked === noop) throw new Error("the noop dispatcher was not wrapped");
  const opts = { origin: new URL(url).origin, path: "/orders", method: "GET" };
  const handler = { onError() {} };
  res.hookNs = [];
  for (let r = 0; r < ${ROUNDS}; r++) {
    const M = 200000;
    let t = performance.now();
    for (let i = 0; i < M; i++) noop.dispatch(opts, handler);
    const bare = performance.now() - t;
    t = performance.now();
    for (let i = 0; i < M; i++) hooked.dispatch(opts, handler);
    res.hookNs.push(((performance.now() - t - bare) * 1e6) / M);
  }
  return res;
});
const st = globalThis[Symbol.for("governor.guard")];
if (st.counts.ungoverned !== 0) throw new Error("the bench's fetches were not governed by the scope");
process.stdout.write(JSON.stringify(out));
`;

const env = {
  PATH: process.env.PATH ?? "",
  TARGET: base,
  GOVERNOR_ENFORCE_URL: base,
  GOVERNOR_API_KEY: "bench",
  GOVERNOR_GUARD: "http",
  GOVERNOR_GUARD_MODE: "enforce",
};
const { plain, guarded, hookNs } = await new Promise((resolve, reject) => {
  const child = spawn(process.execPath, ["--input-type=module", "-e", clientSrc], {
    env,
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.on("close", (code) =>
    code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`bench client exited ${code}`)),
  );
});
server.kill();

// Each round against the baseline of the same round, so drift (other processes, CPU clock) cancels.
const p = median(plain);
const g = median(guarded);
const ratio = median(plain.map((x, i) => guarded[i] / x));
const added = median(plain.map((x, i) => guarded[i] - x));
console.log(
  `node ${process.version}, ${ROUNDS} interleaved rounds of ${N} sequential fetches, medians (ratio and added cost pairwise per round)`,
);
const hook = median(hookNs);
const rows = [
  [
    "allowed fetch in a scope, http guard on",
    `no guard ${fmt(p * 1000, 0)} µs, guard ${fmt(g * 1000, 0)} µs (+${fmt(added * 1000, 1)} µs)`,
    `${fmt(ratio, 3)}x`,
    "≤ 1.05x",
    ratio <= 1.05,
  ],
  [
    "the guard's own work per request",
    `${fmt(hook, 0)} ns (interceptor + admit, allowed)`,
    "",
    "≤ 2000 ns",
    hook <= 2000,
  ],
];
for (const [name, measured, r, target, ok] of rows) {
  console.log(
    `${name.padEnd(40)} ${measured.padEnd(46)} ${r.padEnd(9)} target ${target.padEnd(9)} ${ok ? "ok" : "MISSED"}`,
  );
}
