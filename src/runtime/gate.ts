// gate(): wrap a tool function so the governor decides before it runs. Keeps parameters, `this`,
// result type, name and length; async generators stay async generators (checked on first next()).
import { contextStorage, currentContext, type GateContext } from "./context.js";
import { endGrant, type Grant } from "./grant.js";
import type { IntentOverride } from "./intent.js";
import { mastraInput } from "./input.js";
import { unavailableRefusal } from "./refusal.js";

export interface GateOptions {
  /** "throw" (default): a blocked call rejects with GovernorDeniedError (or the typed error when
   *  there was no decision). "return": a blocked call resolves to the refusal text instead, for
   *  loops that must hand the model a value; the result type still says `fn`'s type, but a blocked
   *  call resolves a `string`. */
  onDeny?: "throw" | "return";
  /** Overrides the intent map for this tool (withIntent() values win over it). */
  intent?: IntentOverride;
  /** Where the tool's input is among the arguments, when a framework passes its own context beside
   *  it (never scanned): "first", the first argument alone (AI SDK's execute(input, { toolCallId,
   *  messages, ... }), whose conversation is not the tool's data); "mastra", execute({ context,
   *  runtimeContext, ... }) in 0.x and execute(inputData, context) in 1.x. Default: every argument,
   *  framework context (functions, signals, class instances) dropped. */
  input?: "first" | "mastra";
}

/** What a gated function returns: async results and async generators unchanged; a sync result
 *  becomes a Promise (the check is asynchronous). */
export type GatedResult<R> = R extends PromiseLike<any> | AsyncIterable<any> ? R : Promise<R>;

/** `string` unless R is an async iterable: keeps async generators out of the first overload. */
type NameUnlessStream<R> = [R] extends [AsyncIterable<any>] ? never : string;

/**
 * gate() keeps the function's parameters, `this` and result type. Separate type parameters (not
 * `F extends Function`) so a contextual type flows into `fn`: AI SDK's
 * `execute: gate("x", async (input, options) => ...)` still infers input from inputSchema.
 * Overloads, in this order because TypeScript fixes a function argument's return type on the
 * first overload it tries:
 * 1. sync or async functions: `R | PromiseLike<R>` in, plain `Promise<R>` out, so an expected
 *    result type (`Promise<{ type: "text" }>` or `X | Promise<X>`) reaches the body and keeps its
 *    literal types;
 * 2. async generators stay async generators (the check runs on the first next());
 * 3. the same as 1 for generic functions, whose result type 1 cannot decide;
 * 4. a result that is a union of different promises (`handlers[name](args)` over handlers that
 *    return different types), which 1 cannot infer one R from: `Promise<Awaited<R>>` out.
 */
export interface GateFunction {
  <T, A extends any[], R>(
    name: NameUnlessStream<R>,
    fn: (this: T, ...args: A) => R | PromiseLike<R>,
    opts?: GateOptions,
  ): (this: T, ...args: A) => Promise<R>;
  <T, A extends any[], Y, RR, N>(
    name: string,
    fn: (this: T, ...args: A) => AsyncGenerator<Y, RR, N>,
    opts?: GateOptions,
  ): (this: T, ...args: A) => AsyncGenerator<Y, RR, N>;
  <T, A extends any[], R>(
    name: string,
    fn: (this: T, ...args: A) => R | PromiseLike<R>,
    opts?: GateOptions,
  ): (this: T, ...args: A) => Promise<R>;
  <T, A extends any[], R>(
    name: string,
    fn: (this: T, ...args: A) => R,
    opts?: GateOptions,
  ): (this: T, ...args: A) => Promise<Awaited<R>>;
}

/** The grant to run the call under, or the refusal text to hand back (onDeny "return"). */
export type Verdict = Grant | string;

/** "Run it", with a grant that carries nothing (test hosts; never bound to a call). */
export const RUN: Grant = Object.freeze({
  kind: "tool",
  name: "",
  source: "enforced",
  requestId: null,
});

/** The call may run (under the grant). */
export function isRun(v: Verdict): v is Grant {
  return typeof v !== "string";
}

/** On every gated function: the tool name it was gated under. */
export const GATED = Symbol.for("governor.gated");

/** Which layer asked enforce for a call (the audit record's `gatedBy`): gate() at the tool's
 *  definition, a wrapper where tools are registered (governTools, governMcpServer, governMcpClient),
 *  or governor/register's instrumentation of the framework. */
export type GatedBy = "definition" | "registration" | "instrumentation";

/** What a wrapper needs from a governor: decide one call (RUN, a refusal to return, or throw). */
export interface GateHost {
  before(
    name: string,
    args: unknown[],
    opts: GateOptions | undefined,
    by?: GatedBy,
  ): Promise<Verdict>;
}

/** How a registration or instrumentation layer gates a function (see govern.ts). */
export interface Layer {
  by: GatedBy;
  /** The arguments the intent is built from (default: all of them, framework context dropped). */
  argsOf?: (args: unknown[]) => unknown[];
  /** Turns the refusal text into what the framework expects as the tool's result. */
  refuse?: (refusal: string) => unknown;
  /** onDeny "throw" where the framework hands the error's message to the model (AI SDK): a call
   *  with no decision throws its typed error with the model-facing refusal as the message, not the
   *  person-facing one (which names the policy service's URL). */
  modelFacing?: boolean;
}

function isAsyncGeneratorFunction(fn: unknown): boolean {
  return Object.prototype.toString.call(fn) === "[object AsyncGeneratorFunction]";
}

/** Wrap `fn`; `getHost` is called per call so the default governor can be created lazily. Without
 *  `layer` this is gate() at a definition; with it, an outer layer, which marks the call as decided
 *  so a gate() at the definition inside, for the same name, does not ask a second time. */
export function makeGate(
  getHost: () => GateHost,
  name: string,
  fn: (...args: any[]) => any,
  opts?: GateOptions,
  layer?: Layer,
): any {
  if (typeof name !== "string" || !name)
    throw new TypeError("gate(name, fn): name must be the tool's name, a non-empty string");
  if (typeof fn !== "function") throw new TypeError(`gate("${name}", fn): fn must be a function`);
  let wrapper: (...args: unknown[]) => unknown;
  if (isAsyncGeneratorFunction(fn)) {
    // The check runs on the first next(), before the generator's body starts.
    wrapper = async function* (this: unknown, ...args: unknown[]) {
      if (decidedAbove(name)) return yield* fn.apply(this, args);
      const verdict = await getHost().before(name, argsFor(args, opts, layer), opts, layer?.by);
      if (!isRun(verdict)) {
        yield layer?.refuse ? layer.refuse(verdict) : verdict;
        return;
      }
      if (!layer && verdict === RUN) return yield* fn.apply(this, args);
      const gen = runDecided(name, () => fn.apply(this, args), verdict, !!layer);
      return yield* bindGenerator(name, gen, verdict, !!layer);
    };
  } else {
    wrapper = async function (this: unknown, ...args: unknown[]) {
      if (decidedAbove(name)) return fn.apply(this, args);
      const verdict = layer?.modelFacing
        ? await getHost()
            .before(name, argsFor(args, opts, layer), opts, layer.by)
            .catch((err) => Promise.reject(forModel(err, name)))
        : await getHost().before(name, argsFor(args, opts, layer), opts, layer?.by);
      if (!isRun(verdict)) return layer?.refuse ? layer.refuse(verdict) : verdict;
      if (verdict === RUN && !layer) return fn.apply(this, args);
      // The body carries its grant: its side effects count as governed (guards, governedFetch).
      return await runCall(name, () => fn.apply(this, args), verdict, !!layer);
    };
  }
  Object.defineProperty(wrapper, "name", { value: fn.name || name, configurable: true });
  Object.defineProperty(wrapper, "length", { value: fn.length, configurable: true });
  Object.defineProperty(wrapper, GATED, { value: name });
  return wrapper;
}

/** The arguments the intent is built from: the layer's choice, else the `input` option's, else all. */
function argsFor(
  args: unknown[],
  opts: GateOptions | undefined,
  layer: Layer | undefined,
): unknown[] {
  if (layer?.argsOf) return layer.argsOf(args);
  if (opts?.input === "first") return args.slice(0, 1);
  return opts?.input === "mastra" ? mastraInput(args) : args;
}

/** The same typed error (class, code, fields) with the refusal the model should read as message. */
function forModel(err: unknown, name: string): unknown {
  const e = err as { code?: unknown; name?: string };
  if (!(err instanceof Error) || typeof e.code !== "string" || e.name === "GovernorDeniedError")
    return err;
  const copy = Object.create(Object.getPrototypeOf(err), Object.getOwnPropertyDescriptors(err));
  const text = unavailableRefusal(name, e.code);
  Object.defineProperty(copy, "message", { value: text, writable: true, configurable: true });
  Object.defineProperty(copy, "stack", {
    value: `${e.name}: ${text}`,
    writable: true,
    configurable: true,
  });
  return copy;
}

/** An outer layer already decided this call of `name` (registration or instrumentation). */
export function decidedAbove(name: string): boolean {
  const ctx = currentContext();
  return ctx !== undefined && ctx.decided === name;
}

/** Run `fn` with the call of `name` marked as decided (`decided` false: only the grant), and
 *  carrying `grant`, async work included. */
export function runDecided<R>(name: string, fn: () => R, grant?: Grant, decided = true): R {
  const cur = currentContext();
  const next: GateContext = cur ? { ...cur } : {};
  if (decided) next.decided = name;
  if (grant && grant !== RUN) next.grant = grant;
  return contextStorage().run(next, fn);
}

/** runDecided for a whole call: the grant ends when the call settles, so work it left running
 *  (a timer, a listener) no longer counts as governed. A lazy thenable's then() runs under it. */
export async function runCall<R>(
  name: string,
  fn: () => R,
  grant: Grant,
  decided = true,
): Promise<Awaited<R>> {
  const cur = currentContext();
  const next: GateContext = cur ? { ...cur } : {};
  if (decided) next.decided = name;
  if (grant !== RUN) next.grant = grant;
  const als = contextStorage();
  try {
    const result = als.run(next, fn);
    // `await` takes a native promise as it is; any other thenable's then() would run out here.
    if (
      result instanceof Promise ||
      result === null ||
      (typeof result !== "object" && typeof result !== "function")
    )
      return await result;
    return await als.run(next, () => Promise.resolve(result));
  } finally {
    endGrant(grant);
  }
}

/** Each step of an async generator runs marked as decided too (ALS does not follow a generator
 *  resumed from outside); the grant ends with the generator. */
async function* bindGenerator(
  name: string,
  gen: AsyncGenerator<unknown, unknown, unknown>,
  grant: Grant,
  decided: boolean,
): AsyncGenerator<unknown, unknown, unknown> {
  let input: unknown;
  try {
    for (;;) {
      const step = await runDecided(name, () => gen.next(input), grant, decided);
      if (step.done) return step.value;
      input = yield step.value;
    }
  } finally {
    endGrant(grant);
  }
}
