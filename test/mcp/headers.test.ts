// GOVERNOR_HEADERS (a tenant header, say) reach enforce on every request governor mcp makes, the
// summary included, and a long header value is kept out of what the agent reads, like a key.
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stdioClient, type StdioSession } from "./enforce-helpers.js";

const TENANT = "tenant-acme-7f3c2a9d41";
const seen: { path: string; tenant: string | undefined }[] = [];
const server = createServer((req: IncomingMessage, res) => {
  req.resume();
  const tenant = req.headers["x-tenant-id"] as string | undefined;
  seen.push({ path: req.url ?? "", tenant });
  res.setHeader("content-type", "application/json");
  if (tenant !== TENANT) return res.writeHead(403).end('{"detail":"unknown tenant"}');
  if (req.url === "/api/v2/policy/summary")
    // a summary that (wrongly) echoes the tenant value: it must not reach the agent
    return res.end(
      JSON.stringify({
        default: "deny",
        rules: [{ id: `r-${TENANT}`, effect: "allow", when: {} }],
      }),
    );
  res.end(JSON.stringify({ decision: "DENY", metadata: { request_id: "req-1", reason: "no" } }));
});

let s: StdioSession;
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  s = await stdioClient(["--url", url], {
    GOVERNOR_HEADERS: JSON.stringify({ "x-tenant-id": TENANT }),
  });
});
afterAll(async () => {
  await s?.close();
  server.closeAllConnections();
  server.close();
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
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.every((x) => x.tenant === TENANT)).toBe(true);
  });
});
