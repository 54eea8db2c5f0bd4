// Finding 8 through the CLI: `governor test-intent` never prints a URL's credentials or query string,
// and what the server sends back (reason, trace, codes) is printed with secrets removed.
import { afterEach, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { allow, deny, startEnforce, type EnforceServer } from "../support/enforce-server.js";
import { run } from "./helpers.js";

const KEY = "sk-ti-" + randomBytes(20).toString("hex");
let server: EnforceServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function leak(text: string, secret: string, n = 8): string | undefined {
  for (let i = 0; i + n <= secret.length; i++)
    if (text.includes(secret.slice(i, i + n))) return secret.slice(i, i + n);
  return undefined;
}
const ask = (args: string[], env: Record<string, string> = {}) =>
  run(["test-intent", "--action", "read", "--resource", "db:users", ...args], { env });

describe("test-intent: URLs are printed without credentials or query string", () => {
  it.each([[[]], [["--json"]]])(
    "--url http://user:pass@127.0.0.1:PORT/?token=abc %j",
    async (extra) => {
      server = await startEnforce(() => allow());
      const url = server.url.replace("http://", "http://user:pass@") + "/?token=abc";
      const r = await ask(["--url", url, ...extra]);
      expect(r.code).toBe(2);
      expect(r.stdout + r.stderr).toMatch(/credentials/);
      expect(r.stdout + r.stderr).not.toContain("pass");
      expect(r.stdout + r.stderr).not.toContain("abc");
    },
  );

  it.each([[[]], [["--json"]], [["--expect", "deny"]]])(
    "a query token is not shown, whatever the outcome %j",
    async (extra) => {
      server = await startEnforce(() => allow("req-1"));
      const r = await ask(["--url", server.url + "/?token=QueryTok3nValue#frag-Tok3n", ...extra]);
      expect(r.code === 0 || r.code === 1).toBe(true);
      expect(server.requests[0].path).toBe("/api/v2/enforce?token=QueryTok3nValue"); // still sent, only hidden
      if (!extra.length) expect(r.stdout).toContain(`at ${server.url}`);
      expect(r.stdout + r.stderr).not.toMatch(/Tok3n/);
    },
  );

  it("no decision (500, timeout, refused): message and fix name the URL without its query", async () => {
    server = await startEnforce(() => ({ status: 500, body: { detail: "boom" } }));
    const r = await ask(["--url", server.url + "/?token=QueryTok3nValue"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/HTTP 500/);
    expect(r.stderr).toContain(server.url);
    expect(r.stdout + r.stderr).not.toMatch(/Tok3n/);
    const env = await ask(["--json"], {
      GOVERNOR_ENFORCE_URL: server.url + "/?token=QueryTok3nValue",
    });
    expect(JSON.parse(env.stdout).decision).toBe(null);
    expect(env.stdout + env.stderr).not.toMatch(/Tok3n/);
  });
});

describe("test-intent: the server's text is redacted before it is printed", () => {
  const trace = [
    {
      field: "action",
      raw_input: `read ${KEY}`,
      prediction: { canonical: `Bearer ${KEY}`, confidence: 0.9, source: "x".repeat(480) + KEY },
    },
    {
      field: "resource_type",
      raw_input: "db",
      prediction: { canonical: "database", confidence: 1, source: "policy_vocabulary" },
    },
  ];

  it.each([[[]], [["--json"]]])("trace, reason, deny code and request id %j", async (extra) => {
    server = await startEnforce(() =>
      deny("x".repeat(480) + KEY, {
        reason: "y".repeat(480) + KEY,
        deny_code: KEY,
        canonicalization_trace: trace,
      }),
    );
    const r = await ask(["--url", server.url, "--api-key", KEY, ...extra]);
    expect(r.code).toBe(1);
    expect(server.requests[0].headers.authorization).toBe(`Bearer ${KEY}`);
    expect(r.stdout).toMatch(/resource_type|database/);
    expect(r.stdout).toContain("[redacted]");
    expect(leak(r.stdout + r.stderr, KEY), r.stdout).toBeUndefined();
  });

  it("a key from GOVERNOR_API_KEY, and tokens the CLI was not given, by shape", async () => {
    const other = "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5";
    server = await startEnforce(() =>
      allow("req-1", { reason: `ok for Bearer ${other}`, canonicalization_trace: trace }),
    );
    const r = await ask(["--url", server.url], { GOVERNOR_API_KEY: KEY });
    expect(r.code).toBe(0);
    expect(leak(r.stdout + r.stderr, KEY), r.stdout).toBeUndefined();
    expect(r.stdout).not.toContain(other);
  });

  it("a trace that is not a list of objects is shown without crashing", async () => {
    server = await startEnforce(() =>
      allow("req-1", {
        canonicalization_trace: [null, 3, "s", { field: 1, prediction: { confidence: "high" } }],
      }),
    );
    const r = await ask(["--url", server.url]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ALLOW/);
  });
});
