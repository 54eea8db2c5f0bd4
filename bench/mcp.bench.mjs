// `governor mcp` (the enforce MCP server over stdio), against baselines measured in the same run
// (build first: npm run build, or GOVERNOR_FAST_BUILD=1 npx tsup):
//  (1) spawn to the first tools/list answer (initialize, initialized, tools/list) for
//      `node bin/governor.js mcp` vs bench/mcp-minimal-server.mjs (same SDK, one tool);
//      target <= 1.5x.
//  (2) one enforce_intent round trip through the server vs one check() through the runtime in this
//      process, both against the same local `governor serve`. Target: MCP adds at most 2 ms a call
//      (two pipe hops, JSON-RPC, the schemas, the audit line: a fixed cost, small beside a remote
//      enforce's 10-50 ms), and at most 4x a local check() (about 2-3x here; 4x leaves room for a
//      loaded 2-core machine and still catches a per-call spawn, a new client per call or a sync
//      write). The SDK's own floor, an echo tool on the minimal server, is printed beside them.
// Paired: each round runs both sides, the order alternating; medians over the rounds.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { median } from "./support.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { createGovernor } = await import(
  pathToFileURL(path.join(root, "dist/runtime/index.js")).href
);
const SPAWNS = Number(process.env.BENCH_MCP_SPAWNS ?? 15);
const CALLS = Number(process.env.BENCH_MCP_CALLS ?? 300);
const ROUNDS = 7;

const fmt = (n, d = 1) => n.toFixed(d);
let missed = 0;
const verdict = (ok) => {
  if (!ok) missed++;
  return ok ? "OK" : "MISSED";
};

// Nothing of the machine's governor settings: the servers get exactly what the bench gives them.
const env = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !k.startsWith("GOVERNOR_")),
);

// --- a real enforce server ---
const dir = mkdtempSync(path.join(tmpdir(), "governor-mcp-bench-"));
const policy = path.join(dir, "policy.yaml");
writeFileSync(
  policy,
  "version: 1\ndefault: deny\nrules:\n  - { id: reads, effect: allow, when: { action: read } }\n",
);
const serve = spawn(
  process.execPath,
  [path.join(root, "bin/governor.js"), "serve", "--port", "0", "--policy", policy],
  { env, stdio: ["ignore", "pipe", "ignore"] },
);
const url = await new Promise((resolve, reject) => {
  let out = "";
  serve.stdout.setEncoding("utf8").on("data", (d) => {
    out += d;
    const m = /^listening on (\S+)\n/.exec(out);
    if (m) resolve(m[1]);
  });
  serve.once("exit", (code) => reject(new Error(`governor serve exited with ${code}`)));
});

const governorMcp = {
  command: process.execPath,
  args: [path.join(root, "bin/governor.js"), "mcp", "--url", url],
};
const minimal = {
  command: process.execPath,
  args: [path.join(root, "bench/mcp-minimal-server.mjs")],
};

async function connect(server) {
  const client = new Client({ name: "bench", version: "0" });
  await client.connect(new StdioClientTransport({ ...server, env, cwd: dir, stderr: "ignore" }));
  return client;
}

/** Spawn, handshake and the first tools/list, in ms. */
async function firstList(server) {
  const t0 = performance.now();
  const client = await connect(server);
  const { tools } = await client.listTools();
  const ms = performance.now() - t0;
  await client.close();
  if (!tools.length) throw new Error("no tools listed");
  return ms;
}

try {
  // (1) spawn -> tools/list
  for (const s of [governorMcp, minimal]) await firstList(s); // warm the file cache
  const spawnRounds = { governor: [], minimal: [] };
  for (let r = 0; r < SPAWNS; r++) {
    for (const name of r % 2 ? ["governor", "minimal"] : ["minimal", "governor"])
      spawnRounds[name].push(await firstList(name === "governor" ? governorMcp : minimal));
  }
  const g1 = median(spawnRounds.governor);
  const m1 = median(spawnRounds.minimal);
  const r1 = g1 / m1;
  console.log(`spawn to first tools/list over stdio, median of ${SPAWNS} paired runs`);
  console.log(`  minimal MCP SDK server (1 tool)   ${fmt(m1).padStart(7)} ms`);
  console.log(`  governor mcp                      ${fmt(g1).padStart(7)} ms`);
  console.log(
    `  ratio governor/minimal            ${fmt(r1, 2)}x   target <= 1.50x  ${verdict(r1 <= 1.5)}`,
  );

  // (2) enforce_intent vs check()
  const gov = createGovernor({ enforceUrl: url, cacheTtlMs: 0, mode: "enforce", env: {} });
  const intent = {
    action: "read",
    actor: { id: "governor-mcp", type: "agent" },
    resource: { type: "database", name: "orders" },
    data: { pii: false, volume: "single" },
  };
  const args = { action: intent.action, resource: intent.resource, data: intent.data };
  const client = await connect(governorMcp);
  const echoClient = await connect(minimal);
  const echo = async () => {
    const res = await echoClient.callTool({ name: "echo", arguments: { text: "x" } });
    if (res.content?.[0]?.text !== "x") throw new Error("echo failed");
  };
  const direct = async () => {
    const d = await gov.check(intent);
    if (d.decision !== "ALLOW") throw new Error(`check() said ${d.decision}`);
  };
  const viaMcp = async () => {
    const res = await client.callTool({ name: "enforce_intent", arguments: args });
    if (res.isError || res.structuredContent?.decision !== "ALLOW")
      throw new Error(
        `enforce_intent said ${JSON.stringify(res.structuredContent ?? res.content)}`,
      );
  };
  /** Mean µs per call over `n` sequential calls. */
  const perCall = async (fn, n) => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await fn();
    return ((performance.now() - t0) * 1000) / n;
  };
  await perCall(direct, 100);
  await perCall(viaMcp, 100);
  await perCall(echo, 100);
  const sides = { direct, mcp: viaMcp, echo };
  const callRounds = { direct: [], mcp: [], echo: [] };
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 ? ["mcp", "echo", "direct"] : ["direct", "echo", "mcp"];
    for (const name of order) callRounds[name].push(await perCall(sides[name], CALLS));
  }
  await client.close();
  await echoClient.close();
  await gov.close?.();
  const d2 = median(callRounds.direct);
  const g2 = median(callRounds.mcp);
  const r2 = g2 / d2;
  const extraMs = (g2 - d2) / 1000;
  console.log(
    `\none decision against local governor serve, sequential, ${CALLS} calls x ${ROUNDS} rounds, median`,
  );
  console.log(
    `  echo tool on the minimal server   ${fmt(median(callRounds.echo), 0).padStart(7)} µs/call  (the SDK's stdio floor)`,
  );
  console.log(`  check() through the runtime       ${fmt(d2, 0).padStart(7)} µs/call`);
  console.log(`  enforce_intent over MCP stdio     ${fmt(g2, 0).padStart(7)} µs/call`);
  console.log(
    `  MCP adds                          ${fmt(g2 - d2, 0).padStart(7)} µs/call   target <= 2000 µs  ${verdict(extraMs <= 2)}`,
  );
  console.log(
    `  ratio mcp/check()                 ${fmt(r2, 2)}x   target <= 4.00x  ${verdict(r2 <= 4)}`,
  );
} finally {
  serve.kill();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(missed ? 1 : 0);
