// Finding 8: server text is redacted before it is cut, so no part of a secret reaches an error, the
// refusal the model reads, a decision, the audit log or stderr. Real enforce servers on loopback.
import { afterEach, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { inspect } from "node:util";
import { pathToFileURL } from "node:url";
import type { Intent } from "../../src/runtime/index.js";
import {
  allow,
  deny,
  startEnforce,
  type EnforceServer,
  type Reply,
} from "../support/enforce-server.js";
import { closeAll, makeGovernor, rejection, tmp } from "./helpers.js";

let server: EnforceServer | undefined;
afterEach(async () => {
  await closeAll();
  await server?.close();
  server = undefined;
});

const KEY = "sk-live-" + randomBytes(24).toString("hex");
const DECISION_KEY = "dk-" + randomBytes(20).toString("hex");
const intent: Intent = {
  action: "read",
  actor: { id: "a", type: "user" },
  resource: { type: "db", name: "users" },
};
const printed = (err: any): string =>
  [err?.message, String(err), err?.stack, JSON.stringify(err), inspect(err, { depth: 10 })].join(
    "\n",
  );

/** The first substring of `secret` of `n` or more characters found in `text`, if any. */
function leak(text: string, secret: string, n = 8): string | undefined {
  for (let i = 0; i + n <= secret.length; i++)
    if (text.includes(secret.slice(i, i + n))) return secret.slice(i, i + n);
  return undefined;
}
/** `pad` characters, then the secret: with `at` = the cut length minus 20, the cut falls inside it. */
const across = (at: number, secret = KEY) => "x".repeat(at - 20) + secret + " (end)";

async function outputs(reply: Reply, opts: Record<string, unknown> = {}) {
  server = await startEnforce(() => reply);
  const t = makeGovernor({
    enforceUrl: server.url,
    apiKey: KEY,
    retry: { maxAttempts: 1 },
    ...opts,
  });
  const thrown = await rejection(t.governor.gate("get_users", async () => "ran")());
  const refusal = await t.governor.gate("get_users", async () => "ran", { onDeny: "return" })();
  const checked = await t.governor.check(intent).then(
    (d) => JSON.stringify(d),
    (e) => printed(e),
  );
  const audit = JSON.stringify(await t.auditLines());
  return {
    thrown: printed(thrown),
    refusal: String(refusal),
    checked,
    audit,
    warnings: t.warnings.join("\n"),
    all: "",
  };
}

function expectNoLeak(o: Record<string, string>, secret = KEY): void {
  for (const [where, text] of Object.entries(o))
    expect(leak(text, secret), `${where}: ${text.slice(0, 2000)}`).toBeUndefined();
}

describe("a secret across the cut never leaks a part of itself", () => {
  it("a 500 whose detail holds the API key across the 200-character cut", async () => {
    const o = await outputs({ status: 500, body: { detail: across(200) } });
    expect(o.thrown).toMatch(/HTTP 500/);
    expectNoLeak(o);
  });

  it("a 401 and a 422 whose detail echo the key", async () => {
    expectNoLeak(await outputs({ status: 401, body: { detail: across(200) } }));
    expectNoLeak(await outputs({ status: 422, body: { detail: [{ msg: across(200) }] } }));
  });

  it("a DENY whose reason holds the key across the 500-character cut: refusal, error, decision, audit", async () => {
    const o = await outputs(deny("r-1", { reason: across(500) }));
    expect(o.refusal).toMatch(/blocked by policy/);
    expectNoLeak(o);
  });

  it("a DENY whose deny_code and request_id hold the key", async () => {
    expectNoLeak(await outputs(deny(across(500), { deny_code: across(500), reason: "no" })));
  });

  it("a decision that is not ALLOW/DENY holding the key across the 40-character cut", async () => {
    const o = await outputs({ body: { decision: across(40) } });
    expect(o.thrown).toMatch(/without a valid decision/);
    expectNoLeak(o);
  });

  it("the canonicalization trace and other metadata are redacted in the decision", async () => {
    const trace = [
      {
        field: "action",
        raw_input: `Bearer ${KEY}`,
        prediction: { canonical: KEY, confidence: 1, source: "x" },
      },
    ];
    const o = await outputs(deny("r-1", { canonicalization_trace: trace, note: { [KEY]: [KEY] } }));
    expectNoLeak(o);
    expect(o.checked).toContain("[redacted]");
  });

  it("a prefix of the key the server cut itself", async () => {
    expectNoLeak(
      await outputs(
        deny("r-1", { reason: `key ${KEY.slice(0, 14)}... is not valid for this tenant` }),
      ),
    );
  });

  it("a key with / + = echoed URL-encoded", async () => {
    const b64 = randomBytes(30)
      .toString("base64")
      .replace(/^(.)(.)/, "$1/$2+");
    const o = await outputs(
      deny("r-1", { reason: `sent ${encodeURIComponent(b64)}, expected another` }),
      { apiKey: b64 },
    );
    expectNoLeak(o, b64);
    expectNoLeak(o, encodeURIComponent(b64));
  });

  it("the decision key and credential headers are secrets too", async () => {
    const header = "hv-" + randomBytes(12).toString("hex");
    const o = await outputs(
      deny("r-1", { reason: across(500, DECISION_KEY) + " " + header.slice(0, 12) + " " + header }),
      { headers: { "x-api-key": header }, decisionKey: DECISION_KEY },
    );
    expectNoLeak(o, DECISION_KEY.slice(3));
    expectNoLeak(o, header.slice(3));
  });
});

describe("secrets the client was not configured with, by shape", () => {
  it.each([
    [
      "a bearer token",
      "Authorization: Bearer Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5",
      "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5",
    ],
    [
      "an OpenAI-style key",
      "upstream key sk-proj-AbCdEf0123456789GhIjKl was rejected",
      "AbCdEf0123456789GhIjKl",
    ],
    [
      "an Anthropic-style key",
      "used sk-ant-api03-AbCdEf0123456789GhIjKlMn",
      "AbCdEf0123456789GhIjKlMn",
    ],
    [
      "a GitHub token",
      "ghp_AbCdEf0123456789GhIjKlMnOpQrStUvWx00",
      "AbCdEf0123456789GhIjKlMnOpQrStUvWx",
    ],
    ["a Stripe key", "sk_live_AbCdEf0123456789GhIjKlMn", "AbCdEf0123456789GhIjKlMn"],
    ["an AWS access key id", "key AKIAIOSFODNN7EXAMPLE denied", "IOSFODNN7EXAMPLE"],
    ["a Slack token", "xoxb-123456789012-AbCdEf0123456789", "AbCdEf0123456789"],
    [
      "a JWT",
      "token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJlLXZhbHVl",
      "eyJzdWIiOiJ1c2VyIn0",
    ],
    [
      "a URL with a query token and userinfo",
      "called https://bob:hunter2pass@api.example.com/v1?token=s3cr3tQueryValue&x=1",
      "s3cr3tQueryValue",
    ],
  ])("%s in a DENY reason", async (_name, reason, secret) => {
    const o = await outputs(deny("r-1", { reason }));
    expectNoLeak(o, secret);
    if (secret === "s3cr3tQueryValue") expect(o.refusal).not.toContain("hunter2pass");
  });
});

describe("a real process (built runtime, GOVERNOR_DEBUG=1, audit to stderr)", () => {
  it("stdout (the refusal the app prints) and stderr hold no part of the key", async () => {
    server = await startEnforce((req, n) =>
      n === 1
        ? { status: 500, body: { detail: across(200) } }
        : n === 2
          ? deny(across(500), { reason: across(500), deny_code: across(500) })
          : allow("ok", { reason: across(500) }),
    );
    const runtime = pathToFileURL(path.resolve(__dirname, "../../dist/runtime/index.js")).href;
    const dir = tmp();
    const file = path.join(dir, "app.mjs");
    writeFileSync(
      file,
      `import { createGovernor } from ${JSON.stringify(runtime)};
const g = createGovernor({ config: {}, retry: { maxAttempts: 1 } });
const tool = g.gate("get_users", async () => "ran", { onDeny: "return" });
try { await g.gate("get_users", async () => "ran")(); } catch (e) { console.log(e.message); console.error(e); }
console.log(await tool());
console.log(JSON.stringify(await g.check({ action: "read", actor: { id: "a" }, resource: { type: "db" } })));
await g.close();
`,
    );
    const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, [file], {
        cwd: dir,
        env: {
          PATH: process.env.PATH ?? "",
          GOVERNOR_ENFORCE_URL: server!.url,
          GOVERNOR_API_KEY: KEY,
          GOVERNOR_DEBUG: "1",
          GOVERNOR_AUDIT_LOG: "stderr",
        },
      });
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (out += d));
      child.on("close", (code) => resolve({ code, out }));
    });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/HTTP 500/);
    expect(r.out).toMatch(/blocked by policy/);
    expect(r.out).toMatch(/"outcome":"blocked"/);
    expect(leak(r.out, KEY), r.out.slice(0, 3000)).toBeUndefined();
  });
});
