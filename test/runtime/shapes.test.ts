import { afterEach, describe, expect, it } from "vitest";
import {
  createGovernor,
  withActor,
  withIntent,
  GovernorConfigError,
  GovernorDeniedError,
} from "../../src/runtime/index.js";
import { allow, deny, startEnforce, type EnforceServer } from "../support/enforce-server.js";
import { closeAll, makeGovernor } from "./helpers.js";

let server: EnforceServer | undefined;
afterEach(async () => {
  await closeAll();
  await server?.close();
  server = undefined;
});

describe("gate keeps the function's shape", () => {
  it("keeps this, name and length; a sync function becomes async", async () => {
    server = await startEnforce(() => allow());
    const { governor } = makeGovernor({ enforceUrl: server.url });
    class Calculator {
      base = 10;
      add = governor.gate("add", function (this: Calculator, a: number, b: number) {
        return this.base + a + b;
      });
      async _call(x: number) {
        return this.base * x;
      }
    }
    Calculator.prototype._call = governor.gate("multiply", Calculator.prototype._call);
    const c = new Calculator();
    const sum = c.add(1, 2);
    expect(sum).toBeInstanceOf(Promise);
    expect(await sum).toBe(13);
    expect(await c._call(3)).toBe(30);

    async function getWeather(city: string, units: string) {
      return `${city} ${units}`;
    }
    const gated = governor.gate("get_weather", getWeather);
    expect(gated.name).toBe("getWeather");
    expect(gated.length).toBe(2);
    expect(governor.gate("get_weather", async () => 1).name).toBe("get_weather");
    // Errors from the tool itself pass through untouched.
    const boom = governor.gate("get_x", () => {
      throw new RangeError("tool failed");
    });
    await expect(boom()).rejects.toThrow(RangeError);
  });

  it("gates an async generator on its first next()", async () => {
    let answer = allow();
    server = await startEnforce(() => answer);
    const { governor } = makeGovernor({ enforceUrl: server.url });
    let started = 0;
    const stream = governor.gate("search_docs", async function* (q: string) {
      started++;
      yield `searching ${q}`;
      yield `found ${q}`;
    });
    expect(Object.prototype.toString.call(stream)).toBe("[object AsyncGeneratorFunction]");
    const it1 = stream("x");
    expect(server.requests.length).toBe(0);
    const out: string[] = [];
    for await (const v of it1) out.push(v);
    expect(out).toEqual(["searching x", "found x"]);
    expect(server.requests.length).toBe(1);

    answer = deny("g-1");
    await expect(stream("y").next()).rejects.toBeInstanceOf(GovernorDeniedError);
    const ret = governor.gate(
      "search_docs",
      async function* (q: string) {
        started++;
        yield q;
      },
      { onDeny: "return" },
    );
    const vals: string[] = [];
    for await (const v of ret("z")) vals.push(v);
    expect(vals).toHaveLength(1);
    expect(vals[0]).toMatch(/blocked by policy/);
    expect(started).toBe(1);
  });

  it("rejects bad gate arguments at wrap time", () => {
    const { governor } = makeGovernor({ enforceUrl: "http://127.0.0.1:1" });
    expect(() => governor.gate("", async () => 1)).toThrow(/non-empty string/);
    expect(() => governor.gate("x", 3 as any)).toThrow(/must be a function/);
  });
});

describe("withActor / withIntent", () => {
  it("makes the request's user the actor of every call made while serving it", async () => {
    server = await startEnforce(() => allow());
    const { governor } = makeGovernor({
      enforceUrl: server.url,
      actor: { id: "support-bot", type: "agent" },
    });
    const tool = governor.gate("get_order", async (_: { id: number }) => {
      await new Promise((r) => setTimeout(r, 5));
      return "ok";
    });
    await tool({ id: 1 });
    await Promise.all([
      withActor({ id: "user-1" }, async () => {
        await new Promise((r) => setTimeout(r, 10));
        await tool({ id: 2 });
      }),
      withActor({ id: "user-2", type: "service" }, () =>
        withIntent({ data: { sensitivity: ["confidential"] }, layer: "L5" }, () => tool({ id: 3 })),
      ),
    ]);
    const byActor = Object.fromEntries(server.requests.map((r) => [r.body.actor.id, r.body]));
    expect(byActor["support-bot"].actor).toEqual({ id: "support-bot", type: "agent" });
    expect(byActor["user-1"].actor).toEqual({ id: "user-1", type: "user" });
    expect(byActor["user-2"]).toMatchObject({
      actor: { id: "user-2", type: "service" },
      layer: "L5",
      data: { sensitivity: ["confidential"] },
    });
    expect(byActor["user-1"].layer).toBeUndefined();
  });

  it("gate's intent option and the intent map shape the intent", async () => {
    server = await startEnforce(() => allow());
    const { governor } = makeGovernor({
      enforceUrl: server.url,
      config: {
        defaults: { actor: { id: "map-bot", type: "agent" }, layer: "L4" },
        tools: { refund: { action: "refund", resource: { type: "payment", name: "stripe" } } },
      },
    });
    await governor.gate("refund", async () => 1)();
    await governor.gate("get_x", async () => 1, {
      intent: { action: "query", risk: { authn: "required" } },
    })();
    expect(server.requests[0].body).toMatchObject({
      action: "refund",
      resource: { type: "payment", name: "stripe" },
      actor: { id: "map-bot" },
      layer: "L4",
    });
    expect(server.requests[1].body).toMatchObject({
      action: "query",
      resource: { type: "x", name: "get_x" },
      risk: { authn: "required" },
    });
  });

  it("does not scan framework context arguments for pii", async () => {
    server = await startEnforce(() => allow());
    const { governor } = makeGovernor({ enforceUrl: server.url });
    const tool = governor.gate("get_order", async (_input: { id: number }, _options: unknown) => 1);
    // The AbortSignal marks it as the framework's (plain JSON with the same keys is scanned).
    await tool(
      { id: 1 },
      {
        toolCallId: "c1",
        messages: [
          { role: "user", content: "I am jane@example.com" },
          { role: "user", content: "hi" },
        ],
        abortSignal: new AbortController().signal,
      },
    );
    expect(server.requests[0].body.data).toEqual({ pii: false, volume: "single" });
  });
});

describe("config", () => {
  it("createGovernor throws config_invalid listing what to fix", () => {
    const err = (() => {
      try {
        createGovernor({
          env: {
            GOVERNOR_TIMEOUT_MS: "soon",
            GOVERNOR_FAIL_MODE: "sometimes",
            GOVERNOR_HEADERS: "{nope",
          },
        });
      } catch (e) {
        return e as GovernorConfigError;
      }
    })()!;
    expect(err).toBeInstanceOf(GovernorConfigError);
    expect(err.code).toBe("config_invalid");
    expect(err.message).toContain("GOVERNOR_ENFORCE_URL is not set");
    expect(err.message).toContain("GOVERNOR_TIMEOUT_MS");
    expect(err.message).toContain("GOVERNOR_FAIL_MODE");
    expect(err.message).toContain("GOVERNOR_HEADERS");
    expect(() => createGovernor({ env: { GOVERNOR_ENFORCE_URL: "ftp://x" } })).toThrow(
      /http\(s\) URL/,
    );
    expect(() =>
      createGovernor({
        env: {
          GOVERNOR_ENFORCE_URL: "http://x",
          GOVERNOR_CONFIG: "/nonexistent/governor.config.json",
        },
      }),
    ).toThrow(/does not exist/);
  });

  it("reads every option from the environment", async () => {
    server = await startEnforce(() => allow());
    const g = createGovernor({
      env: {
        GOVERNOR_ENFORCE_URL: server.url + "/",
        GOVERNOR_API_KEY: "env-key-123",
        GOVERNOR_HEADERS: '{"x-tenant-id":"acme"}',
        GOVERNOR_ACTOR_ID: "env-bot",
        GOVERNOR_MODE: "observe",
      },
      warn: () => {},
    });
    expect(g.mode).toBe("observe");
    await g.gate("get_x", async () => 1)();
    await g.close();
    expect(server.requests[0].headers.authorization).toBe("Bearer env-key-123");
    expect(server.requests[0].headers["x-tenant-id"]).toBe("acme");
    expect(server.requests[0].body.actor).toEqual({ id: "env-bot", type: "agent" });
  });
});
