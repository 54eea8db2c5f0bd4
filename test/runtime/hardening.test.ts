// Second-review cases: paths where a call could slip through, leak a secret, or be mislabelled.
import { afterEach, describe, expect, it } from "vitest";
import { inspect } from "node:util";
import {
  createGovernor,
  GovernorError,
  withActor,
  withIntent,
  type Intent,
} from "../../src/runtime/index.js";
import { allow, noAnswer, startEnforce, type EnforceServer } from "../support/enforce-server.js";
import { closeAll, makeGovernor, rejection } from "./helpers.js";

let server: EnforceServer | undefined;
afterEach(async () => {
  await closeAll();
  await server?.close();
  server = undefined;
});

const intent = (id = "a"): Intent => ({
  action: "read",
  actor: { id, type: "user" },
  resource: { type: "db", name: "users" },
});
/** Every way people print an error: message, toString, stack, JSON, util.inspect (console.error), causes. */
const printed = (err: any): string =>
  [
    err?.message,
    String(err),
    err?.stack,
    JSON.stringify(err),
    inspect(err, { depth: 10, showHidden: true }),
  ].join("\n");

describe("an intent that cannot be built is refused, typed, without quoting arguments", () => {
  it("a throwing argument getter: intent_invalid, tool not run, nothing sent, audited", async () => {
    server = await startEnforce(() => allow());
    const t = makeGovernor({ enforceUrl: server.url });
    let ran = 0;
    const tool = t.governor.gate("send_email", async (_input: unknown) => ++ran);
    const input = {
      get to(): string {
        throw new Error("cannot read jane@example.com");
      },
    };
    const err = await rejection(tool(input));
    expect(err).toBeInstanceOf(GovernorError);
    expect(err.code).toBe("intent_invalid");
    expect(err.tool).toBe("send_email");
    expect(printed(err)).not.toContain("jane@example.com");
    const text = await t.governor.gate("send_email", async (_input: unknown) => ++ran, {
      onDeny: "return",
    })(input);
    expect(text).toMatch(/"send_email" was not run.*intent_invalid/);
    expect(ran).toBe(0);
    expect(server.requests.length).toBe(0);
    const lines = await t.auditLines();
    expect(lines.map((l) => [l.outcome, l.errorCode])).toEqual([
      ["error", "intent_invalid"],
      ["error", "intent_invalid"],
    ]);
  });

  it("a withIntent value that is not JSON (BigInt) and check() of one reject, never throw synchronously", async () => {
    server = await startEnforce(() => allow());
    const t = makeGovernor({ enforceUrl: server.url });
    let ran = 0;
    const tool = t.governor.gate("get_x", async () => ++ran);
    const err = await rejection(withIntent({ data: { n: 10n } as any }, () => tool()));
    expect(err.code).toBe("intent_invalid");
    let p: Promise<unknown> | undefined;
    expect(() => (p = t.governor.check({ ...intent(), data: { n: 1n } } as any))).not.toThrow();
    expect((await rejection(p!)).code).toBe("intent_invalid");
    expect(ran).toBe(0);
    expect(server.requests.length).toBe(0);
  });
});

describe("single-flight and cache", () => {
  it("a pending request is shared only by the same tool, so errors name the caller's tool", async () => {
    server = await startEnforce(() => ({ status: 500, delayMs: 40 }));
    const same = { action: "read", resource: { type: "db", name: "orders" } };
    const t = makeGovernor({
      enforceUrl: server.url,
      cacheTtlMs: 1000,
      config: { tools: { get_orders: same, list_orders: same } },
    });
    const [a, b, a2] = await Promise.all([
      rejection(t.governor.gate("get_orders", async () => 1)()),
      rejection(t.governor.gate("list_orders", async () => 1)()),
      rejection(t.governor.gate("get_orders", async () => 1)()),
    ]);
    expect([a.tool, b.tool, a2.tool]).toEqual(["get_orders", "list_orders", "get_orders"]);
    expect(b.message).toContain('"list_orders"');
    expect(b.message).not.toContain('"get_orders"');
    expect(server.requests.length).toBe(2);
  });

  it("a decision shared by single-flight cannot be changed by one of its callers", async () => {
    server = await startEnforce(() => ({
      status: 200,
      body: { decision: "DENY", metadata: { request_id: "d" } },
      delayMs: 20,
    }));
    const t = makeGovernor({ enforceUrl: server.url, cacheTtlMs: 1000 });
    const [first, second] = [t.governor.check(intent()), t.governor.check(intent())];
    const d = await first;
    expect(() => ((d as any).allowed = true)).toThrow(TypeError);
    expect(await second).toMatchObject({ decision: "DENY", allowed: false });
    expect(server.requests.length).toBe(1);
    // Every decision is frozen, fail-open and mode-off ones included.
    const open = makeGovernor({
      enforceUrl: "http://governor-test.invalid",
      failMode: "open",
      timeoutMs: 300,
    });
    expect(Object.isFrozen(await open.governor.check(intent()))).toBe(true);
    const off = makeGovernor({ mode: "off" });
    expect(Object.isFrozen(await off.governor.check(intent()))).toBe(true);
  });

  it("concurrent checks of different intents each get their own answer; actors from withActor/withIntent key the cache", async () => {
    server = await startEnforce((req) => ({
      ...(req.body.actor.id === "alice"
        ? allow("a")
        : { body: { decision: "DENY", metadata: { request_id: "b" } } }),
      delayMs: 20,
    }));
    const t = makeGovernor({ enforceUrl: server.url, cacheTtlMs: 10_000 });
    let ran: string[] = [];
    const tool = t.governor.gate("get_x", async (who: string) => ran.push(who));
    const call = (id: string) => withActor({ id }, () => tool(id).catch((e) => e.code));
    expect(await Promise.all([call("alice"), call("bob"), call("alice"), call("bob")])).toEqual([
      1,
      "policy_denied",
      2,
      "policy_denied",
    ]);
    expect(ran).toEqual(["alice", "alice"]);
    // alice's cached ALLOW is not served to bob, nor to alice acting as another type via withIntent.
    ran = [];
    expect(await call("bob")).toBe("policy_denied");
    await withActor({ id: "alice" }, () =>
      withIntent({ actor: { type: "service" } }, () => tool("alice-svc")),
    );
    expect(server.requests.at(-1)!.body.actor).toEqual({ id: "alice", type: "service" });
    expect(ran).toEqual(["alice-svc"]);
    await call("alice");
    // alice and bob shared one request each while pending; bob's DENY was not kept; the last alice was cached.
    expect(server.requests.map((r) => `${r.body.actor.id}/${r.body.actor.type}`).sort()).toEqual([
      "alice/service",
      "alice/user",
      "bob/user",
      "bob/user",
    ]);
  });

  it.each([
    ["negative", -1],
    ["a string", "0"],
    ["not finite", "Infinity"],
  ])("metadata.ttl_ms %s means do not cache", async (_n, ttl) => {
    server = await startEnforce(() => allow("r", { ttl_ms: ttl }));
    const t = makeGovernor({ enforceUrl: server.url, cacheTtlMs: 10_000 });
    await t.governor.check(intent());
    expect((await t.governor.check(intent())).cached).toBe(false);
    expect(server.requests.length).toBe(2);
  });
});

describe("framework context detection does not hide tool data from the pii scan", () => {
  it("a second argument with `messages` or `usage` keys is data and is scanned", async () => {
    server = await startEnforce(() => allow());
    const t = makeGovernor({ enforceUrl: server.url });
    const tool = t.governor.gate(
      "post_update",
      async (_channel: string, _payload: { messages: string[] }) => 1,
    );
    await tool("general", { messages: ["call me at jane@example.com"] });
    const usage = t.governor.gate("save_report", async (_id: number, _r: { usage: string }) => 1);
    await usage(1, { usage: "ssn 123-45-6789" });
    expect(server.requests.map((r) => r.body.data.pii)).toEqual([true, true]);
    // Real context objects are still recognised.
    const ctx = t.governor.gate("get_order", async (_input: { id: number }, _o: unknown) => 1);
    await ctx(
      { id: 1 },
      {
        toolCallId: "c1",
        messages: [{ content: "jane@example.com" }],
        abortSignal: new AbortController().signal,
      },
    );
    await ctx(
      { id: 1 },
      {
        signal: new AbortController().signal,
        sendNotification: async () => {},
        requestId: 1,
        note: "jane@example.com",
      },
    );
    expect(server.requests.slice(2).map((r) => r.body.data.pii)).toEqual([false, false]);
  });
});

describe("secrets in every printed form of an error", () => {
  const KEY = "sk-live-HARDEN-0123456789";
  const HEADER_SECRET = "hdr-HARDEN-987654321";
  const DECISION_KEY = "decision-key-HARDEN-0123456789";
  const QUERY_TOKEN = "qtok-HARDEN-55555";

  it("API key, header values, decision key and a token in the URL's query never appear", async () => {
    let reply: any;
    server = await startEnforce(() => reply);
    const url = `${server.url}/?token=${QUERY_TOKEN}`;
    const t = makeGovernor({
      enforceUrl: url,
      apiKey: KEY,
      headers: { "x-api-key": HEADER_SECRET },
      decisionKey: DECISION_KEY,
      timeoutMs: 200,
      retry: { baseDelayMs: 1 },
      breaker: { minimumRequests: 1000 },
    });
    const tool = t.governor.gate("get_x", async (_a: string) => 1);
    const replies = [
      { status: 500, body: { detail: `expected key ${DECISION_KEY}` } },
      { body: { decision: `Bearer ${KEY}` } },
      { body: { decision: `${HEADER_SECRET}` } },
      { status: 404, body: { detail: "Not Found" } },
      { raw: "not json" },
      noAnswer(),
      allow("r-unsigned"),
    ];
    const out: string[] = [];
    for (const r of replies) {
      reply = r;
      out.push(printed(await rejection(tool("arg"))));
      out.push(String(await t.governor.gate("get_x", async () => 1, { onDeny: "return" })()));
    }
    out.push(...(await t.auditLines()).map((l) => JSON.stringify(l)), ...t.warnings);
    const all = out.join("\n");
    expect(all).toContain("HTTP 404");
    for (const secret of [KEY, HEADER_SECRET, DECISION_KEY, QUERY_TOKEN])
      expect(all).not.toContain(secret);
    expect(server.requests[0].path).toContain(QUERY_TOKEN); // it is still sent
  });

  it("an invalid enforce URL is echoed without its credentials or query", () => {
    for (const enforceUrl of [`htp://user:${KEY}@example.com/`, `not a url?token=${QUERY_TOKEN}`]) {
      let err: unknown;
      try {
        createGovernor({ enforceUrl, env: {}, config: {} });
      } catch (e) {
        err = e;
      }
      expect((err as GovernorError).code).toBe("config_invalid");
      expect(printed(err)).not.toContain(KEY);
      expect(printed(err)).not.toContain(QUERY_TOKEN);
    }
  });
});

describe("process listeners", () => {
  it("many governors with audit logs add one set of exit listeners, removed on close", async () => {
    const before = process.listenerCount("exit");
    const sigBefore = process.listenerCount("SIGTERM");
    for (let i = 0; i < 15; i++) makeGovernor({ enforceUrl: "http://127.0.0.1:1" });
    expect(process.listenerCount("exit") - before).toBeLessThanOrEqual(1);
    expect(process.listenerCount("SIGTERM") - sigBefore).toBeLessThanOrEqual(1);
    await closeAll();
    expect(process.listenerCount("exit")).toBe(before);
    expect(process.listenerCount("SIGTERM")).toBe(sigBefore);
  });
});

describe("a warning sink that throws", () => {
  it("does not block a tool in observe or fail-open mode", async () => {
    server = await startEnforce((_r, n) =>
      n === 1
        ? { status: 200, body: { decision: "DENY", metadata: { request_id: "o" } } }
        : { status: 500 },
    );
    const warn = () => {
      throw new Error("sink broken");
    };
    const observe = makeGovernor({ enforceUrl: server.url, mode: "observe", warn });
    const open = makeGovernor({ enforceUrl: server.url, failMode: "open", warn });
    let ran = 0;
    await observe.governor.gate("delete_file", async () => ++ran)();
    await open.governor.gate("delete_file", async () => ++ran)();
    expect(ran).toBe(2);
  });
});

describe("config that would make every check fail in a misleading way is refused up front", () => {
  const configError = (options: Parameters<typeof createGovernor>[0]) => {
    try {
      createGovernor({ enforceUrl: "http://127.0.0.1:9", env: {}, config: {}, ...options });
    } catch (e) {
      return e as GovernorError;
    }
    return undefined;
  };
  it("a header the HTTP client manages (content-length, transfer-encoding, ...)", () => {
    for (const h of [
      "content-length",
      "Transfer-Encoding",
      "upgrade",
      "expect",
      "keep-alive",
      "connection",
    ]) {
      const err = configError({ headers: { [h]: "12345678" } });
      expect(err?.code).toBe("config_invalid");
      expect(err?.message).toContain(JSON.stringify(h));
    }
    expect(
      configError({ headers: { "x-tenant-id": "acme", host: "pdp.internal" } }),
    ).toBeUndefined();
  });
  it("a timeout longer than a Node timer can hold (it would fire at once)", () => {
    expect(configError({ timeoutMs: 3_000_000_000 })?.message).toMatch(
      /GOVERNOR_TIMEOUT_MS must be a number from 1 to 2147483647/,
    );
    expect(configError({ timeoutMs: 2_147_483_647 })).toBeUndefined();
  });
});
