// GOVERNOR_HEADERS (a tenant header, say) reach enforce on every request governor mcp makes, the
// summary included, and a long header value is kept out of what the agent reads, like a key.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEnforce, type EnforceServer } from "../support/enforce-server.js";
import { stdioClient, type StdioSession } from "./enforce-helpers.js";

const TENANT = "tenant-acme-7f3c2a9d41";

let server: EnforceServer;
let s: StdioSession;
beforeAll(async () => {
  server = await startEnforce((req) => {
    if (req.headers["x-tenant-id"] !== TENANT)
      return { status: 403, raw: '{"detail":"unknown tenant"}' };
    if (req.path === "/api/v2/policy/summary")
      // a summary that (wrongly) echoes the tenant value: it must not reach the agent
      return {
        body: { default: "deny", rules: [{ id: `r-${TENANT}`, effect: "allow", when: {} }] },
      };
    return { body: { decision: "DENY", metadata: { request_id: "req-1", reason: "no" } } };
  });
  s = await stdioClient(["--url", server.url], {
    GOVERNOR_HEADERS: JSON.stringify({ "x-tenant-id": TENANT }),
  });
});
afterAll(async () => {
  await s?.close();
  await server?.close();
});

describe("governor mcp and GOVERNOR_HEADERS", () => {
  it("sends them with the summary and the checks; the value never reaches the agent", async () => {
    const res = await s.client.readResource({ uri: "governor://policy/summary" });
    const text = (res.contents[0] as { text: string }).text;
    expect(JSON.parse(text)).toMatchObject({ visible: true, default: "deny" });
    expect(text).not.toContain(TENANT);
    const r = await s.client.callTool({
      name: "enforce_intent",
      arguments: { action: "query", resource: { type: "db" } },
    });
    expect(JSON.stringify(r)).not.toContain(TENANT);
    expect(server.requests.length).toBeGreaterThanOrEqual(2);
    expect(server.requests.every((x) => x.headers["x-tenant-id"] === TENANT)).toBe(true);
  });
});
