// The Streamable HTTP host of `governor mcp --http`: node:http, one path (/mcp), stateless JSON
// responses (a fresh McpServer and transport per request, sharing the process's context). Before the
// SDK sees a request: a Host or Origin not on the list is refused (403; DNS rebinding would otherwise
// let any web page reach a loopback server), then the bearer key is checked whenever one is set (401).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { digest, keyMatches } from "../server/caller.js";

export interface HttpHostOptions {
  host: string;
  port: number;
  /** Host header values to accept besides the loopback names on the bound port: `name` or `name:port`. */
  allowedHosts?: string[];
  /** Origin header values to accept besides http://<loopback name>:<port>. */
  allowedOrigins?: string[];
  /** Require `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  createServer(): McpServer;
  log?(line: string): void;
}

export interface HttpHost {
  /** http://HOST:PORT/mcp */
  url: string;
  close(): Promise<void>;
}

const MAX_BODY = 1 << 20;
const LOOPBACK_NAMES = ["127.0.0.1", "localhost", "[::1]"];

const bracket = (h: string) => (h.includes(":") && !h.startsWith("[") ? `[${h}]` : h);
const isWildcard = (h: string) => h === "0.0.0.0" || h === "::" || h === "[::]";
function rpcError(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
  code = -32000,
): void {
  const text = JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id: null });
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve) => {
    let text = "";
    let size = 0;
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      size += Buffer.byteLength(chunk);
      if (size > MAX_BODY) {
        resolve(null);
        req.resume();
      } else text += chunk;
    });
    req.on("end", () => resolve(size > MAX_BODY ? null : text));
    req.on("error", () => resolve(null));
  });
}

export async function startHttpHost(o: HttpHostOptions): Promise<HttpHost> {
  const log = o.log ?? ((line: string) => process.stderr.write(line + "\n"));
  const expected = o.apiKey ? digest(o.apiKey) : undefined;
  let hosts = new Set<string>();
  let origins = new Set<string>();
  const hostNames = new Set<string>(); // allowed on any port

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const host = (req.headers.host ?? "").toLowerCase();
    const name = host.replace(/:\d+$/, "");
    if (!hosts.has(host) && !hostNames.has(name)) {
      log(`governor mcp: refused a request for host ${JSON.stringify(host.slice(0, 100))} (403)`);
      return rpcError(
        res,
        403,
        "Forbidden: this Host is not allowed (start governor mcp with --allowed-host <host>).",
      );
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !origins.has(origin.toLowerCase().replace(/\/+$/, ""))) {
      log(
        `governor mcp: refused a request from origin ${JSON.stringify(origin.slice(0, 100))} (403)`,
      );
      return rpcError(
        res,
        403,
        "Forbidden: this Origin is not allowed (start governor mcp with --allowed-origin <origin>).",
      );
    }
    const path = (req.url ?? "").split("?")[0];
    if (path !== "/mcp") return rpcError(res, 404, "Not found: the MCP endpoint is /mcp.");
    if (expected && !keyMatches(expected, req.headers.authorization)) {
      log(
        `governor mcp: refused a request ${req.headers.authorization ? "with a wrong key" : "without a key"} (401)`,
      );
      return rpcError(res, 401, "Unauthorized: send Authorization: Bearer <key>.", {
        "www-authenticate": "Bearer",
      });
    }
    if (req.method !== "POST")
      return rpcError(res, 405, "Method not allowed: this server is stateless, POST only.", {
        allow: "POST",
      });
    const text = await readBody(req);
    if (text === null) return rpcError(res, 413, `Request body over ${MAX_BODY} bytes.`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return rpcError(res, 400, "Parse error: the body is not JSON.", {}, -32700);
    }
    const server = o.createServer();
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    res.on("close", () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  }

  const http = createServer((req, res) => {
    handle(req, res).catch((err) => {
      log(`governor mcp: request failed (${(err as Error)?.name ?? "error"})`);
      if (!res.headersSent) rpcError(res, 500, "Internal error.", {}, -32603);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(o.port, o.host, () => {
      http.off("error", reject);
      resolve();
    });
  });
  const addr = http.address() as AddressInfo;
  const port = addr.port;
  const names = [...LOOPBACK_NAMES];
  if (!isWildcard(o.host)) names.push(bracket(o.host.toLowerCase()));
  hosts = new Set(names.map((n) => `${n}:${port}`));
  origins = new Set(names.map((n) => `http://${n}:${port}`));
  for (const h of o.allowedHosts ?? []) {
    const v = h.toLowerCase();
    if (/:\d+$/.test(v) && (!v.includes("::") || v.startsWith("["))) hosts.add(v);
    else hostNames.add(bracket(v));
  }
  for (const origin of o.allowedOrigins ?? [])
    origins.add(origin.toLowerCase().replace(/\/+$/, ""));
  const shown = isWildcard(o.host) ? "127.0.0.1" : bracket(o.host);
  return {
    url: `http://${shown}:${port}/mcp`,
    close: () =>
      new Promise((resolve) => {
        http.close(() => resolve());
        http.closeIdleConnections();
        setTimeout(() => http.closeAllConnections(), 1000).unref();
      }),
  };
}
