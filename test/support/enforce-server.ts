// The one fake enforce server for tests: node:http (or https) on 127.0.0.1, port 0. Every request is
// recorded, then answered by the test's decision function, called at answer time (a Date header
// computed there is the time of the answer, not of setup).
import http from "node:http";
import https from "node:https";
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

export interface Reply {
  status?: number;
  body?: unknown;
  /** Raw body, sent as is. */
  raw?: string | Buffer;
  /** Over a JSON content-type; a header set to undefined is not sent. */
  headers?: Record<string, string | string[] | undefined>;
  /** Send a Content-Length (the default is chunked): the client reads the two differently. */
  contentLength?: boolean;
  delayMs?: number;
  /** Destroy the socket without answering (connection reset). */
  reset?: boolean;
  /** Answer by hand (trickles, answers that never come): the server only records the request. */
  handle?: (res: http.ServerResponse, req: http.IncomingMessage) => void;
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

/** An answer that never comes: only the client's deadline ends the wait. */
export const noAnswer = (): Reply => ({ handle: () => {} });

/** A self-signed certificate for 127.0.0.1 and localhost (trust it with NODE_EXTRA_CA_CERTS). */
export const tlsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../cli/tls");

export async function startEnforce(
  respond: EnforceServer["respond"] = () => allow(),
  opts: { tls?: boolean } = {},
): Promise<EnforceServer> {
  const state: EnforceServer = { url: "", requests: [], respond, close: async () => {} };
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
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
      if (reply.handle) return reply.handle(res, req);
      if (reply.reset) return void req.socket.destroy();
      const text = Buffer.from(reply.raw ?? JSON.stringify(reply.body ?? {}));
      const headers: http.OutgoingHttpHeaders = { "content-type": "application/json" };
      for (const [k, v] of Object.entries(reply.headers ?? {}))
        if (v === undefined) delete headers[k];
        else headers[k] = v;
      if (reply.contentLength) headers["content-length"] = String(text.length);
      res.writeHead(reply.status ?? 200, headers);
      res.end(text);
    });
  };
  const server = opts.tls
    ? https.createServer(
        {
          cert: readFileSync(path.join(tlsDir, "localhost-test.crt")),
          key: readFileSync(path.join(tlsDir, "localhost-test.key")),
        },
        handler,
      )
    : http.createServer(handler);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  state.url = `${opts.tls ? "https" : "http"}://127.0.0.1:${port}`;
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
