// A real enforce server for tests: node:http on 127.0.0.1, port 0, answers programmable per request.
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface Reply {
  status?: number;
  body?: unknown;
  /** Raw body text, sent as is. */
  raw?: string;
  headers?: Record<string, string>;
  delayMs?: number;
  /** Destroy the socket without answering (connection reset). */
  reset?: boolean;
}

export interface Received {
  body: any;
  raw: string;
  headers: http.IncomingHttpHeaders;
  path: string;
}

export interface EnforceServer {
  url: string;
  requests: Received[];
  respond: (req: Received, n: number) => Reply | Promise<Reply>;
  close(): Promise<void>;
}

export const allow = (requestId = "req-allow", metadata: Record<string, unknown> = {}): Reply => ({
  body: {
    decision: "ALLOW",
    enforcement_latency_ms: 1,
    metadata: { request_id: requestId, ...metadata },
  },
});
export const deny = (requestId = "req-deny", metadata: Record<string, unknown> = {}): Reply => ({
  body: { decision: "DENY", metadata: { request_id: requestId, ...metadata } },
});

export async function startEnforce(
  respond: EnforceServer["respond"] = () => allow(),
): Promise<EnforceServer> {
  const state: EnforceServer = { url: "", requests: [], respond, close: async () => {} };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        body = undefined;
      }
      const received: Received = { body, raw, headers: req.headers, path: req.url ?? "" };
      state.requests.push(received);
      const reply = await state.respond(received, state.requests.length);
      if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
      if (reply.reset) {
        req.socket.destroy();
        return;
      }
      const text = reply.raw ?? JSON.stringify(reply.body ?? {});
      res.writeHead(reply.status ?? 200, { "content-type": "application/json", ...reply.headers });
      res.end(text);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return state;
}

/** A URL where nothing listens (a port just released), for refused-connection cases. Port 1 is not
 *  safe: on a shared machine something may be listening there. */
export async function closedUrl(): Promise<string> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return `http://127.0.0.1:${port}`;
}
