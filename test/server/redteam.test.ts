// Red-team variants on `governor serve` (issue 10 findings 2, 3, 12 and the parent watch): each failed
// before its fix. Real processes, real HTTP on loopback.
import { afterAll, describe, expect, it } from "vitest";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { bin, cleanEnv, policies, serve, type Served } from "../cli/helpers.js";

const servers: Served[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

function policyFile(text: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "governor-redteam-")), "policy.yaml");
  writeFileSync(file, text);
  return file;
}

async function decide(url: string, body: unknown) {
  const res = await fetch(url + "/api/v2/enforce", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return (await res.json()) as { decision: string; metadata: { rule_id: string | null } };
}

/** Sends raw bytes, half-closes, and resolves with everything the server wrote back. */
function raw(url: string, text: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const s = connect(Number(port), hostname);
    let got = "";
    s.setEncoding("utf8").on("data", (d) => (got += d));
    s.on("close", () => resolve(got));
    s.on("error", () => resolve(got));
    s.end(text);
  });
}

describe("a policy alias onto a synonym (finding 3)", () => {
  it("lands where a request for that synonym lands, so rules on the canonical word match it", async () => {
    const srv = await serve([
      "--policy",
      policyFile(
        "version: 1\ndefault: allow\nvocabulary:\n  action: { lookup2: query }\n" +
          "rules:\n  - id: no-reads\n    effect: deny\n    when: { action: read }\n",
      ),
    ]);
    servers.push(srv);
    const intent = (action: string) => ({ action, actor: {}, resource: { type: "db" } });
    expect((await decide(srv.url, intent("query"))).metadata.rule_id).toBe("no-reads");
    expect((await decide(srv.url, intent("lookup2"))).decision).toBe("DENY");
    expect((await decide(srv.url, intent("Lookup-2"))).decision).toBe("ALLOW"); // "lookup_2" is another word
  });

  it("an alias onto a word with no letters or digits is refused at load", () => {
    const file = policyFile("version: 1\nvocabulary:\n  action: { lookup2: ' - ' }\n");
    const r = spawnSync(
      process.execPath,
      [bin, "serve", "--port", "0", "--no-watch", "--policy", file],
      { env: cleanEnv(), encoding: "utf8" },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      /vocabulary\.action\.lookup2: expected the canonical word \(letters or digits\)/,
    );
  });
});

describe("a body that breaks mid-stream (finding 2)", () => {
  it("a bad chunk after the headers gets a JSON 400, not a dropped connection; the server keeps serving", async () => {
    const srv = await serve(["--policy", path.join(policies, "basic.yaml"), "--no-watch"]);
    servers.push(srv);
    const answer = await raw(
      srv.url,
      'POST /api/v2/enforce HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{"a\r\nzz\r\n',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(answer.split("\r\n\r\n")[1]).detail).toMatch(/HPE_INVALID_CHUNK_SIZE/);
    expect((await fetch(srv.url + "/health")).status).toBe(200);
  });
});

describe("a parent that dies while serve is still starting", () => {
  it.skipIf(process.platform === "win32")(
    "is noticed once serve listens: serve exits",
    async () => {
      const dir = mkdtempSync(path.join(tmpdir(), "governor-redteam-"));
      const fifo = path.join(dir, "key");
      execFileSync("mkfifo", [fifo]);
      // serve blocks reading the key file (a pipe) after its code has loaded, before it listens.
      const args = [
        bin,
        "serve",
        "--port",
        "0",
        "--no-watch",
        "--policy",
        path.join(policies, "basic.yaml"),
        "--api-key-file",
        fifo,
      ];
      const script = `const c = require("child_process").spawn(process.execPath, ${JSON.stringify(args)}, { stdio: "inherit" }); console.error("serve pid " + c.pid); setInterval(() => {}, 1000)`;
      const parent = spawn(process.execPath, ["-e", script], {
        env: cleanEnv(),
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      let err = "";
      parent.stdout!.setEncoding("utf8");
      parent.stderr!.setEncoding("utf8").on("data", (d) => (err += d));
      // The pipes stay open while serve (which inherited them) runs: their end means serve exited.
      const serveGone = new Promise<void>((r) => parent.stdout!.on("end", () => r()));
      const writer = await open(fifo, "w"); // resolves once serve opened the key file
      const parentDead = new Promise((r) => parent.once("exit", r));
      parent.kill("SIGKILL");
      await parentDead;
      await writer.write("sk-redteam-parent-0123456789\n");
      await writer.close();
      const listening = new Promise<void>((r) =>
        parent.stdout!.on("data", (d) => {
          out += d;
          if (/listening on/.test(out)) r();
        }),
      );
      try {
        await listening;
        await serveGone;
        expect(err).toMatch(/the process that started it exited, stopping/);
      } finally {
        const pid = Number(/serve pid (\d+)/.exec(err)?.[1]);
        try {
          if (pid) process.kill(pid, "SIGKILL");
        } catch {
          // exited, as it should
        }
      }
    },
    30_000,
  );
});
