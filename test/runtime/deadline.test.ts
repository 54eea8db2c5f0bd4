// The deadline ends the request, not just the wait for it: against a server that trickles its answer,
// a check gives up at the deadline, destroys the socket (the server sees it close long before the
// trickle would end) and the pool stays usable. Real loopback servers, no wall-clock assertions.
import { afterEach, describe, expect, it } from "vitest";
import type { ServerResponse } from "node:http";
import { EventEmitter, once } from "node:events";
import { GovernorProtocolError, GovernorUnavailableError } from "../../src/runtime/index.js";
import { closeAll, makeGovernor, rejection } from "./helpers.js";
import { run } from "../cli/helpers.js";
import { allow, startEnforce } from "../support/enforce-server.js";

type Mode =
  "trickle-body" | "trickle-declared" | "trickle-headers" | "endless-body" | "reset" | "healthy";

interface Trickle {
  url: string;
  mode: (n: number) => Mode;
  /** Answers the server started (trickle or endless) and how many the client cut short. */
  started: number;
  cut: number;
  /** Resolves once every answer started so far has been cut by the client. */
  allCut(): Promise<void>;
  close(): Promise<void>;
}

// One byte every 300 ms for 1000 bytes: five minutes, far beyond any test's life. The answer at the
// end would be an ALLOW, so a client that waits it out would run the tool.
const TRICKLE_BYTES = 1000;
const FINAL = '{"decision":"ALLOW","metadata":{"request_id":"trickled"}}';

async function startTrickle(mode: Trickle["mode"]): Promise<Trickle> {
  const changed = new EventEmitter();
  const enforce = await startEnforce((_req, n) => {
    const m = state.mode(n);
    if (m === "healthy") return allow("healthy");
    if (m === "reset") return { reset: true };
    return { handle: (res) => trickle(m, res) };
  });
  const state: Trickle = {
    url: enforce.url,
    mode,
    started: 0,
    cut: 0,
    async allCut() {
      while (state.cut < state.started) await once(changed, "cut");
    },
    close: enforce.close,
  };
  function trickle(m: Mode, res: ServerResponse) {
    state.started++;
    const socket = res.socket!;
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    const write = (s: string) => (m === "trickle-headers" ? socket.write(s) : res.write(s));
    if (m === "trickle-headers")
      socket.write("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n");
    else {
      // With a Content-Length and without (chunked): the client reads the two differently.
      const length =
        m === "trickle-declared" ? { "content-length": String(TRICKLE_BYTES + FINAL.length) } : {};
      res.writeHead(200, { "content-type": "application/json", ...length });
      res.flushHeaders();
    }
    if (m === "endless-body") {
      // As fast as the client reads: only a size cap ends this.
      const chunk = " ".repeat(64 * 1024);
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
      };
      res.on("drain", pump);
      pump();
    } else {
      timer = setInterval(() => {
        if (sent++ < TRICKLE_BYTES) write(m === "trickle-headers" ? "x-slow: 1\r\n" : " ");
        else {
          clearInterval(timer);
          if (m === "trickle-headers")
            socket.end(`content-length: ${FINAL.length}\r\n\r\n${FINAL}`);
          else res.end(FINAL);
        }
      }, 300);
    }
    socket.once("close", () => {
      clearInterval(timer);
      // Closed before the whole answer went out: the client cut it.
      if (sent <= TRICKLE_BYTES) {
        state.cut++;
        changed.emit("cut");
      }
    });
  }
  return state;
}

let server: Trickle | undefined;
afterEach(async () => {
  await closeAll();
  await server?.close();
  server = undefined;
});

const intent = (i: number) => ({
  action: "read",
  actor: { id: "a", type: "agent" },
  resource: { type: "x", name: `r${i}` },
});

describe("the deadline aborts the request", () => {
  it.each(["trickle-body", "trickle-declared", "trickle-headers"] as const)(
    "%s: no decision, the tool does not run, the socket is closed",
    async (mode) => {
      server = await startTrickle(() => mode);
      const t = makeGovernor({
        enforceUrl: server.url,
        timeoutMs: 200,
        breaker: { minimumRequests: 100_000 },
      });
      let ran = 0;
      const err = await rejection(t.governor.gate("delete_file", async () => ran++)());
      expect(err).toBeInstanceOf(GovernorUnavailableError);
      expect(err.code).toBe("timeout");
      expect(ran).toBe(0);
      // The server sees the connection closed while it was still trickling (it would take minutes).
      await server.allCut();
      expect(server.cut).toBe(1);
    },
  );

  it("one deadline across retries: a reset, then a trickle, still ends at the deadline", async () => {
    server = await startTrickle((n) => (n === 1 ? "reset" : "trickle-body"));
    const t = makeGovernor({
      enforceUrl: server.url,
      timeoutMs: 300,
      retry: { baseDelayMs: 1, maxAttempts: 5 },
      breaker: { minimumRequests: 100_000 },
    });
    const err = await rejection(t.governor.check(intent(0)));
    expect(err.code).toBe("timeout");
    await server.allCut();
    expect(server.cut).toBe(1);
  });

  it("a body that never ends is cut at the size cap", async () => {
    server = await startTrickle(() => "endless-body");
    const t = makeGovernor({
      enforceUrl: server.url,
      timeoutMs: 60_000,
      breaker: { minimumRequests: 100_000 },
    });
    const err = await rejection(t.governor.check(intent(0)));
    expect(err).toBeInstanceOf(GovernorProtocolError);
    expect(err.message).toMatch(/body over 1048576 bytes/);
    await server.allCut();
  });

  it("after 135 trickled checks the pool is not exhausted: a healthy server gets a real decision", async () => {
    let healthy = false;
    server = await startTrickle(() => (healthy ? "healthy" : "trickle-body"));
    // One client throughout (the pool is the client's). The deadline is generous so that the healthy
    // answer at the end fits on any loaded machine: what matters is that a connection is free at all.
    const t = makeGovernor({
      enforceUrl: server.url,
      timeoutMs: 1500,
      breaker: { minimumRequests: 100_000 },
    });
    for (let batch = 0; batch < 3; batch++) {
      const errs = await Promise.all(
        Array.from({ length: 45 }, (_, i) => rejection(t.governor.check(intent(batch * 45 + i)))),
      );
      for (const e of errs) expect(e.code).toBe("timeout");
    }
    healthy = true;
    const d = await t.governor.check(intent(9999));
    expect(d).toMatchObject({ decision: "ALLOW", requestId: "healthy" });
    await server.allCut();
    expect(server.cut).toBe(server.started);
  });
});

describe("governor test-intent against a trickling server", () => {
  it("--timeout 300 exits with no decision (exit 2) instead of hanging", async () => {
    server = await startTrickle(() => "trickle-body");
    // A hang fails this test at the test timeout (30 s, the safety net); the helpers kill left-over children.
    const [text, json] = await Promise.all([
      run([
        "test-intent",
        "--url",
        server.url,
        "--action",
        "read",
        "--resource",
        "database",
        "--timeout",
        "300",
      ]),
      run([
        "test-intent",
        "--url",
        server.url,
        "--action",
        "read",
        "--resource",
        "database",
        "--timeout",
        "300",
        "--json",
      ]),
    ]);
    expect(text.code).toBe(2);
    expect(text.stderr).toMatch(/did not answer within 300 ms/);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ decision: null, error: { code: "timeout" } });
    // Every answer the server began was cut (under load a request may not reach it within 300 ms).
    await server.allCut();
    expect(server.cut).toBe(server.started);
  });
});
