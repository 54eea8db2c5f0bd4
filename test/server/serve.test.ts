// `governor serve` as a real process over real HTTP.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { verifyDecision } from "../../src/runtime/token.js";
import {
  bin,
  cleanEnv,
  policies,
  run,
  serve,
  tempPolicy,
  until,
  type Served,
} from "../cli/helpers.js";

const API_KEY = "sk-test-serve-0123456789";
const DECISION_KEY = "dk-test-serve-9876543210";
const auth = { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" };
const readIntent = {
  action: "query",
  actor: { id: "user-123", type: "user" },
  resource: { type: "postgres_db", name: "users" },
};

let srv: Served;
let policyFile: string;

async function enforce(body: unknown, headers: Record<string, string> = auth) {
  const res = await fetch(`${srv.url}/api/v2/enforce`, {
    method: "POST",
    headers,
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

beforeAll(async () => {
  policyFile = tempPolicy("basic.yaml");
  srv = await serve(["--policy", policyFile], {
    GOVERNOR_SERVE_API_KEY: API_KEY,
    GOVERNOR_DECISION_KEY: DECISION_KEY,
  });
});
afterAll(() => srv?.stop());

describe("governor serve", () => {
  it("prints the URL as its first stdout line and answers /health", async () => {
    expect(srv.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${srv.url}/health`);
    expect(res.status).toBe(200);
  });

  it("answers ALLOW with request id, trace and a decision token the runtime verifies", async () => {
    const { status, body } = await enforce(readIntent);
    expect(status).toBe(200);
    expect(body.decision).toBe("ALLOW");
    expect(typeof body.enforcement_latency_ms).toBe("number");
    const m = body.metadata;
    expect(m.request_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(m.canonicalization_trace[0]).toEqual({
      field: "action",
      raw_input: "query",
      prediction: { canonical: "read", confidence: 0.95, source: "builtin_vocabulary" },
    });
    const check = (intent: unknown, key = DECISION_KEY) =>
      verifyDecision(key, {
        intent,
        decision: "ALLOW",
        requestId: m.request_id,
        token: m.decision_token,
        expiresAt: m.expires_at,
      });
    expect(check(readIntent)).toEqual({ ok: true });
    expect(check({ ...readIntent, action: "delete" })).toEqual({ ok: false, reason: "mismatch" });
    expect(check(readIntent, "another-key")).toEqual({ ok: false, reason: "mismatch" });
  });

  it("answers DENY with the rule's reason and deny code, and no token", async () => {
    const { body } = await enforce({
      action: "refund",
      actor: { id: "bot" },
      resource: { type: "stripe", name: "stripe" },
    });
    expect(body.decision).toBe("DENY");
    expect(body.metadata).toMatchObject({
      reason: "Refunds need a human approver.",
      deny_code: "stepup_required",
      rule_id: "no-refunds",
    });
    expect(body.metadata.decision_token).toBeUndefined();
  });

  it("rejects missing or wrong bearer keys with 401 {detail}", async () => {
    const none = await enforce(readIntent, { "content-type": "application/json" });
    expect(none.status).toBe(401);
    expect(none.body.detail).toMatch(/Authorization: Bearer/);
    const wrong = await enforce(readIntent, { authorization: "Bearer nope" });
    expect(wrong).toEqual({ status: 401, body: { detail: "Invalid API key" } });
  });

  it("answers 422 in FastAPI's shape for malformed and invalid bodies", async () => {
    expect(await enforce("{not json")).toEqual({
      status: 422,
      body: { detail: [{ type: "json_invalid", loc: ["body", 1], msg: "JSON decode error" }] },
    });
    const invalid = await enforce({ action: 7, actor: { id: "a" }, resource: { type: "db" } });
    expect(invalid.status).toBe(422);
    expect(invalid.body.detail).toEqual([
      { type: "string_type", loc: ["body", "action"], msg: "Input should be a valid string" },
    ]);
  });

  it("answers like FastAPI for an empty body, a non-JSON content type and wrong methods or paths", async () => {
    expect(await enforce("", auth)).toEqual({
      status: 422,
      body: { detail: [{ type: "missing", loc: ["body"], msg: "Field required" }] },
    });
    // curl -d sends application/x-www-form-urlencoded: FastAPI reads that body as bytes, never as an intent.
    const form = await enforce(readIntent, {
      authorization: auth.authorization,
      "content-type": "application/x-www-form-urlencoded",
    });
    expect(form).toEqual({
      status: 422,
      body: {
        detail: [
          {
            type: "model_attributes_type",
            loc: ["body"],
            msg: "Input should be a valid dictionary or object to extract fields from",
          },
        ],
      },
    });
    expect(
      (
        await enforce(readIntent, {
          authorization: auth.authorization,
          "content-type": "application/vnd.api+json; charset=utf-8",
        })
      ).body.decision,
    ).toBe("ALLOW");
    const get = await fetch(`${srv.url}/api/v2/enforce`, { headers: auth });
    expect([get.status, get.headers.get("allow"), await get.json()]).toEqual([
      405,
      "POST",
      { detail: "Method Not Allowed" },
    ]);
    const put = await fetch(`${srv.url}/health`, { method: "PUT" });
    expect([put.status, put.headers.get("allow")]).toEqual([405, "GET, HEAD"]);
    const missing = await fetch(`${srv.url}/api/v2/decide`, {
      method: "POST",
      headers: auth,
      body: "{}",
    });
    expect([missing.status, await missing.json()]).toEqual([404, { detail: "Not Found" }]);
    const unauth = await fetch(`${srv.url}/api/v2/enforce`, { method: "POST", body: "{}" });
    expect(unauth.headers.get("www-authenticate")).toBe("Bearer");
    const big = await enforce(JSON.stringify({ ...readIntent, pad: "x".repeat(1 << 20) }));
    expect(big.status).toBe(413);
    expect(big.body.detail).toMatch(/too large/);
    // The log says why each request got no decision, and what to send instead; never the body or the key.
    await until(async () => /REJECTED 413/.test(srv.stderr()), "413 log line");
    expect(srv.stderr()).toMatch(/REJECTED 422 \/api\/v2\/enforce: body: Field required\n/);
    expect(srv.stderr()).toMatch(
      /REJECTED 422 \/api\/v2\/enforce: body: Input should be .* \(content-type application\/x-www-form-urlencoded; send Content-Type: application\/json\)/,
    );
    expect(srv.stderr()).toMatch(
      /REJECTED 401 \/api\/v2\/enforce: no Authorization: Bearer header/,
    );
    expect(srv.stderr()).not.toContain('postgres_db"');
  });

  it("quotes request values in the decision log, so one cannot forge a log line", async () => {
    await enforce({
      action: "read",
      actor: { id: "eve\n2026-01-01T00:00:00Z ALLOW action=refund" },
      resource: { type: "db", name: "a b" },
    });
    await until(async () => srv.stderr().includes('actor="eve\\n2026'), "quoted log line");
    expect(srv.stderr()).toContain(
      'resource=database/"a b" actor="eve\\n2026-01-01T00:00:00Z ALLOW action=refund" rule=reads',
    );
    expect(srv.stderr()).not.toMatch(/^2026-01-01T00:00:00Z ALLOW/m);
  });

  it("canonicalizes without deciding", async () => {
    const res = await fetch(`${srv.url}/api/v2/canonicalize`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify(readIntent),
    });
    const body = (await res.json()) as any;
    expect(body.canonical_intent).toMatchObject({
      action: "read",
      resource: { type: "database", name: "users" },
      layer: "L4",
    });
    expect(body.canonicalization_trace).toHaveLength(3);
  });

  it("logs one line per decision to stderr without keys", async () => {
    await until(
      async () =>
        /DENY action=refund resource=payment\/stripe actor=bot rule=no-refunds/.test(srv.stderr()),
      "decision log line",
    );
    expect(srv.stderr()).toMatch(
      /ALLOW action=read resource=database\/users actor=user-123 rule=reads request_id=/,
    );
    expect(srv.stderr()).not.toContain(API_KEY);
    expect(srv.stderr()).not.toContain(DECISION_KEY);
  });

  it("reloads the policy on change, and keeps the last good one when an edit is invalid", async () => {
    const original = readFileSync(policyFile, "utf8");
    writeFileSync(
      policyFile,
      original.replace("id: reads\n    effect: allow", "id: reads\n    effect: deny"),
    );
    await until(
      async () => (await enforce(readIntent)).body.decision === "DENY",
      "reloaded policy to deny reads",
    );
    writeFileSync(policyFile, original.replace("effect: allow", "effect: maybe"));
    await until(
      async () => srv.stderr().includes("keeping the last good policy"),
      "reload failure log",
    );
    expect(srv.stderr()).toMatch(
      /keeping the last good policy: .*policy\.yaml: rule "reads" \(rules\[2\]\): effect: must be "allow" or "deny", got "maybe"/,
    );
    expect((await enforce(readIntent)).body.decision).toBe("DENY");
  });
});

describe("governor serve follows editors that save by rename", () => {
  it("reloads after write-to-temp + rename, again and again, and ends on the last save", async () => {
    const file = tempPolicy("basic.yaml");
    const s = await serve(["--policy", file]);
    try {
      const ask = async () =>
        (
          (await (
            await fetch(`${s.url}/api/v2/enforce`, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify(readIntent),
            })
          ).json()) as any
        ).decision;
      const good = readFileSync(file, "utf8");
      const denyReads = good.replace("id: reads\n    effect: allow", "id: reads\n    effect: deny");
      const save = (text: string) => {
        writeFileSync(file + ".tmp", text);
        renameSync(file + ".tmp", file);
      };
      save(denyReads);
      await until(async () => (await ask()) === "DENY", "first rename picked up");
      save(good);
      await until(
        async () => (await ask()) === "ALLOW",
        "second rename picked up (the watch survived the first)",
      );
      for (let i = 0; i < 20; i++) save(i % 2 ? good : denyReads);
      save(denyReads);
      await until(async () => (await ask()) === "DENY", "a burst of saves ends on the last one");
      expect(s.stderr()).toMatch(/policy reloaded from .*policy\.yaml: 4 rule\(s\), default deny/);
    } finally {
      await s.stop();
    }
  });
});

describe("governor serve follows a symlinked policy (a Kubernetes ConfigMap mount)", () => {
  it("reloads when the link two levels up is swapped, under another name", async () => {
    // The kubelet layout: policy.yaml -> ..data/policy.yaml, ..data -> ..v1; an update writes ..v2 and renames a new ..data over the old.
    const dir = mkdtempSync(path.join(tmpdir(), "governor-configmap-"));
    const good = readFileSync(path.join(policies, "basic.yaml"), "utf8");
    for (const [v, text] of [
      ["..v1", good],
      ["..v2", good.replace("id: reads\n    effect: allow", "id: reads\n    effect: deny")],
    ]) {
      mkdirSync(path.join(dir, v));
      writeFileSync(path.join(dir, v, "policy.yaml"), text);
    }
    symlinkSync("..v1", path.join(dir, "..data"));
    symlinkSync("..data/policy.yaml", path.join(dir, "policy.yaml"));
    const s = await serve(["--policy", path.join(dir, "policy.yaml")]);
    try {
      const ask = async () =>
        (
          (await (
            await fetch(`${s.url}/api/v2/enforce`, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify(readIntent),
            })
          ).json()) as any
        ).decision;
      expect(await ask()).toBe("ALLOW");
      symlinkSync("..v2", path.join(dir, "..data_tmp"));
      renameSync(path.join(dir, "..data_tmp"), path.join(dir, "..data"));
      await until(async () => (await ask()) === "DENY", "the swapped ConfigMap picked up");
    } finally {
      await s.stop();
    }
  });

  it("an editor that truncates and then writes is not reported as a broken policy", async () => {
    const file = tempPolicy("basic.yaml");
    const s = await serve(["--policy", file]);
    try {
      const text = readFileSync(file, "utf8");
      writeFileSync(file, "");
      await new Promise((r) => setTimeout(r, 40));
      writeFileSync(file, text.replace("default: deny", "default: allow"));
      await until(
        async () => /policy reloaded .*default allow/.test(s.stderr()),
        "reload after the write",
      );
      expect(s.stderr()).not.toContain("reload failed");
    } finally {
      await s.stop();
    }
  });
});

describe("governor serve stops cleanly", () => {
  it("SIGTERM or SIGINT as soon as the URL is printed: exit 0, says it stopped", async () => {
    const once = (signal: NodeJS.Signals) =>
      new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) => {
        const p = spawn(
          process.execPath,
          [bin, "serve", "--port", "0", "--policy", path.join(policies, "basic.yaml")],
          { env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"] },
        );
        let stderr = "";
        p.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
        // Kill on the very first byte of stdout, as a script reading the URL and finishing would.
        p.stdout.once("data", () => p.kill(signal));
        p.on("close", (code, sig) => resolve({ code, signal: sig, stderr }));
      });
    const results = await Promise.all([once("SIGTERM"), once("SIGTERM"), once("SIGINT")]);
    for (const r of results) {
      expect(r).toMatchObject({ code: 0, signal: null });
      expect(r.stderr).toMatch(/governor serve: SIG(TERM|INT), stopping/);
    }
  });
});

describe("governor serve lets a request in flight finish when stopped", () => {
  it("SIGTERM while a body is still arriving: that request still gets its decision, then exit 0", async () => {
    const s = await serve(["--policy", path.join(policies, "basic.yaml")]);
    const { connect } = await import("node:net");
    const port = Number(new URL(s.url).port);
    const body = JSON.stringify(readIntent);
    const sock = connect(port, "127.0.0.1");
    await new Promise((r) => sock.once("connect", r));
    let answer = "";
    // "100 Continue" comes back once serve has read the request's headers: it is in flight
    const inFlight = new Promise<void>((r) =>
      sock.setEncoding("utf8").on("data", (d) => {
        answer += d;
        if (answer.includes("100 Continue\r\n\r\n")) r();
      }),
    );
    const closed = new Promise((r) => sock.once("close", r));
    sock.write(
      `POST /api/v2/enforce HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nexpect: 100-continue\r\ncontent-length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
    );
    await inFlight;
    const exited = new Promise<[number | null, string | null]>((r) => {
      s.proc.removeAllListeners("close");
      s.proc.once("close", (code, sig) => r([code, sig]));
    });
    s.proc.kill("SIGTERM");
    await until(async () => s.stderr().includes("stopping"), "serve saw the signal");
    sock.end(body.slice(10));
    await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK/);
    expect(answer).toContain('"decision":"ALLOW"');
    expect(await exited).toEqual([0, null]);
  });
});

describe("governor serve refuses to start on a bad policy", () => {
  it("a missing file: says so, and how to give one (not 'fix the policy file')", async () => {
    const r = await run(["serve", "--port", "0", "--policy", "no-such-policy.yaml"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^error \[policy_missing\]: no-such-policy\.yaml: policy file not found\.\nfix: Check the path, or pass --policy <file>/,
    );
  });

  it("a policy without rules starts, but warns that the default decides everything", async () => {
    const file = tempPolicy("basic.yaml");
    writeFileSync(file, "version: 1\ndefault: deny\n");
    const s = await serve(["--policy", file]);
    try {
      await until(async () => s.stderr().includes("warning:"), "no-rules warning");
      expect(s.stderr()).toMatch(
        /warning: .*policy\.yaml has no rules, so every request gets the default \(deny\)/,
      );
    } finally {
      await s.stop();
    }
  });

  it("exits 2 naming the file, the rule and the field", async () => {
    const file = tempPolicy("basic.yaml");
    writeFileSync(
      file,
      readFileSync(file, "utf8").replace("resource.type: payment", "resource.kind: payment"),
    );
    const r = await run(["serve", "--port", "0", "--policy", file]);
    expect(r.code).toBe(2);
    expect(r.stdout).not.toContain("listening on");
    expect(r.stderr).toMatch(
      /policy\.yaml: rule "no-refunds" \(rules\[0\]\): when\.resource\.kind: unknown field/,
    );
    expect(r.stderr).toMatch(/fix: Fix the policy file/);
  });

  it("without --policy, says how to give one", async () => {
    const r = await run(["serve", "--port", "0"], { cwd: "/" });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Pass --policy <file>/);
  });
});
