// The http guard: every outbound request from global fetch, undici (through the global dispatcher)
// and node:http/node:https asks admit() before it can reach the network. Installed only when the http
// guard is on; the built-ins are taken with process.getBuiltinModule, never imported.
import type * as Http from "node:http";
import { GovernorGuardError } from "../errors.js";
import { admit, guardState } from "./state.js";

type Dispatch = (opts: DispatchOptions, handler: DispatchHandler) => boolean;
interface DispatchOptions {
  origin?: string | URL;
  method?: string;
}
interface DispatchHandler {
  onError?(err: Error): void;
  onResponseError?(controller: unknown, err: Error): void;
}
interface Dispatcher {
  dispatch: Dispatch;
  compose?(...interceptors: ((d: Dispatch) => Dispatch)[]): Dispatcher;
}

/** What the hooks keep, on globalThis so the ESM and CJS bundles share one install. */
interface HttpHooks {
  /** The dispatchers we made (the wrapped global ones). */
  ours: WeakSet<object>;
  /** The global dispatcher as we last left it. */
  current: object | undefined;
  /** Our global fetch (null: the process had none). */
  fetch: typeof fetch | null;
}

// undici <= 7 and Node's bundled undici keep the global dispatcher here (undici 7 writes .2 too but reads .1).
const DISPATCHER = Symbol.for("undici.globalDispatcher.1");
const HOOKS = Symbol.for("governor.guard.http");

type Holder = { [DISPATCHER]?: Dispatcher; [HOOKS]?: HttpHooks };
const g = globalThis as unknown as Holder;

function hooks(): HttpHooks | undefined {
  return g[HOOKS];
}

/** A fully qualified name ("api.stripe.com.") is the same host as without its final dot. */
function canonHost(host: string): string {
  return host.replace(/\.(?=(:\d+)?$)/, "");
}

// origin -> host, so the hot path parses each origin once.
const hostOf = new Map<string, string>();
function originHost(origin: string | URL | undefined): string | undefined {
  if (origin === undefined || origin === null) return undefined;
  const key = typeof origin === "string" ? origin : String(origin);
  let host = hostOf.get(key);
  if (host === undefined) {
    try {
      host = canonHost(new URL(key).host.toLowerCase());
    } catch {
      return undefined; // undici refuses an origin it cannot parse itself
    }
    if (hostOf.size >= 500) hostOf.clear();
    hostOf.set(key, host);
  }
  return host;
}

function check(target: string, method: string | undefined): GovernorGuardError | null {
  return admit({ primitive: "http", target, method: method ? method.toUpperCase() : "GET" });
}

/** Refuse the way undici refuses a request it cannot start (DispatcherBase): through the handler's
 *  error callback, in whichever handler API it speaks, or by throwing when it has neither. */
function refuseDispatch(handler: DispatchHandler, err: GovernorGuardError): boolean {
  if (typeof handler.onError === "function") handler.onError(err);
  else if (typeof handler.onResponseError === "function") {
    const controller = {
      aborted: true,
      paused: false,
      reason: err,
      abort() {},
      pause() {},
      resume() {},
    };
    handler.onResponseError(controller, err);
  } else throw err;
  return false;
}

type Ask = (target: string, method: string | undefined) => GovernorGuardError | null;

function interceptor(dispatch: Dispatch, ask: Ask = check): Dispatch {
  return function governedDispatch(opts, handler) {
    const host = originHost(opts?.origin);
    if (host !== undefined) {
      const err = ask(host, opts.method);
      if (err) return refuseDispatch(handler, err);
    }
    return dispatch(opts, handler);
  };
}

/** `d` with our interceptor in front: compose() where the dispatcher has it (undici >= 6.21), else a
 *  proxy whose dispatch is ours and whose other methods are the original's. */
function wrapDispatcher(d: Dispatcher, ask: Ask = check): Dispatcher {
  const intercept = (dispatch: Dispatch) => interceptor(dispatch, ask);
  if (typeof d.compose === "function") {
    try {
      return d.compose(intercept);
    } catch {
      // a compose() of another shape: the proxy below does the same job
    }
  }
  const dispatch = intercept(d.dispatch.bind(d));
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(d, {
    get(target, key) {
      if (key === "dispatch") return dispatch;
      const v = Reflect.get(target, key, target);
      if (typeof v !== "function") return v;
      let b = bound.get(key);
      if (b === undefined || (b as { orig?: unknown }).orig !== v) {
        b = Object.assign(v.bind(target), { orig: v });
        bound.set(key, b);
      }
      return b;
    },
  });
}

/** Make sure the global dispatcher is ours: wrap it again after the app's setGlobalDispatcher. */
function ensureDispatcher(h: HttpHooks): void {
  const d = g[DISPATCHER];
  if (d === h.current || d === undefined || d === null) return;
  if (h.ours.has(d)) {
    h.current = d;
    return;
  }
  if (typeof d.dispatch !== "function") return;
  const wrapped = wrapDispatcher(d);
  h.ours.add(wrapped);
  g[DISPATCHER] = wrapped;
  h.current = wrapped;
}

/** Re-wrap the global dispatcher if the app replaced it since (cheap: one identity check). Called
 *  by every hooked fetch and http request, and at scope and tool entry. */
export function ensureHttpGuard(): void {
  const h = hooks();
  if (h) ensureDispatcher(h);
}

/** The dispatcher a fetch call names: init.dispatcher, or one carried by a Request (undici keeps it
 *  under a private symbol named "dispatcher"; `key` is that symbol). */
function namedDispatcher(
  input: unknown,
  init: { dispatcher?: unknown } | undefined,
): { d: unknown; key?: symbol } | undefined {
  if (init && init.dispatcher != null) return { d: init.dispatcher };
  if (input === null || typeof input !== "object" || input instanceof URL) return undefined;
  for (const s of Object.getOwnPropertySymbols(input)) {
    if (s.description === "dispatcher") {
      const d = (input as Record<symbol, unknown>)[s];
      return d == null ? undefined : { d, key: s };
    }
  }
  return undefined;
}

// The app's own dispatchers, each wrapped once: fetch follows redirects through the dispatcher it is
// given, so every hop (not only the first URL) must meet the interceptor.
const ownWrapped = new WeakMap<object, Dispatcher>();
const ownWraps = new WeakSet<object>();
function wrappedOwn(d: Dispatcher): Dispatcher {
  let w = ownWrapped.get(d);
  if (w === undefined) {
    w = wrapDispatcher(d);
    ownWrapped.set(d, w);
    ownWraps.add(w);
  }
  return w;
}

/** host and method of a fetch call, or undefined when fetch itself would reject the URL. */
export function fetchEffect(
  input: unknown,
  init: { method?: string } | undefined,
): { target: string; method: string } | undefined {
  let url: string;
  let method = init?.method;
  if (typeof input === "string") url = input;
  else if (input instanceof URL) url = input.href;
  else if (
    input !== null &&
    typeof input === "object" &&
    typeof (input as { url?: unknown }).url === "string"
  ) {
    url = (input as { url: string }).url;
    method ??= (input as { method?: string }).method;
  } else url = String(input);
  const host = originHost(url);
  return host === undefined
    ? undefined
    : { target: host, method: method ? String(method).toUpperCase() : "GET" };
}

function isGuardError(e: unknown): e is GovernorGuardError {
  return e instanceof GovernorGuardError;
}

// fetch reports a dispatcher's error as TypeError("fetch failed", { cause }): a refusal is not a
// network failure (retry libraries would retry it), so our fetch rejects with the refusal itself.
function unwrapRefusal(e: unknown): never {
  if (e instanceof TypeError && isGuardError(e.cause)) throw e.cause;
  throw e;
}

/** fetch(input, init) with every request it dispatches (the first and each redirect hop) asked
 *  of `ask` first: through the dispatcher it names, or the global one, wrapped for this call.
 *  For governedFetch without the http guard. */
export function fetchChecked(
  input: unknown,
  init: Record<string, unknown> | undefined,
  ask: Ask,
): Promise<Response> {
  void (globalThis as { Headers?: unknown }).Headers; // loads Node's undici, which sets the global dispatcher
  const d = (namedDispatcher(input, init)?.d ?? g[DISPATCHER]) as Dispatcher | undefined;
  if (!d || typeof d.dispatch !== "function") {
    const e = fetchEffect(input, init);
    const err = e ? ask(e.target, e.method) : null;
    return err ? Promise.reject(err) : fetch(input as string, init);
  }
  const dispatcher = { value: wrapDispatcher(d, ask), enumerable: true };
  let view: object;
  if (init != null) view = Object.create(init, { dispatcher });
  else if (
    input !== null &&
    typeof input === "object" &&
    !(input instanceof URL) &&
    "referrer" in input
  ) {
    // A Request alone: a non-empty init resets its referrer and policy, so hand them back.
    const r = input as { referrer: string; referrerPolicy: string };
    view = { dispatcher: dispatcher.value, referrer: r.referrer, referrerPolicy: r.referrerPolicy };
  } else view = { dispatcher: dispatcher.value };
  return fetch(input as string, view as RequestInit).catch(unwrapRefusal);
}

function hookFetch(h: HttpHooks, orig: typeof fetch): typeof fetch {
  const wrapper = {
    fetch(
      this: unknown,
      input: unknown,
      init?: { dispatcher?: unknown; method?: string },
    ): Promise<Response> {
      ensureDispatcher(h);
      const named = namedDispatcher(input, init);
      // Through the global dispatcher (ours) the interceptor checks. A dispatcher of the app's own
      // bypasses it: send the request through that dispatcher wrapped (fetch follows redirects
      // through it, so every hop is checked), or, if it cannot be wrapped, check the first URL here.
      if (
        named !== undefined &&
        !h.ours.has(named.d as object) &&
        !ownWraps.has(named.d as object)
      ) {
        const d = named.d as Dispatcher;
        const args = Array.from(arguments);
        let wrapped = false;
        if (typeof d?.dispatch === "function") {
          // init: a view of it with our dispatcher (the app's object untouched); a Request: its own slot.
          if (named.key === undefined) {
            args[1] = Object.create(init as object, {
              dispatcher: { value: wrappedOwn(d), enumerable: true },
            });
            wrapped = true;
          } else {
            try {
              (input as Record<symbol, unknown>)[named.key] = wrappedOwn(d);
              wrapped = true;
            } catch {
              // a frozen Request: checked below
            }
          }
        }
        if (!wrapped) {
          const e = fetchEffect(input, init);
          const err = e ? check(e.target, e.method) : null;
          if (err) return Promise.reject(err);
          return Reflect.apply(orig, this, arguments) as Promise<Response>;
        }
        return (Reflect.apply(orig, this, args) as Promise<Response>).catch(unwrapRefusal);
      }
      return (Reflect.apply(orig, this, arguments) as Promise<Response>).catch(unwrapRefusal);
    },
  }.fetch as typeof fetch;
  Object.defineProperty(wrapper, "length", { value: orig.length });
  return wrapper;
}

/** host[:port] and method of a node:http(s) request, as ClientRequest will resolve them (null: the
 *  arguments are invalid and the original throws on them itself). */
interface HttpEffect {
  target: string;
  method: string;
  /** The arguments merged into one options object, as ClientRequest merges them. */
  options: Record<string, unknown>;
  /** The protocol ClientRequest will insist on, and the agent's default port. */
  expectedProtocol: string;
  defaultPort: number;
}

function httpEffect(
  mod: typeof Http,
  isHttps: boolean,
  args: unknown[],
  url: typeof import("node:url"),
): HttpEffect | null {
  let options: Record<string, unknown>;
  const a0 = args[0];
  let rest = 1;
  if (typeof a0 === "string" || isUrl(a0)) {
    let u: URL;
    try {
      u = typeof a0 === "string" ? new URL(a0) : (a0 as URL);
    } catch {
      return null;
    }
    options = url.urlToHttpOptions(u) as unknown as Record<string, unknown>;
  } else {
    options = {};
    rest = 0;
  }
  const o = args[rest];
  if (o !== null && typeof o === "object") Object.assign(options, o);
  const given = options.agent as
    { defaultPort?: number; protocol?: string } | false | null | undefined;
  const defaultAgent = (isHttps
    ? (mod as unknown as { globalAgent: Http.Agent }).globalAgent
    : ((options._defaultAgent as Http.Agent | undefined) ?? mod.globalAgent)) as unknown as {
    defaultPort?: number;
    protocol?: string;
  };
  const agent = given && typeof given === "object" ? given : defaultAgent;
  const protocol = String(
    options.protocol || defaultAgent.protocol || (isHttps ? "https:" : "http:"),
  );
  const defaultPort = Number(options.defaultPort || agent.defaultPort || 80);
  const port = String(options.port || defaultPort);
  let host = canonHost(String(options.hostname || options.host || "localhost").toLowerCase());
  if (host.includes(":") && !host.startsWith("[")) host = `[${host}]`;
  const defaultForScheme = protocol === "https:" ? "443" : protocol === "http:" ? "80" : "";
  const method =
    typeof options.method === "string" && options.method ? options.method.toUpperCase() : "GET";
  const expectedProtocol = String(agent.protocol || defaultAgent.protocol || protocol);
  // A unix socket (the Docker API, a local daemon) is its path, not the "localhost" it claims.
  if (typeof options.socketPath === "string" && options.socketPath)
    return { target: `unix:${options.socketPath}`, method, options, expectedProtocol, defaultPort };
  return {
    target: port === defaultForScheme ? host : `${host}:${port}`,
    method,
    options,
    expectedProtocol,
    defaultPort,
  };
}

// As ClientRequest tells a URL from an options object.
function isUrl(v: unknown): boolean {
  const u = v as { href?: unknown; protocol?: unknown; auth?: unknown; path?: unknown } | null;
  return Boolean(u?.href && u.protocol && u.auth === undefined && u.path === undefined);
}

/** A real ClientRequest that never opens a socket: its agent hands it the refusal instead of a
 *  socket, as Node's Agent does when it cannot create one ('error', then 'close', on a later tick).
 *  (`agent: false` would not do: ClientRequest then makes a fresh Agent, which connects.) */
function refusedRequest(
  orig: (...a: unknown[]) => Http.ClientRequest,
  self: unknown,
  args: unknown[],
  e: HttpEffect,
  err: GovernorGuardError,
): Http.ClientRequest {
  const agent = {
    protocol: e.expectedProtocol,
    defaultPort: e.defaultPort,
    keepAlive: false,
    maxSockets: Infinity,
    addRequest: (req: Http.ClientRequest) =>
      (req as unknown as { onSocket(s: null, e: Error): void }).onSocket(null, err),
  };
  const copy: Record<string, unknown> = { ...e.options, agent };
  const cb = args.find((a) => typeof a === "function");
  return Reflect.apply(orig, self, cb ? [copy, cb] : [copy]);
}

function hookRequest(
  h: HttpHooks,
  mod: typeof Http,
  name: "request" | "get",
  isHttps: boolean,
  url: typeof import("node:url"),
): void {
  const orig = mod[name] as unknown as (...a: unknown[]) => Http.ClientRequest;
  const wrapper = {
    [name](this: unknown, ...args: unknown[]): Http.ClientRequest {
      ensureDispatcher(h);
      if (guardState()) {
        const e = httpEffect(mod, isHttps, args, url);
        if (e) {
          const err = check(e.target, e.method);
          if (err) return refusedRequest(orig, this, args, e, err);
        }
      }
      return Reflect.apply(orig, this, args);
    },
  }[name]!;
  Object.defineProperty(wrapper, "length", { value: orig.length });
  mod[name] = wrapper as typeof mod.request;
}

/** `new http.ClientRequest(...)` (what http.request does; some clients call it directly): a proxy
 *  of the class whose construct asks first. instanceof, statics and subclassing see the class. */
function hookClientRequest(h: HttpHooks, mod: typeof Http, url: typeof import("node:url")): void {
  const Orig = mod.ClientRequest as unknown as new (...a: unknown[]) => Http.ClientRequest;
  mod.ClientRequest = new Proxy(Orig, {
    construct(target, args, newTarget) {
      ensureDispatcher(h);
      if (guardState()) {
        const e = httpEffect(mod, false, args, url);
        const err = e ? check(e.target, e.method) : null;
        if (err && e)
          return refusedRequest(
            (...a: unknown[]) => Reflect.construct(target, a, newTarget),
            undefined,
            args,
            e,
            err,
          );
      }
      return Reflect.construct(target, args, newTarget);
    },
  }) as unknown as typeof mod.ClientRequest;
}

/** Install the http hooks (once per process). */
export function installHttpGuard(): void {
  if (hooks()) return;
  const h: HttpHooks = { ours: new WeakSet(), current: undefined, fetch: null };
  g[HOOKS] = h;
  // Node's bundled undici sets its global dispatcher when it first loads: touching one of its
  // lazy globals loads it now, so a fetch captured before governor meets our dispatcher too.
  void (globalThis as { Headers?: unknown }).Headers;
  ensureDispatcher(h);
  const origFetch = globalThis.fetch;
  if (typeof origFetch === "function") {
    h.fetch = hookFetch(h, origFetch);
    const desc = Object.getOwnPropertyDescriptor(globalThis, "fetch");
    Object.defineProperty(globalThis, "fetch", {
      value: h.fetch,
      writable: desc?.writable ?? true,
      enumerable: desc?.enumerable ?? true,
      configurable: true,
    });
  }
  const url = process.getBuiltinModule("node:url") as typeof import("node:url");
  const http = process.getBuiltinModule("node:http") as typeof Http;
  const https = process.getBuiltinModule("node:https") as unknown as typeof Http;
  hookRequest(h, http, "request", false, url);
  hookRequest(h, http, "get", false, url);
  hookRequest(h, https, "request", true, url);
  hookRequest(h, https, "get", true, url);
  hookClientRequest(h, http, url);
}

/** Our fetch, when the http guard is installed in this process. */
export function hookedFetch(): typeof fetch | null {
  return hooks()?.fetch ?? null;
}
