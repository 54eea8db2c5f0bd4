import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  buildIntent,
  inferIntentEntry,
  loadIntentMap,
  looksLikePii,
  GovernorConfigError,
  type IntentMap,
} from "../../src/runtime/index.js";

describe("inferIntentEntry", () => {
  it.each([
    ["get_weather", "read", "weather"],
    ["listOrders", "read", "orders"],
    ["search-docs", "read", "docs"],
    ["query_db", "read", "db"],
    ["create_ticket", "write", "ticket"],
    ["updateUserProfile", "write", "user_profile"],
    ["save_note", "write", "note"],
    ["delete_file", "delete", "file"],
    ["removeMember", "delete", "member"],
    ["send_email", "send", "email"],
    ["notify_customer", "send", "customer"],
    ["post_message", "send", "message"],
    ["run_sql", "execute", "sql"],
    ["exec", "execute", "exec"],
    ["weather_lookup", "read", "weather"],
  ])("%s -> %s on %s", (name, action, type) => {
    expect(inferIntentEntry(name)).toEqual({ action, resource: { type, name } });
  });

  it("keeps an unknown leading verb for the server to canonicalize", () => {
    expect(inferIntentEntry("refund_payment")).toEqual({
      action: "refund",
      resource: { type: "payment", name: "refund_payment" },
    });
    expect(inferIntentEntry("calculator")).toEqual({
      action: "execute",
      resource: { type: "calculator", name: "calculator" },
    });
  });
});

describe("tool names that are Object's own properties", () => {
  it.each(["constructor", "toString", "__proto__", "hasOwnProperty", "valueOf"])(
    "%s is a word like any other, in inference and in the intent map",
    (name) => {
      // split into words like any name ("toString": action "to"), never Object's method's text
      const inferred = inferIntentEntry(name);
      expect(inferred.action).toMatch(/^[a-z_]+$/);
      expect(inferred.resource.type).toMatch(/^[a-z_]+$/);
      const map: IntentMap = { tools: { send_email: { action: "send" } } };
      const intent = buildIntent(name, {}, { map });
      expect(intent.action).toBe(inferred.action);
      expect(intent.resource).toMatchObject({ name, type: inferred.resource.type });
    },
  );
});

describe("looksLikePii", () => {
  it.each([
    "jane@example.com",
    "write to jane.doe@corp.example.org please",
    "+1 415 555 0134",
    "(415) 555-0134",
    "4111 1111 1111 1111",
    "4242424242424242",
    "123-45-6789",
    "DE89370400440532013000",
  ])("flags %s", (s) => {
    expect(looksLikePii(s)).toBe(true);
  });
  it.each([
    "hello world",
    "2024-01-05",
    "order 12345",
    "4111 1111 1111 1112",
    "price 1999.00",
    "v1.2.3",
    "user@host",
  ])("does not flag %s", (s) => {
    expect(looksLikePii(s)).toBe(false);
  });
});

describe("the pii scan cannot be dodged by padding", () => {
  const pad = "lorem ipsum ".repeat(2_000); // 24 kB of harmless text
  it("finds an email after 10 kB of text and one split across a chunk boundary", () => {
    expect(looksLikePii(pad + " jane@example.com")).toBe(true);
    expect(looksLikePii("x".repeat(9_990) + " jane@example.com " + pad)).toBe(true);
    expect(looksLikePii(pad)).toBe(false);
  });
  it("reports pii when the arguments are too many, too deep or too long to scan", () => {
    const pii = (args: unknown) => buildIntent("save_note", args).data?.pii;
    expect(pii([{ items: Array.from({ length: 20_000 }, (_, i) => `note ${i}`) }])).toBe(true);
    let deep: any = { leaf: "ok" };
    for (let i = 0; i < 40; i++) deep = { next: deep };
    expect(pii([deep])).toBe(true);
    expect(pii([{ text: "a".repeat(1_000_001) }])).toBe(true);
    // Ordinary arguments are unaffected.
    expect(pii([{ items: ["a", "b"], nested: { a: { b: { c: "fine" } } }, text: pad }])).toBe(
      false,
    );
    expect(pii([{ counts: Array.from({ length: 50_000 }, (_, i) => i) }])).toBe(false);
  });
});

describe("buildIntent", () => {
  const map: IntentMap = {
    defaults: {
      actor: { id: "support-bot", type: "agent" },
      data: { sensitivity: ["internal"] },
      layer: "L4",
    },
    tools: {
      send_email: { action: "send", resource: { type: "email" }, data: { pii: true } },
      refund_payment: {
        action: "refund",
        resource: { type: "payment", name: "stripe" },
        risk: { authn: "required" },
      },
      lookup: { resource: "crm" },
    },
  };

  it("each call gets its own intent: changing one never changes the next (the name part is reused)", () => {
    const first = buildIntent("get_order", [{ id: 7 }]);
    first.action = "delete";
    first.resource.type = "payment";
    expect(buildIntent("get_order", [{ id: 7 }])).toMatchObject({
      action: "read",
      resource: { type: "order", name: "get_order" },
    });
  });

  it("infers everything without a map", () => {
    expect(buildIntent("get_order", [{ id: 7 }])).toEqual({
      action: "read",
      actor: { id: "anonymous", type: "agent" },
      resource: { type: "order", name: "get_order" },
      data: { pii: false, volume: "single" },
    });
  });

  it("uses map entries and defaults", () => {
    expect(buildIntent("refund_payment", [{ amount: 10 }], { map })).toEqual({
      action: "refund",
      actor: { id: "support-bot", type: "agent" },
      resource: { type: "payment", name: "stripe" },
      data: { sensitivity: ["internal"], pii: false, volume: "single" },
      risk: { authn: "required" },
      layer: "L4",
    });
    const e = buildIntent("send_email", [{ to: "x" }], { map });
    expect(e.resource).toEqual({ type: "email", name: "send_email" });
    expect(e.data?.pii).toBe(true);
    // A string resource is its type; the action still comes from the name.
    expect(buildIntent("lookup", [], { map }).resource).toEqual({ type: "crm", name: "lookup" });
    expect(buildIntent("lookup", [], { map }).action).toBe("read");
  });

  it("detects pii and bulk volume from argument values without copying them", () => {
    const args = [{ to: ["a@example.com", "b@example.com"], body: "secret-value-123" }];
    const intent = buildIntent("send_email", args);
    expect(intent.data).toEqual({ pii: true, volume: "bulk" });
    const text = JSON.stringify(intent);
    expect(text).not.toContain("a@example.com");
    expect(text).not.toContain("secret-value-123");
    // Nested deep, in a card number
    expect(
      buildIntent("charge", [{ payment: { card: { number: "4111-1111-1111-1111" } } }]).data?.pii,
    ).toBe(true);
    // The argument list itself is not bulk data
    expect(buildIntent("add", [1, 2]).data?.volume).toBe("single");
  });

  it("applies actor and override precedence", () => {
    expect(buildIntent("get_x", [], { map, actor: { id: "user-1", type: "user" } }).actor).toEqual({
      id: "user-1",
      type: "user",
    });
    const o = buildIntent("get_x", [], {
      map,
      actor: { id: "user-1", type: "user" },
      override: {
        action: "query",
        resource: { name: "users" },
        data: { volume: "bulk" },
        actor: { id: "user-2" },
      },
    });
    expect(o.action).toBe("query");
    expect(o.resource).toEqual({ type: "x", name: "users" });
    expect(o.data?.volume).toBe("bulk");
    expect(o.actor).toEqual({ id: "user-2", type: "user" });
  });

  it("survives cyclic and huge arguments", () => {
    const a: Record<string, unknown> = { name: "x" };
    a.self = a;
    expect(buildIntent("get_x", [a]).data?.pii).toBe(false);
    const big = Array.from({ length: 100_000 }, (_, i) => ({ i }));
    expect(buildIntent("get_x", [big]).data?.volume).toBe("bulk");
  });
});

describe("loadIntentMap", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "gov-map-"));
  const file = (name: string, text: string) => {
    const p = path.join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  it("loads a valid map", () => {
    const p = file(
      "ok.json",
      JSON.stringify({
        defaults: { actor: { id: "bot" } },
        tools: { send_email: { action: "send", resource: "email" } },
      }),
    );
    const m = loadIntentMap(p);
    expect(m.defaults?.actor).toEqual({ id: "bot", type: "agent" });
    expect(m.tools?.send_email.resource).toBe("email");
  });

  it("throws config_invalid with what to fix", () => {
    const bad = file(
      "bad.json",
      JSON.stringify({
        tools: { x: { action: 3, resource: { name: 1 }, data: { volume: "lots" } } },
        extra: 1,
      }),
    );
    const err = (() => {
      try {
        loadIntentMap(bad);
      } catch (e) {
        return e;
      }
    })() as GovernorConfigError;
    expect(err).toBeInstanceOf(GovernorConfigError);
    expect(err.code).toBe("config_invalid");
    expect(err.message).toContain("tools.x.action");
    expect(err.message).toContain("tools.x.data.volume");
    expect(err.message).toContain('"extra"');
    expect(() => loadIntentMap(file("syntax.json", "{ nope"))).toThrow(/not valid JSON/);
    expect(() => loadIntentMap(path.join(dir, "missing.json"))).toThrow(/does not exist/);
  });
});
