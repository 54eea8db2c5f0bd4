// admit(): the one question every guard hook asks, against settings passed in (no global patching).
import { describe, expect, it } from "vitest";
import { GovernorConfigError, GovernorGuardError } from "../../src/runtime/index.js";
import { resolveConfig } from "../../src/runtime/config.js";
import { grantOf, runGranted, type Grant } from "../../src/runtime/grant.js";
import { admit, type GuardSettings, type UngovernedRecord } from "../../src/runtime/guard/state.js";
import type { Decision } from "../../src/runtime/governor.js";

function settings(mode: "enforce" | "observe", allow: Partial<GuardSettings["allow"]> = {}) {
  const records: UngovernedRecord[] = [];
  const s = {
    mode,
    allow: { hosts: [], paths: [], commands: [], ...allow },
    warn: () => {},
    record: (r: UngovernedRecord) => records.push(r),
  };
  return { s, records };
}
const allowed = (metadata: Record<string, unknown> = {}): Decision => ({
  decision: "ALLOW",
  allowed: true,
  requestId: "r-1",
  reason: null,
  denyCode: null,
  cached: false,
  latencyMs: 0,
  mode: "enforce",
  metadata,
});
const intent = (resource: Record<string, unknown>) =>
  ({
    action: "charge",
    actor: { id: "a", type: "agent" },
    resource: { type: "payment", ...resource },
  }) as never;
const scope = (
  resource: Record<string, unknown> = {},
  d: Decision | null = allowed(),
  source: Grant["source"] = "enforced",
) => grantOf("scope", "charge", intent(resource), d, source);
const http = (target: string, method = "POST") => ({ primitive: "http" as const, target, method });

describe("admit", () => {
  it("outside any grant: enforce refuses with a message that says what and how; observe records and lets through", () => {
    const e = settings("enforce");
    const err = admit(http("api.stripe.com"), e.s);
    expect(err).toBeInstanceOf(GovernorGuardError);
    expect(err!.code).toBe("guard_blocked");
    expect(err!.message).toContain(
      "governor blocked an outbound HTTP request (POST api.stripe.com): it ran outside any allowed tool call or intentScope",
    );
    expect(err!.message).toContain("GOVERNOR_GUARD_ALLOW");
    expect(e.records).toEqual([
      expect.objectContaining({
        type: "ungoverned",
        primitive: "http",
        target: "api.stripe.com",
        method: "POST",
        reason: "no_intent",
        blocked: true,
        mode: "enforce",
      }),
    ]);
    const o = settings("observe");
    expect(admit(http("api.stripe.com"), o.s)).toBeNull();
    expect(o.records[0]).toMatchObject({ reason: "no_intent", blocked: false, mode: "observe" });
  });

  it("the allowlist: hosts exactly, by name on any port, *.suffix; paths by whole segments; exec:<name>", () => {
    const e = settings("enforce", {
      hosts: ["api.openai.com", "localhost:4318", "*.googleapis.com"],
      paths: ["/tmp/app"],
      commands: ["git"],
    });
    expect(admit(http("api.openai.com:443"), e.s)).toBeNull();
    expect(admit(http("localhost:4318"), e.s)).toBeNull();
    expect(admit(http("storage.googleapis.com"), e.s)).toBeNull();
    expect(admit({ primitive: "fs", target: "/tmp/app/out.txt" }, e.s)).toBeNull();
    expect(admit({ primitive: "fs", target: "/tmp/app" }, e.s)).toBeNull();
    expect(admit({ primitive: "exec", target: "/usr/bin/git" }, e.s)).toBeNull();
    expect(e.records).toEqual([]);
    expect(admit(http("localhost:4319"), e.s)).toBeInstanceOf(GovernorGuardError);
    expect(admit(http("googleapis.com.evil.io"), e.s)).toBeInstanceOf(GovernorGuardError);
    expect(admit({ primitive: "fs", target: "/tmp/application/x" }, e.s)).toBeInstanceOf(
      GovernorGuardError,
    );
    expect(admit({ primitive: "exec", target: "gitx" }, e.s)).toBeInstanceOf(GovernorGuardError);
  });

  it("inside an allowed grant: governed, not recorded; the intent's hosts/paths/commands narrow it", () => {
    const e = settings("enforce");
    const g = scope({ hosts: ["api.stripe.com"], paths: ["/srv/out"], commands: ["convert"] });
    runGranted(g, () => {
      expect(admit(http("api.stripe.com"), e.s)).toBeNull();
      expect(admit({ primitive: "fs", target: "/srv/out/a.pdf", op: "writeFile" }, e.s)).toBeNull();
      expect(admit({ primitive: "exec", target: "convert" }, e.s)).toBeNull();
      const err = admit(http("api.evil.io", "GET"), e.s);
      expect(err?.message).toContain(
        'the intent scope "charge" allows only hosts "api.stripe.com" (its resource.hosts)',
      );
      expect(err?.reason).toBe("outside_intent");
      expect(err?.requestId).toBe("r-1");
    });
    expect(e.records).toEqual([
      expect.objectContaining({
        target: "api.evil.io",
        reason: "outside_intent",
        within: "scope charge",
        requestId: "r-1",
        blocked: true,
      }),
    ]);
    // Without narrowing, a grant covers every target.
    runGranted(scope(), () => expect(admit(http("anything.example"), e.s)).toBeNull());
  });

  it("an outer grant's narrowing still holds inside an inner one", () => {
    const e = settings("enforce");
    runGranted(scope({ hosts: ["api.stripe.com"] }), () => {
      const inner = grantOf("tool", "lookup", intent({}), allowed(), "enforced");
      runGranted(inner, () =>
        expect(admit(http("api.evil.io"), e.s)?.reason).toBe("outside_intent"),
      );
    });
  });

  it("a decision past its expires_at stops side effects in enforce mode, with no renewal", () => {
    const e = settings("enforce");
    const past = new Date(Date.now() - 1000).toISOString();
    const err = runGranted(scope({}, allowed({ expires_at: past })), () =>
      admit(http("api.stripe.com"), e.s),
    );
    expect(err?.reason).toBe("expired");
    expect(err?.message).toContain(
      `the intent scope "charge" outlived its decision (it expired at ${past}, request id r-1)`,
    );
    expect(err?.message).toContain("Start a new intentScope");
    const o = settings("observe");
    expect(
      runGranted(scope({}, allowed({ expires_at: past })), () =>
        admit(http("api.stripe.com"), o.s),
      ),
    ).toBeNull();
    expect(o.records[0]).toMatchObject({ reason: "expired", blocked: false });
    const future = new Date(Date.now() + 60_000).toISOString();
    expect(
      runGranted(scope({}, allowed({ expires_at: future })), () =>
        admit(http("api.stripe.com"), e.s),
      ),
    ).toBeNull();
  });

  it("under observe, fail-open or off grants: proceeds, recorded with the reason", () => {
    const e = settings("enforce");
    for (const source of ["observe", "fail_open", "off"] as const) {
      expect(
        runGranted(scope({}, null, source), () => admit(http("api.stripe.com"), e.s)),
      ).toBeNull();
    }
    expect(e.records.map((r) => [r.reason, r.blocked])).toEqual([
      ["observe", false],
      ["fail_open", false],
      ["off", false],
    ]);
  });
});

describe("guard config", () => {
  const base = { env: {}, config: {}, enforceUrl: "http://127.0.0.1:9" } as const;
  const guardOf = (env: Record<string, string>, extra: object = {}) =>
    resolveConfig({ ...base, env, warn: () => {}, ...extra }).guard;

  it("GOVERNOR_GUARD picks primitives; the mode follows the gate's; GOVERNOR_GUARD_ALLOW splits hosts, paths, exec:", () => {
    expect(guardOf({ GOVERNOR_GUARD: "http, fs" })).toMatchObject({
      primitives: ["http", "fs"],
      mode: "enforce",
    });
    expect(guardOf({ GOVERNOR_GUARD: "exec", GOVERNOR_MODE: "observe" })?.mode).toBe("observe");
    expect(
      guardOf({ GOVERNOR_GUARD: "exec", GOVERNOR_MODE: "observe", GOVERNOR_GUARD_MODE: "enforce" })
        ?.mode,
    ).toBe("enforce");
    expect(
      guardOf({
        GOVERNOR_GUARD: "http",
        GOVERNOR_GUARD_ALLOW: "api.openai.com,*.sentry.io,/tmp/app,exec:git,localhost:4318",
      })?.allow,
    ).toEqual({
      hosts: ["api.openai.com", "*.sentry.io", "localhost:4318"],
      paths: ["/tmp/app"],
      commands: ["git"],
    });
    expect(guardOf({})).toBeNull();
    expect(
      resolveConfig({
        ...base,
        guard: { on: ["http"], mode: "observe", allow: ["api.x.com"] },
        warn: () => {},
      }).guard,
    ).toMatchObject({ primitives: ["http"], mode: "observe" });
  });

  it("mode off turns guards off with a note; GOVERNOR_GUARD_MODE=enforce with mode off is a config error", () => {
    const cfg = resolveConfig({
      ...base,
      env: { GOVERNOR_GUARD: "http", GOVERNOR_MODE: "off" },
      warn: () => {},
    });
    expect(cfg.guard).toBeNull();
    expect(cfg.guardNotes.join()).toContain("the guards are off too");
    expect(() =>
      resolveConfig({
        ...base,
        env: { GOVERNOR_GUARD: "http", GOVERNOR_DISABLED: "true", GOVERNOR_GUARD_MODE: "enforce" },
        warn: () => {},
      }),
    ).toThrow(GovernorConfigError);
  });

  it("unknown guards, modes and allow entries are config errors that say what to write", () => {
    expect(() => guardOf({ GOVERNOR_GUARD: "htp" })).toThrow(
      /unknown guard "htp" \(use http, exec or fs/,
    );
    expect(() => guardOf({ GOVERNOR_GUARD: "http", GOVERNOR_GUARD_MODE: "block" })).toThrow(
      /GOVERNOR_GUARD_MODE must be "enforce" or "observe"/,
    );
    expect(() =>
      guardOf({ GOVERNOR_GUARD: "http", GOVERNOR_GUARD_ALLOW: "https://api.x.com/v1" }),
    ).toThrow(/is not a host/);
  });
});

describe("allowlist presets", () => {
  it("@model-providers lets the hosted model APIs through; @tmp the OS temp dir; an unknown preset is an error", async () => {
    const { tmpdir } = await import("node:os");
    const cfg = resolveConfig({
      env: { GOVERNOR_GUARD: "http,fs", GOVERNOR_GUARD_ALLOW: "@model-providers,@tmp" },
      config: {},
      enforceUrl: "http://127.0.0.1:9",
      warn: () => {},
    });
    const allow = cfg.guard!.allow;
    const e = { mode: "enforce" as const, allow, warn: () => {}, record: () => {} };
    for (const host of [
      "api.openai.com",
      "api.anthropic.com",
      "myres.openai.azure.com",
      "us-central1-aiplatform.googleapis.com",
    ]) {
      expect(admit({ primitive: "http", target: host, method: "POST" }, e)).toBeNull();
    }
    expect(
      admit({ primitive: "http", target: "aiplatform.googleapis.com.evil.io", method: "POST" }, e),
    ).toBeInstanceOf(GovernorGuardError);
    expect(admit({ primitive: "fs", target: `${tmpdir()}/x.json` }, e)).toBeNull();
    expect(() =>
      resolveConfig({
        env: { GOVERNOR_GUARD: "http", GOVERNOR_GUARD_ALLOW: "@llms" },
        config: {},
        enforceUrl: "http://127.0.0.1:9",
        warn: () => {},
      }),
    ).toThrow(/unknown preset "@llms"/);
  });
});

describe("narrowing that is not a list", () => {
  it("narrows to nothing rather than to everything, and the intent map says what to fix", async () => {
    const e = settings("enforce");
    const g = grantOf("tool", "charge", intent({ hosts: "api.stripe.com" }), allowed(), "enforced");
    expect(runGranted(g, () => admit(http("api.stripe.com"), e.s))?.reason).toBe("outside_intent");
    const { validateIntentMap } = await import("../../src/runtime/index.js");
    expect(
      validateIntentMap({
        tools: { charge: { resource: { type: "payment", hosts: "api.stripe.com" } } },
      }),
    ).toEqual(["tools.charge.resource.hosts must be a list of non-empty strings"]);
    expect(
      validateIntentMap({
        tools: {
          charge: { resource: { type: "payment", hosts: ["api.stripe.com"], paths: ["/srv"] } },
        },
      }),
    ).toEqual([]);
  });
});

describe("a scope that has returned", () => {
  it("no longer covers work it left running: refused in enforce, recorded in observe", async () => {
    const { endGrant } = await import("../../src/runtime/grant.js");
    const e = settings("enforce");
    const g = scope();
    runGranted(g, () => expect(admit(http("api.stripe.com"), e.s)).toBeNull());
    endGrant(g);
    const err = runGranted(g, () => admit(http("api.stripe.com"), e.s));
    expect(err?.reason).toBe("ended");
    expect(err?.message).toContain(
      'the intent scope "charge" had already ended (it returned; request id r-1)',
    );
    expect(err?.message).toContain("Await that work before the call or scope returns");
    const o = settings("observe");
    expect(runGranted(g, () => admit(http("api.stripe.com"), o.s))).toBeNull();
    expect(o.records[0]).toMatchObject({ reason: "ended", blocked: false });
  });
});

describe("wildcard hosts with a port", () => {
  it("*.example.com:8443 covers any subdomain on that port only", () => {
    const e = settings("enforce", { hosts: ["*.example.com:8443"] });
    expect(admit(http("api.example.com:8443"), e.s)).toBeNull();
    expect(admit(http("api.example.com"), e.s)).toBeInstanceOf(GovernorGuardError);
    expect(admit(http("api.example.com:9443"), e.s)).toBeInstanceOf(GovernorGuardError);
    expect(admit(http("example.com:8443"), e.s)).toBeInstanceOf(GovernorGuardError);
  });
});
