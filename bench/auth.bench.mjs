// Steady-state cost of a check with OAuth2 client credentials (token cached) vs a bearer-key check.
// Decision cache off, so every check reaches the server; the same server (a child process that
// answers the token endpoint and enforce) for both; rounds alternate so machine noise hits both.
// Target: OAuth / key <= 1.05x, sequential latency and 64-concurrent throughput alike.
import { fileURLToPath, pathToFileURL } from "node:url";
import path from "node:path";
import { median, sequential, concurrent, stubServer } from "./support.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { createGovernor } = await import(
  pathToFileURL(path.join(root, "dist/runtime/index.js")).href
);

// A token as long as a typical signed JWT (about 600 characters), valid for an hour.
const serverSrc = `
const http = require("node:http");
let tokens = 0;
const token = "eyJ" + "a".repeat(300) + "." + "b".repeat(200) + "." + "c".repeat(86);
const allow = JSON.stringify({ decision: "ALLOW", metadata: { request_id: "bench" } });
const s = http.createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    const body = req.url === "/token"
      ? (tokens++, JSON.stringify({ access_token: token, token_type: "Bearer", expires_in: 3600 }))
      : req.url === "/tokens" ? String(tokens) : allow;
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  });
});
s.keepAliveTimeout = 60000;
s.listen(0, "127.0.0.1", () => process.stdout.write(String(s.address().port) + "\\n"));
`;
const { server, base } = await stubServer(serverSrc);

const common = { enforceUrl: base, cacheTtlMs: 0, config: {}, env: {} };
// A key as long as the token: the ratio is then the gate's own work (token lookup, headers), not the
// extra bytes a JWT puts on the wire, which any client sending that token pays.
const keyed = createGovernor({ ...common, apiKey: "gk_live_" + "k".repeat(582) });
const oauthed = createGovernor({
  ...common,
  oauth: { tokenUrl: `${base}/token`, clientId: "bench", clientSecret: "bench-secret-value" },
});
const intent = {
  action: "read",
  actor: { id: "user-1", type: "user" },
  resource: { type: "database", name: "orders" },
  data: { pii: false, volume: "single" },
};
const one = (g) => async () => {
  const d = await g.check(intent);
  if (!d.allowed) throw new Error("unexpected");
};
const cases = { key: one(keyed), oauth: one(oauthed) };

// Warm up: connections, JIT, and the one token fetch.
for (let i = 0; i < 500; i++) for (const fn of Object.values(cases)) await fn();
for (const fn of Object.values(cases)) await concurrent(fn, 2000, 64);

const ROUNDS = 15;
const seq = { key: [], oauth: [] };
const con = { key: [], oauth: [] };
for (let r = 0; r < ROUNDS; r++) {
  for (const name of r % 2 ? ["oauth", "key"] : ["key", "oauth"]) {
    seq[name].push((await sequential(cases[name], 400)) * 1000); // µs
    con[name].push(await concurrent(cases[name], 3000, 64));
  }
}
const tokenRequests = Number(await (await fetch(`${base}/tokens`)).text());
await keyed.close();
await oauthed.close();
server.kill();

// Each round's pair (run back to back) gives a ratio; the median of those cancels slow drift.
const seqRatio = median(seq.oauth.map((x, i) => x / seq.key[i]));
// throughput: lower is worse, so the cost ratio is key / oauth
const conRatio = median(con.key.map((x, i) => x / con.oauth[i]));
const ok = (x) => (x <= 1.05 ? "OK" : "ABOVE TARGET");
const fmt = (xs) => xs.map((x) => x.toFixed(0)).join(", ");
console.log(
  `checks: decision cache off, ${ROUNDS} alternating rounds (400 sequential, 3000 at 64 concurrent), loopback`,
);
console.log(
  `sequential median   key ${median(seq.key).toFixed(1).padStart(7)} µs   oauth ${median(seq.oauth).toFixed(1).padStart(7)} µs   (rounds key: ${fmt(seq.key)}; oauth: ${fmt(seq.oauth)})`,
);
console.log(
  `64 concurrent       key ${median(con.key).toFixed(0).padStart(7)} /s   oauth ${median(con.oauth).toFixed(0).padStart(7)} /s   (rounds key: ${fmt(con.key)}; oauth: ${fmt(con.oauth)})`,
);
console.log(
  `ratio oauth/key     latency ${seqRatio.toFixed(3)}x  ${ok(seqRatio)}   throughput cost ${conRatio.toFixed(3)}x  ${ok(conRatio)}   target <= 1.05x`,
);
console.log(`token requests      ${tokenRequests} (one fetch for every check of the run)`);
