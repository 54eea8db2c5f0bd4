// intentScope(): one decision for a block of code, bound to its async work.
import { afterEach, describe, expect, it } from "vitest";
import {
  currentGrant,
  GovernorConfigError,
  GovernorDeniedError,
  GovernorUnavailableError,
  signDecision,
  withActor,
  withIntent,
} from "../../src/runtime/index.js";
import {
  allow,
  closedUrl,
  deny,
  startEnforce,
  type EnforceServer,
  type Received,
} from "../support/enforce-server.js";
import { closeAll, makeGovernor, rejection } from "./helpers.js";

let server: EnforceServer | undefined;
afterEach(async () => {
  await closeAll();
  await server?.close();
  server = undefined;
});

const key = "scope-decision-key-0123456789";

describe("intentScope", () => {
  it("asks enforce once with the full intent, then runs fn and returns its result", async () => {
    server = await startEnforce(() => allow("s-1"));
    const t = makeGovernor({ enforceUrl: server.url });
    let grant: unknown;
    const out = await withActor({ id: "u-7" }, () =>
      withIntent({ data: { sensitivity: ["confidential"] } }, () =>
        t.governor.intentScope(
          {
            action: "charge",
            resource: { type: "payment", name: "stripe", hosts: ["api.stripe.com"] },
            risk: { authn: "required" },
          },
          async () => {
            await new Promise((r) => setImmediate(r));
            grant = currentGrant();
            return 42;
          },
        ),
      ),
    );
    expect(out).toBe(42);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0].body).toEqual({
      action: "charge",
      actor: { id: "u-7", type: "user" },
      resource: { type: "payment", name: "stripe", hosts: ["api.stripe.com"] },
      data: { sensitivity: ["confidential"], pii: false, volume: "single" },
      risk: { authn: "required" },
    });
    expect(grant).toEqual({
      kind: "scope",
      name: "charge",
      source: "enforced",
      requestId: "s-1",
      decisionToken: null,
      expiresAt: null,
    });
    const [line] = await t.auditLines();
    expect(line).toMatchObject({
      tool: "charge",
      decision: "ALLOW",
      outcome: "executed",
      requestId: "s-1",
      gatedBy: "scope",
    });
  });

  it("a resource given as a string is its type; no grant is visible outside the scope", async () => {
    server = await startEnforce(() => allow());
    const t = makeGovernor({ enforceUrl: server.url });
    await t.governor.intentScope({ action: "sync", resource: "crm" }, () => undefined);
    expect(server.requests[0].body.resource).toEqual({ type: "crm", name: "sync" });
    expect(currentGrant()).toBeNull();
  });

  it("DENY: fn never runs, and the typed error names the scope and the request id", async () => {
    server = await startEnforce(() =>
      deny("d-9", { reason: "payments are frozen", deny_code: "authz_policy_denied" }),
    );
    const t = makeGovernor({ enforceUrl: server.url });
    let ran = false;
    const err = await rejection(
      t.governor.intentScope({ action: "charge", resource: "payment" }, () => (ran = true)),
    );
    expect(ran).toBe(false);
    expect(err).toBeInstanceOf(GovernorDeniedError);
    expect(err.denyCode).toBe("authz_policy_denied");
    expect(err.requestId).toBe("d-9");
    expect(err.message).toContain(
      'intent scope "charge" was denied by policy (request id d-9): payments are frozen',
    );
    const [line] = await t.auditLines();
    expect(line).toMatchObject({
      tool: "charge",
      decision: "DENY",
      outcome: "blocked",
      gatedBy: "scope",
    });
  });

  it("no decision: fail closed never runs fn; fail open runs it labelled fail_open", async () => {
    const closed = makeGovernor({
      enforceUrl: await closedUrl(),
      timeoutMs: 2000,
      retry: { maxAttempts: 1 },
    });
    let ran = 0;
    const err = await rejection(
      closed.governor.intentScope({ action: "export", resource: "report" }, () => ran++),
    );
    expect(err).toBeInstanceOf(GovernorUnavailableError);
    expect(ran).toBe(0);
    const open = makeGovernor({
      enforceUrl: await closedUrl(),
      failMode: "open",
      timeoutMs: 2000,
      retry: { maxAttempts: 1 },
    });
    const source = await open.governor.intentScope(
      { action: "export", resource: "report" },
      () => currentGrant()?.source,
    );
    expect(source).toBe("fail_open");
    expect(open.warnings.join("\n")).toContain('intent scope "export"');
  });

  it("observe mode runs a denied scope, labelled observe; mode off runs without asking", async () => {
    server = await startEnforce(() => deny());
    const t = makeGovernor({ enforceUrl: server.url, mode: "observe" });
    expect(
      await t.governor.intentScope(
        { action: "delete", resource: "file" },
        () => currentGrant()?.source,
      ),
    ).toBe("observe");
    const off = makeGovernor({ enforceUrl: server.url, mode: "off" });
    expect(
      await off.governor.intentScope(
        { action: "delete", resource: "file" },
        () => currentGrant()?.source,
      ),
    ).toBe("off");
    expect(server.requests).toHaveLength(1);
  });

  it("a bad intent is a TypeError before anything is asked", async () => {
    server = await startEnforce(() => allow());
    const bad = makeGovernor({ enforceUrl: server.url });
    await expect(bad.governor.intentScope({ action: "" }, () => 1)).rejects.toThrow(TypeError);
    await expect(
      bad.governor.intentScope(
        { action: "x", resource: { type: "y", hosts: "api.x.com" as never } },
        () => 1,
      ),
    ).rejects.toThrow(/resource.hosts must be a list/);
    await expect(bad.governor.intentScope({ action: "x" }, "nope" as never)).rejects.toThrow(
      /fn must be a function/,
    );
    expect(server.requests).toHaveLength(0);
  });

  it("nested scopes are each asked, and the inner grant runs inside the outer", async () => {
    server = await startEnforce((req) =>
      req.body.action === "refund" ? deny("d-2") : allow(`a-${req.body.action}`),
    );
    const t = makeGovernor({ enforceUrl: server.url });
    const seen: unknown[] = [];
    await t.governor.intentScope({ action: "billing", resource: "account" }, async () => {
      await t.governor.intentScope({ action: "charge", resource: "payment" }, () =>
        seen.push(currentGrant()?.requestId),
      );
      seen.push(currentGrant()?.requestId);
      seen.push(
        await rejection(
          t.governor.intentScope({ action: "refund", resource: "payment" }, () => seen.push("ran")),
        ).then((e) => e.name),
      );
    });
    expect(seen).toEqual(["a-charge", "a-billing", "GovernorDeniedError"]);
    expect(server.requests.map((r) => r.body.action)).toEqual(["billing", "charge", "refund"]);
  });

  it("two scopes running at once never see each other's decision", async () => {
    let n = 0;
    server = await startEnforce(() => allow(`r-${++n}`, {}));
    const t = makeGovernor({ enforceUrl: server.url });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    // both scopes are inside, each holding its grant, before either goes on
    let inside = 0;
    let bothInside!: () => void;
    const entered = new Promise<void>((r) => (bothInside = r));
    const run = (action: string) =>
      t.governor.intentScope({ action, resource: "job" }, async () => {
        const before = currentGrant()?.name;
        if (++inside === 2) bothInside();
        await gate;
        await new Promise((r) => setTimeout(r, 0));
        return [before, currentGrant()?.name];
      });
    const a = run("alpha");
    const b = run("beta");
    await entered;
    release();
    expect(await a).toEqual(["alpha", "alpha"]);
    expect(await b).toEqual(["beta", "beta"]);
  });

  it("an async generator fn keeps the scope's grant on every step, even when iterated outside", async () => {
    server = await startEnforce(() => allow("g-1"));
    const t = makeGovernor({ enforceUrl: server.url });
    const gen = await t.governor.intentScope(
      { action: "stream", resource: "feed" },
      async function* () {
        yield currentGrant()?.requestId;
        await new Promise((r) => setImmediate(r));
        yield currentGrant()?.requestId;
      },
    );
    const got: unknown[] = [];
    for await (const v of gen) got.push(v);
    expect(got).toEqual(["g-1", "g-1"]);
  });

  it("a signed decision's token and expiry are bound to the scope", async () => {
    const expiresAt = new Date(Date.now() + 60_000).toISOString();
    server = await startEnforce((req: Received) =>
      allow("s-5", {
        ...signDecision(key, { intent: req.body, decision: "ALLOW", requestId: "s-5", expiresAt }),
      }),
    );
    const t = makeGovernor({ enforceUrl: server.url, decisionKey: key });
    const g = await t.governor.intentScope({ action: "charge", resource: "payment" }, () =>
      currentGrant(),
    );
    expect(g?.decisionToken).toMatch(/^v1\./);
    expect(g?.expiresAt).toBe(expiresAt);
    expect(g?.requestId).toBe("s-5");
  });

  it("a config error rejects with GovernorConfigError and fn never runs", async () => {
    const { createGovernor } = await import("../../src/runtime/index.js");
    let err: unknown;
    try {
      createGovernor({ env: {}, config: {} });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GovernorConfigError);
    const { createGovernorOrFailClosed } = await import("../../src/runtime/governor.js");
    const g = createGovernorOrFailClosed({ env: {}, config: {} });
    let ran = false;
    await expect(
      g.intentScope({ action: "x", resource: "y" }, () => (ran = true)),
    ).rejects.toBeInstanceOf(GovernorConfigError);
    expect(ran).toBe(false);
    await g.close();
  });
});

describe("governed calls in a gated tool, with no guard installed", () => {
  it("governedFetch in an allowed tool's body goes ahead (GOVERNOR_GUARD_MODE set); outside any tool it is refused", async () => {
    const http = await import("node:http");
    let hits = 0;
    const target = http.createServer((_req, res) => (hits++, res.end("ok")));
    await new Promise<void>((r) => target.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(target.address() as { port: number }).port}/x`;
    try {
      server = await startEnforce(() => allow("t-1"));
      // GOVERNOR_GUARD_MODE (or a guard) is what makes tool calls carry their decision.
      const t = makeGovernor({ enforceUrl: server.url, env: { GOVERNOR_GUARD_MODE: "enforce" } });
      const lookup = t.governor.gate("lookup", async () =>
        (await t.governor.governedFetch(url)).text(),
      );
      expect(await lookup()).toBe("ok");
      const err = await rejection(t.governor.governedFetch(url));
      expect(err.code).toBe("guard_blocked");
      expect(err.reason).toBe("no_intent");
      expect(hits).toBe(1);
    } finally {
      await new Promise((r) => target.close(r));
    }
  });
});

describe("withIntent() around a scope", () => {
  it("merges in, but never replaces the scope's action or its narrowing", async () => {
    server = await startEnforce(() => allow());
    const t = makeGovernor({ enforceUrl: server.url });
    const name = await withIntent(
      {
        action: "lookup",
        resource: { type: "customer", hosts: ["evil.example"] },
        data: { sensitivity: ["internal"] },
      },
      () =>
        t.governor.intentScope(
          { action: "charge", resource: { type: "payment", hosts: ["api.stripe.com"] } },
          () => currentGrant()?.name,
        ),
    );
    expect(name).toBe("charge");
    const body = server.requests[0].body;
    expect(body.action).toBe("charge");
    expect(body.resource.hosts).toEqual(["api.stripe.com"]);
    expect(body.data.sensitivity).toEqual(["internal"]);
  });

  it("with no guard on, GOVERNOR_GUARD_MODE=observe makes governedFetch record and let through", async () => {
    const http = await import("node:http");
    const target = http.createServer((_req, res) => res.end("ok"));
    await new Promise<void>((r) => target.listen(0, "127.0.0.1", r));
    try {
      const t = makeGovernor({
        enforceUrl: "http://127.0.0.1:9",
        env: { GOVERNOR_GUARD_MODE: "observe" },
      });
      const res = await t.governor.governedFetch(
        `http://127.0.0.1:${(target.address() as { port: number }).port}/`,
      );
      expect(await res.text()).toBe("ok");
      const lines = await t.auditLines();
      expect(lines).toEqual([
        expect.objectContaining({
          type: "ungoverned",
          reason: "no_intent",
          blocked: false,
          mode: "observe",
        }),
      ]);
    } finally {
      await new Promise((r) => target.close(r));
    }
  });
});
