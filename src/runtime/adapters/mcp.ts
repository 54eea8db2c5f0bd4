// MCP TypeScript SDK 1.x. One point per side, so every way of registering or sending a tool call
// passes it:
// - server: every request a Server answers is looked up in its handler map
//   (`_requestHandlers.get(method)` in Protocol._onrequest). McpServer's own CallTool handler, a
//   low-level `setRequestHandler(CallToolRequestSchema, ...)` and a fallbackRequestHandler all come
//   from that lookup, set before or after governing. The gate sits on the instance map's `get`, so
//   `tools/call` returns a gated handler, decided by `params.name` from the raw request.
// - client: every tools/call a Client sends goes through `request()` (callTool, request({ method:
//   "tools/call" }), experimental callToolStream via requestStream).
// A refusal is a CallToolResult with isError, returned (never thrown) on both sides, so callers that
// hand tool errors back with retry advice (LangChain, OpenAI Agents) show the refusal as it is.
import {
  decidedAbove,
  isMarked,
  isRun,
  markOnce,
  runCall,
  runDecided,
  type GatedBy,
} from "../govern.js";
import type { Grant } from "../grant.js";
import type { GateHost } from "../gate.js";
import type { InstrumentationAdapter, PatchResult } from "./types.js";

type Handler = (request: unknown, extra: unknown) => unknown;

interface ServerLike {
  _requestHandlers?: Map<string, Handler>;
  fallbackRequestHandler?: Handler;
  setRequestHandler?: unknown;
  connect?: unknown;
}

interface CallParams {
  name?: unknown;
  arguments?: unknown;
}

const RETURN = Object.freeze({ onDeny: "return" as const });
// markOnce keys (the marks are shared by the register and runtime bundles).
const SERVER_KEY = "mcp.server";
const CLIENT_KEY = "mcp.client";

// A client and a server in one process (an in-memory transport) would each ask for the same call.
// The client side hands the server side a one-time nonce in the request's `_meta`; the nonce lives
// only in this process's memory, so a remote client cannot forge one, and it is used once.
const HANDOFF = "governor/decided";
interface Handoffs {
  servers: number;
  open: Map<string, { name: string; at: number }>;
}
const HANDOFFS = Symbol.for("governor.mcp.handoffs");
function handoffs(): Handoffs {
  const g = globalThis as { [HANDOFFS]?: Handoffs };
  return (g[HANDOFFS] ??= { servers: 0, open: new Map() });
}

/** The request to send: with a handoff nonce when a gated server runs in this process. */
function handOff(
  req: { params?: CallParams & { _meta?: Record<string, unknown> } },
  name: string,
): unknown {
  const h = handoffs();
  if (h.servers === 0) return req;
  const now = Date.now();
  // Nonces of calls that never arrived (a remote server) expire.
  if (h.open.size > 1000) for (const [k, v] of h.open) if (now - v.at > 60_000) h.open.delete(k);
  const nonce = process.getBuiltinModule("node:crypto").randomUUID();
  h.open.set(nonce, { name, at: now });
  return { ...req, params: { ...req.params, _meta: { ...req.params?._meta, [HANDOFF]: nonce } } };
}

/** Did this process's client side already decide this call? Consumes the nonce. */
function takeHandoff(
  params: (CallParams & { _meta?: Record<string, unknown> }) | undefined,
  name: string,
): boolean {
  const nonce = params?._meta?.[HANDOFF];
  if (typeof nonce !== "string") return false;
  const open = handoffs().open;
  const h = open.get(nonce);
  if (!h || h.name !== name) return false;
  open.delete(nonce);
  return Date.now() - h.at <= 60_000;
}

type TaskParams = CallParams & { task?: { ttl?: number } };
interface TaskStoreLike {
  createTask(opts: { ttl?: number; pollInterval?: number }): Promise<{ taskId: string }>;
  storeTaskResult(taskId: string, status: "completed" | "failed", result: unknown): Promise<void>;
}

/** A task-augmented tools/call (MCP tasks) is answered with a task, not a result: the refusal is
 *  that task's result (completed, isError, as a tool error is), so the caller reads it where it
 *  reads any task's outcome. Without a task
 *  store the refusal is the request's error message. */
async function refusedTask(
  result: ReturnType<typeof refusalResult>,
  params: TaskParams,
  extra: unknown,
): Promise<unknown> {
  const store = (extra as { taskStore?: TaskStoreLike } | null)?.taskStore;
  if (
    !store ||
    typeof store.createTask !== "function" ||
    typeof store.storeTaskResult !== "function"
  )
    throw new Error(result.content[0].text);
  const task = await store.createTask({
    ttl: typeof params.task?.ttl === "number" ? params.task.ttl : 60_000,
  });
  await store.storeTaskResult(task.taskId, "completed", result);
  return { task };
}

function isGrant(v: Grant | ReturnType<typeof refusalResult>): v is Grant {
  return !("isError" in v);
}

/** What an MCP caller receives for a call that did not run. */
export function refusalResult(refusal: string): {
  content: { type: "text"; text: string }[];
  isError: true;
} {
  return { content: [{ type: "text", text: refusal }], isError: true };
}

/** Ask enforce for one tools/call. The grant to run it under, or the CallToolResult to answer with. */
async function decide(
  host: () => GateHost,
  params: CallParams | undefined,
  by: GatedBy,
): Promise<Grant | ReturnType<typeof refusalResult>> {
  const name = params?.name;
  if (typeof name !== "string" || !name)
    return refusalResult(
      "The tool call was not run: it names no tool, so it could not be checked against policy.",
    );
  const args = params!.arguments;
  // The intent is built from the model's arguments only, never from the transport's `extra`.
  const verdict = await host().before(
    name,
    [args && typeof args === "object" ? args : {}],
    RETURN,
    by,
  );
  return isRun(verdict) ? verdict : refusalResult(verdict);
}

function isServer(x: unknown): x is ServerLike {
  return (
    !!x &&
    typeof x === "object" &&
    typeof (x as ServerLike).setRequestHandler === "function" &&
    typeof (x as ServerLike).connect === "function"
  );
}

/** The low-level Server of an McpServer (`.server`), or the Server itself. */
function innerServer(x: unknown): ServerLike | undefined {
  if (isServer(x) && (x as { _requestHandlers?: unknown })._requestHandlers !== undefined) return x;
  const inner = (x as { server?: unknown } | null)?.server;
  return isServer(inner) ? inner : undefined;
}

/** Gate the tools/call handler of one Server instance. False when its shape is one we do not know. */
function gateServerInstance(server: ServerLike, host: () => GateHost, by: GatedBy): boolean {
  const map = server._requestHandlers;
  if (!map || typeof map.get !== "function" || typeof map.set !== "function") return false;
  // markOnce is false when already gated, or when the map is frozen (then it cannot be gated).
  if (!markOnce(map, SERVER_KEY)) return isMarked(map, SERVER_KEY);
  handoffs().servers++;
  const get = map.get;
  const gatedOf = new WeakMap<Handler, Handler>();
  const gated = (handler: Handler): Handler => {
    let g = gatedOf.get(handler);
    if (!g) {
      g = async function (this: unknown, request: unknown, extra: unknown) {
        const params = (request as { params?: CallParams } | null)?.params;
        const name = params?.name;
        if (typeof name === "string" && decidedAbove(name))
          return handler.call(this, request, extra);
        if (typeof name === "string" && takeHandoff(params, name))
          return runDecided(name, () => handler.call(this, request, extra));
        const verdict = await decide(host, params, by);
        if (!isGrant(verdict))
          return (params as { task?: unknown } | undefined)?.task
            ? refusedTask(verdict, params as TaskParams, extra)
            : verdict;
        // A gate() at the tool's definition (the registerTool callback) under this name does not ask again.
        return runCall(name as string, () => handler.call(this, request, extra), verdict);
      };
      gatedOf.set(handler, g);
    }
    return g;
  };
  try {
    Object.defineProperty(map, "get", {
      configurable: true,
      writable: true,
      value(this: Map<string, Handler>, key: string) {
        const h = get.call(this, key);
        if (key !== "tools/call") return h;
        if (h) return gated(h);
        // No CallTool handler: Protocol falls back to fallbackRequestHandler, which must pass the gate too.
        const fallback = server.fallbackRequestHandler;
        return typeof fallback === "function" ? gated(fallback) : undefined;
      },
    });
  } catch {
    return false;
  }
  return true;
}

/**
 * Gate every tools/call `server` answers (an McpServer or a low-level Server), by `params.name`,
 * tools registered before or after. Returns the same server; governing twice is a no-op. Throws a
 * TypeError for something that is not an MCP server of a version we know.
 */
export function governServer<T>(server: T, host: () => GateHost, by: GatedBy): T {
  const inner = innerServer(server);
  if (!inner || !gateServerInstance(inner, host, by)) {
    throw new TypeError(
      "governMcpServer: expected an McpServer or a Server from @modelcontextprotocol/sdk 1.x (its tools/call handler was not found), so its tools are NOT gated. Gate each tool callback with gate(name, fn).",
    );
  }
  return server;
}

/**
 * Gate every tools/call `client` sends, whichever method sends it: all of them reach
 * `request()`. Returns the same client; governing twice is a no-op.
 */
export function governClient<T>(client: T, host: () => GateHost, by: GatedBy): T {
  const c = client as { request?: unknown } | null;
  if (!c || typeof c !== "object" || typeof c.request !== "function") {
    throw new TypeError(
      "governMcpClient: expected a Client from @modelcontextprotocol/sdk 1.x (it has no request() method), so its tool calls are NOT gated.",
    );
  }
  // Already gated: on this client, or on Client.prototype by instrumentation (asked once either way).
  if (isGatedRequest(c.request)) return client;
  if (!gateRequest(c, c.request as RequestFn, host, by)) {
    throw new TypeError(
      "governMcpClient: the client cannot be changed (frozen), so its tool calls are NOT gated.",
    );
  }
  return client;
}

type RequestFn = (
  this: unknown,
  request: unknown,
  resultSchema?: unknown,
  options?: unknown,
) => Promise<unknown>;

// Symbol.for: the register bundle and the runtime bundles must recognise each other's gated request().
const GATED_REQUEST = Symbol.for("governor.mcp.request");

function isGatedRequest(fn: unknown): boolean {
  return typeof fn === "function" && (fn as { [GATED_REQUEST]?: boolean })[GATED_REQUEST] === true;
}

/** Put a gated `request` on `target` (a client or Client.prototype), calling `original`. */
function gateRequest(
  target: object,
  original: RequestFn,
  host: () => GateHost,
  by: GatedBy,
): boolean {
  if (isGatedRequest(original)) return true;
  if (!markOnce(target, CLIENT_KEY)) return isMarked(target, CLIENT_KEY);
  const request = function (
    this: unknown,
    req: unknown,
    resultSchema?: unknown,
    options?: unknown,
  ): Promise<unknown> {
    const r = req as { method?: unknown; params?: CallParams } | null;
    if (r?.method !== "tools/call") return original.call(this, req, resultSchema, options);
    const name = r.params?.name;
    // An outer layer (a LangChain or OpenAI Agents tool gated by name) already asked for this call.
    if (typeof name === "string" && decidedAbove(name))
      return original.call(this, handOff(r, name), resultSchema, options);
    return decide(host, r.params, by).then((verdict) => {
      if (isGrant(verdict))
        return runCall(
          name as string,
          () => original.call(this, handOff(r, name as string), resultSchema, options),
          verdict,
          false,
        );
      // A task-augmented call expects a task the server made; none was made, so the refusal is the
      // request's error (callToolStream yields it as its error message).
      if ((r.params as TaskParams).task || (options as { task?: unknown } | undefined)?.task)
        throw new Error(verdict.content[0].text);
      return verdict;
    });
  };
  Object.defineProperty(request, GATED_REQUEST, { value: true });
  try {
    Object.defineProperty(target, "request", {
      configurable: true,
      writable: true,
      value: request,
    });
    return true;
  } catch {
    return false;
  }
}

function classOf(exports: any, name: string): { prototype: any } | undefined {
  const c = exports?.[name];
  return typeof c === "function" && c.prototype && typeof c.prototype === "object" ? c : undefined;
}

/** Servers gate themselves on connect(): no request reaches a server before it, and McpServer's
 *  connect() reaches its inner Server's. */
function patchConnect(
  proto: any,
  label: string,
  host: () => GateHost,
  by: GatedBy,
  result: PatchResult,
): void {
  const connect = proto.connect;
  if (typeof connect !== "function") {
    result.missing!.push(`${label}.prototype.connect`);
    return;
  }
  if (!markOnce(proto, SERVER_KEY)) {
    if (!isMarked(proto, SERVER_KEY)) result.missing!.push(`${label}.prototype.connect (frozen)`);
    return;
  }
  proto.connect = function (this: unknown, ...args: unknown[]) {
    const inner = innerServer(this);
    if (!inner || !gateServerInstance(inner, host, by)) {
      // Fail safe and loud: this server's tools would run ungated.
      process.stderr.write(
        `governor: could not gate tools/call on this MCP ${label} (an @modelcontextprotocol/sdk version governor does not know): its tools are NOT gated.\n`,
      );
    }
    return connect.apply(this, args);
  };
  result.patched.push(`${label}.prototype.connect`);
}

export const instrumentation: InstrumentationAdapter = {
  framework: "mcp",
  patch(exports, info) {
    const result: PatchResult = { patched: [], missing: [] };
    const by: GatedBy = "instrumentation";
    if (info.specifier.endsWith("/server/mcp.js")) {
      const McpServer = classOf(exports, "McpServer");
      if (McpServer) patchConnect(McpServer.prototype, "McpServer", info.host, by, result);
      else result.missing!.push("McpServer");
    } else if (info.specifier.endsWith("/server/index.js") || info.specifier.endsWith("/server")) {
      const Server = classOf(exports, "Server");
      if (Server) patchConnect(Server.prototype, "Server", info.host, by, result);
      else result.missing!.push("Server");
    } else if (info.specifier.endsWith("/client/index.js") || info.specifier.endsWith("/client")) {
      const Client = classOf(exports, "Client");
      const request = Client?.prototype.request;
      if (!Client) result.missing!.push("Client");
      else if (typeof request !== "function") result.missing!.push("Client.prototype.request");
      else if (gateRequest(Client.prototype, request, info.host, by))
        result.patched.push("Client.prototype.request");
      else result.missing!.push("Client.prototype.request (frozen)");
    }
    return result;
  },
};
