// GET /api/v2/policy/summary: the loaded policy's rules as written, behind the same key as enforce.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import path from "node:path";
import { policies, serve, type Served } from "../cli/helpers.js";

const KEY = "sk-test-summary-0123456789";
const policy = path.join(policies, "basic.yaml");
const expected = {
  default: "deny",
  rules: [
    {
      id: "no-refunds",
      effect: "deny",
      when: { action: ["refund", "delete"], "resource.type": "payment" },
    },
    { id: "no-bulk-pii", effect: "deny", when: { "data.pii": true, "data.volume": "bulk" } },
    { id: "reads", effect: "allow", when: { action: "read" } },
    {
      id: "support-email",
      effect: "allow",
      when: { action: "send", "resource.type": "email", "actor.id": "support-*" },
    },
  ],
};

describe("policy summary without a key", () => {
  let srv: Served;
  beforeAll(async () => {
    srv = await serve(["--policy", policy]);
  });
  afterAll(() => srv?.stop());

  it("answers the default and every rule's id, effect and when", async () => {
    const res = await fetch(`${srv.url}/api/v2/policy/summary`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(await res.json()).toEqual(expected);
  });

  it("takes GET and HEAD only", async () => {
    const res = await fetch(`${srv.url}/api/v2/policy/summary`, { method: "POST", body: "{}" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, HEAD");
    expect((await fetch(`${srv.url}/api/v2/policy/summary`, { method: "HEAD" })).status).toBe(200);
  });
});

describe("policy summary with serve's key", () => {
  let srv: Served;
  beforeAll(async () => {
    srv = await serve(["--policy", policy], { GOVERNOR_SERVE_API_KEY: KEY });
  });
  afterAll(() => srv?.stop());

  it("refuses without the key and with a wrong one (401, WWW-Authenticate: Bearer)", async () => {
    const none = await fetch(`${srv.url}/api/v2/policy/summary`);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toBe("Bearer");
    const wrong = await fetch(`${srv.url}/api/v2/policy/summary`, {
      headers: { authorization: "Bearer not-the-key" },
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).not.toContain("not-the-key");
  });

  it("answers with the key", async () => {
    const res = await fetch(`${srv.url}/api/v2/policy/summary`, {
      headers: { authorization: `Bearer ${KEY}` },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(expected);
    expect(srv.stderr()).not.toContain(KEY);
  });
});
