// `governor serve` against hostile requests and policies (issue 10): one request never kills the server,
// rules match however a value is spelled, policy keys never resolve through Object.prototype, and the
// bearer scheme is case-insensitive. Real processes, real HTTP on loopback.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { policies, run, serve, tempPolicy, until, type Served } from "../cli/helpers.js";
import { createServer } from "node:http";
import { connect } from "node:net";
import type { AddressInfo } from "node:net";
import { startEnforceServer, type RunningServer } from "../../src/server/index.js";
import { answerClientError, createHandler } from "../../src/server/app.js";
import { parsePolicy } from "../../src/server/policy.js";
import { createLineLog } from "../../src/server/line-log.js";

const API_KEY = "sk-test-hardening-0123456789";
const DECISION_KEY = "dk-test-hardening-9876543210";
const readIntent = {
  action: "query",
  actor: { id: "user-123", type: "user" },
  resource: { type: "postgres_db", name: "users" },
};
const refund = { action: "refund", actor: { id: "bot" }, resource: { type: "stripe" } };

async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
  path = "/api/v2/enforce",
) {
  const res = await fetch(url + path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return {
    status: res.status,
    type: res.headers.get("content-type"),
    body: (await res.json()) as any,
  };
}

const nestedArrays = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
const nestedObjects = (depth: number) => '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
/** The intent with an unchecked extra field holding `raw` JSON text. */
const withExtra = (raw: string) => JSON.stringify(readIntent).slice(0, -1) + `,"extra":${raw}}`;

describe("governor serve survives any one request (finding 2)", () => {
  let srv: Served;
  const auth = { authorization: `Bearer ${API_KEY}` };
  beforeAll(async () => {
    srv = await serve(["--policy", tempPolicy("basic.yaml"), "--decision-key", DECISION_KEY], {
      GOVERNOR_SERVE_API_KEY: API_KEY,
    });
  });
  afterAll(() => srv?.stop());

  it("JSON nested 5,000 deep in an extra field gets 400 with a clear message, and the next request a decision", async () => {
    const deep = withExtra(nestedArrays(5000));
    expect(deep.length).toBeLessThan(11_000);
    const r = await post(srv.url, deep, auth);
    expect(r.status).toBe(400);
    expect(r.type).toBe("application/json");
    expect(r.body.detail).toMatch(/nested deeper than 64 levels/);
    expect(JSON.stringify(r.body)).not.toMatch(/\bat .*\.js:\d+/);
    expect((await post(srv.url, readIntent, auth)).body.decision).toBe("ALLOW");
    const objects = await post(
      srv.url,
      withExtra(nestedObjects(5000)),
      auth,
      "/api/v2/canonicalize",
    );
    expect(objects.status).toBe(400);
    expect((await post(srv.url, readIntent, auth)).body.decision).toBe("ALLOW");
    await until(
      async () =>
        /REJECTED 400 \/api\/v2\/enforce: JSON nested deeper than 64 levels/.test(srv.stderr()),
      "400 log line",
    );
  });

  it("a huge value makes a short log line, not a copy of the body", async () => {
    const action = "x".repeat(100_000) + "-tail";
    expect((await post(srv.url, { ...readIntent, action }, auth)).status).toBe(200);
    await until(
      async () => srv.stderr().includes('action="' + "x".repeat(200) + '"…'),
      "cut log line",
    );
    expect(srv.stderr()).not.toContain("x".repeat(201));
  });

  it("counts only real nesting: brackets inside strings (and escaped quotes) do not count, 64 levels still decide", async () => {
    const inString = withExtra(JSON.stringify('\\"' + "[{".repeat(5000)));
    expect((await post(srv.url, inString, auth)).body.decision).toBe("ALLOW");
    // The intent itself is level 1, so the extra field may hold 63 more.
    expect((await post(srv.url, withExtra(nestedArrays(63)), auth)).body.decision).toBe("ALLOW");
    expect((await post(srv.url, withExtra(nestedArrays(64)), auth)).status).toBe(400);
  });
});

describe("governor serve answers 500 for a request that fails inside, and keeps serving (finding 2)", () => {
  it("a signer that throws on every ALLOW: 500 {detail} and a log line; DENY and /health still answer", async () => {
    // A --token-ttl beyond the largest Date makes signing throw RangeError on every ALLOW.
    const srv = await serve([
      "--policy",
      tempPolicy("basic.yaml"),
      "--decision-key",
      DECISION_KEY,
      "--token-ttl",
      "9000000000000000",
    ]);
    try {
      const r = await post(srv.url, readIntent);
      expect(r.status).toBe(500);
      expect(r.body).toEqual({
        detail: expect.stringMatching(
          /^Internal error in governor serve; the request got no decision/,
        ),
      });
      expect((await post(srv.url, refund)).body.decision).toBe("DENY");
      expect((await fetch(`${srv.url}/health`)).status).toBe(200);
      expect((await post(srv.url, readIntent)).status).toBe(500);
      await until(
        async () =>
          /REJECTED 500 \/api\/v2\/enforce: internal error \(RangeError/.test(srv.stderr()),
        "500 log line",
      );
      expect(srv.stderr()).not.toMatch(/^\s+at /m);
    } finally {
      await srv.stop();
    }
  });

  it("the same in-process, for a throw from any part of the handler", async () => {
    let srv: RunningServer | undefined;
    const lines: string[] = [];
    try {
      srv = await startEnforceServer({
        host: "127.0.0.1",
        port: 0,
        policyFile: tempPolicy("basic.yaml"),
        watch: false,
        stderr: { write: (s: string) => lines.push(s) },
        sign: () => {
          throw new TypeError("boom");
        },
      });
      expect((await post(srv.url, readIntent)).status).toBe(500);
      expect((await post(srv.url, refund)).body.decision).toBe("DENY");
      await until(
        async () =>
          lines.join("").includes("REJECTED 500 /api/v2/enforce: internal error (TypeError"),
        "log line",
      );
    } finally {
      await srv?.close();
    }
  });
});

describe("requests node:http cannot parse get a JSON answer too (finding 2)", () => {
  /** Raw bytes to a server wired like serve's, with answerClientError on clientError; resolves with what came back. */
  async function rawExchange(bytes: string): Promise<string> {
    const state = {
      policy: parsePolicy(readFileSync(`${policies}/basic.yaml`, "utf8"), "basic.yaml"),
      log: createLineLog({ write: () => true }),
    };
    const server = createServer(createHandler(state)).on("clientError", answerClientError);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const sock = connect((server.address() as AddressInfo).port, "127.0.0.1");
      let answer = "";
      sock.setEncoding("utf8").on("data", (d) => (answer += d));
      await new Promise((r) => sock.once("connect", r));
      sock.write(bytes);
      await new Promise((r) => sock.once("close", r));
      return answer;
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  }

  it("a broken header line: 400 with {detail}", async () => {
    const answer = await rawExchange(
      "POST /api/v2/enforce HTTP/1.1\r\nhost: x\r\nthis is not a header\r\n\r\n",
    );
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(answer).toContain("content-type: application/json");
    expect(JSON.parse(answer.split("\r\n\r\n")[1]).detail).toMatch(
      /^Bad Request: the request could not be read as HTTP/,
    );
  });

  it("headers over node's limit: 431 with {detail}", async () => {
    const answer = await rawExchange(
      `GET /health HTTP/1.1\r\nhost: x\r\nx-pad: ${"a".repeat(20_000)}\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n[^]*"detail"/);
  });
});

// One deny rule per field a rule can test, each written one way; each request writes the value another way.
const NORMALIZE_POLICY = `version: 1
default: allow
rules:
  - { id: action, effect: deny, when: { action: Wire-Transfer } }
  - { id: action-glob, effect: deny, when: { action: "Bulk Export-*" } }
  - { id: resource-type, effect: deny, when: { resource.type: Customer Record } }
  - { id: resource-type-glob, effect: deny, when: { resource.type: "external-*" } }
  - { id: resource-name, effect: deny, when: { resource.name: Prod-DB } }
  - { id: actor-id, effect: deny, when: { actor.id: Ops Bot } }
  - { id: actor-id-glob, effect: deny, when: { actor.id: "Sales-*" } }
  - { id: actor-type, effect: deny, when: { actor.type: Service-Account } }
  - { id: sensitivity, effect: deny, when: { data.sensitivity: top-secret } }
  - { id: sensitivity-glob, effect: deny, when: { data.sensitivity: "Internal Only-*" } }
  - { id: volume, effect: deny, when: { data.volume: Bulk, resource.type: report } }
  - { id: pii, effect: deny, when: { data.pii: true, resource.type: ledger } }
  - { id: authn, effect: deny, when: { risk.authn: No-MFA } }
  - { id: layer, effect: deny, when: { layer: Edge Layer } }
`;

type Intent = {
  action: string;
  actor: Record<string, string>;
  resource: Record<string, string>;
  data?: Record<string, unknown>;
  risk?: Record<string, string>;
  layer?: string;
};
const neutral: Intent = {
  action: "read",
  actor: { id: "u1", type: "user" },
  resource: { type: "database", name: "users" },
};
const NORMALIZE_CASES: [rule: string, request: Intent][] = [
  ["action", { ...neutral, action: "wire transfer" }],
  ["action", { ...neutral, action: "WIRE_TRANSFER" }],
  ["action", { ...neutral, action: "wire\u2011transfer" }],
  ["action-glob", { ...neutral, action: "bulk_export-all" }],
  ["resource-type", { ...neutral, resource: { type: "customer-record" } }],
  ["resource-type", { ...neutral, resource: { type: " CUSTOMER  RECORD " } }],
  ["resource-type-glob", { ...neutral, resource: { type: "external_api" } }],
  ["resource-type-glob", { ...neutral, resource: { type: "External Billing" } }],
  ["resource-name", { ...neutral, resource: { type: "database", name: "prod db" } }],
  ["resource-name", { ...neutral, resource: { type: "database", name: "PROD_DB" } }],
  ["actor-id", { ...neutral, actor: { id: "ops-bot" } }],
  ["actor-id-glob", { ...neutral, actor: { id: "sales 7" } }],
  ["actor-type", { ...neutral, actor: { id: "u1", type: "service account" } }],
  ["sensitivity", { ...neutral, data: { sensitivity: ["public", "Top Secret"] } }],
  ["sensitivity", { ...neutral, data: { sensitivity: ["TOP_SECRET"] } }],
  ["sensitivity", { ...neutral, data: { sensitivity: ["top\u00a0secret"] } }],
  ["sensitivity", { ...neutral, data: { sensitivity: ["top-se\u200bcret"] } }],
  ["sensitivity-glob", { ...neutral, data: { sensitivity: ["internal_only_hr"] } }],
  ["volume", { ...neutral, resource: { type: "REPORT" }, data: { volume: "bulk" } }],
  ["pii", { ...neutral, resource: { type: "Ledger" }, data: { pii: true } }],
  ["authn", { ...neutral, risk: { authn: "no mfa" } }],
  ["authn", { ...neutral, risk: { authn: "NO_MFA" } }],
  ["layer", { ...neutral, layer: "edge-layer" }],
];

describe("deny rules match however a value is spelled: case, spaces, dashes, underscores (finding 3)", () => {
  let srv: Served;
  beforeAll(async () => {
    const file = tempPolicy("basic.yaml");
    writeFileSync(file, NORMALIZE_POLICY);
    srv = await serve(["--policy", file]);
  });
  afterAll(() => srv?.stop());

  it("a request that matches no rule gets the default", async () => {
    expect((await post(srv.url, neutral)).body).toMatchObject({
      decision: "ALLOW",
      metadata: { rule_id: null },
    });
  });

  it.each(NORMALIZE_CASES)("rule %s matches %j", async (rule, request) => {
    const r = await post(srv.url, request);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ decision: "DENY", metadata: { rule_id: rule } });
  });

  it("the canonical intent carries labels in the form rules are compared in", async () => {
    const r = await post(
      srv.url,
      { ...neutral, data: { sensitivity: ["Top Secret", "internal-only"] } },
      {},
      "/api/v2/canonicalize",
    );
    expect(r.body.canonical_intent.data.sensitivity).toEqual(["top_secret", "internal_only"]);
  });

  it("a data.volume other than single or bulk is refused at load (requests can only send those)", async () => {
    const file = tempPolicy("basic.yaml");
    writeFileSync(
      file,
      "version: 1\nrules:\n  - { id: v, effect: deny, when: { data.volume: large } }\n",
    );
    const r = await run(["serve", "--port", "0", "--policy", file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /rule "v" \(rules\[0\]\): when\.data\.volume: expected "single" or "bulk", got "large"/,
    );
  });
});

const PROTO_KEYS = [
  "constructor",
  "toString",
  "__proto__",
  "hasOwnProperty",
  "valueOf",
  "isPrototypeOf",
];

describe("policy keys never resolve through Object.prototype (finding 5)", () => {
  it.each(PROTO_KEYS)(
    "when: { %s: ... } is refused at load with the list of fields",
    async (key) => {
      const file = tempPolicy("basic.yaml");
      writeFileSync(
        file,
        `version: 1\ndefault: allow\nrules:\n  - id: r\n    effect: deny\n    when:\n      ${key}: read\n`,
      );
      const r = await run(["serve", "--port", "0", "--policy", file]);
      expect(r.code).toBe(2);
      expect(r.stdout).not.toContain("listening on");
      expect(r.stderr).toContain(`rule "r" (rules[0]): when.${key}: unknown field.`);
      expect(r.stderr).toMatch(/Fields a rule can test: action, /);
      expect(r.stderr).not.toMatch(/^\s+at /m);
    },
  );

  it("the same in nested when maps, at the top level, in rules, and in a JSON policy", async () => {
    const cases: [string, string, RegExp][] = [
      [
        "p.yaml",
        "version: 1\nrules:\n  - { id: r, effect: deny, when: { actor: { constructor: x } } }\n",
        /when\.actor\.constructor: unknown field/,
      ],
      [
        "p.yaml",
        "version: 1\nrules:\n  - { id: r, effect: deny, when: { resource: { __proto__: x } } }\n",
        /when\.resource\.__proto__: unknown field/,
      ],
      ["p.yaml", "version: 1\n__proto__: { default: allow }\n", /__proto__: unknown key/],
      [
        "p.yaml",
        "version: 1\nrules:\n  - { id: r, effect: deny, toString: x }\n",
        /rule "r" \(rules\[0\]\): toString: unknown key/,
      ],
      [
        "p.yaml",
        "version: 1\nvocabulary: { constructor: { a: b } }\n",
        /vocabulary\.constructor: unknown field/,
      ],
      [
        "p.json",
        '{"version":1,"rules":[{"id":"r","effect":"deny","when":{"__proto__":{"action":"read"}}}]}',
        /when\.__proto__: unknown field/,
      ],
    ];
    for (const [name, text, message] of cases) {
      const file = tempPolicy("basic.yaml").replace(/policy\.yaml$/, name);
      writeFileSync(file, text);
      const r = await run(["serve", "--port", "0", "--policy", file]);
      expect([r.code, r.stderr]).toEqual([2, expect.stringMatching(message)]);
    }
  });

  it("a live edit that introduces one is logged, and the running server keeps the last good policy", async () => {
    const file = tempPolicy("basic.yaml");
    const srv = await serve(["--policy", file]);
    try {
      const good = readFileSync(file, "utf8");
      writeFileSync(file, good.replace("when: { action: read }", "when: { constructor: read }"));
      await until(
        async () => srv.stderr().includes("keeping the last good policy"),
        "reload failure log",
      );
      expect(srv.stderr()).toMatch(
        /keeping the last good policy: .*rule "reads" \(rules\[2\]\): when\.constructor: unknown field/,
      );
      expect((await post(srv.url, readIntent)).body.decision).toBe("ALLOW");
      writeFileSync(
        file,
        good.replace("when: { action: read }", "when: { __proto__: { action: read } }"),
      );
      await until(
        async () => /when\.__proto__: unknown field/.test(srv.stderr()),
        "second reload failure log",
      );
      expect((await post(srv.url, readIntent)).body.decision).toBe("ALLOW");
    } finally {
      await srv.stop();
    }
  });

  it("requests with prototype names as keys and values get a decision, not a crash", async () => {
    const file = tempPolicy("basic.yaml");
    writeFileSync(
      file,
      readFileSync(`${policies}/basic.yaml`, "utf8").replace(
        "{ postgres_db: database }",
        "{ postgres_db: database, constructor: payment }",
      ),
    );
    const srv = await serve(["--policy", file, "--decision-key", DECISION_KEY]);
    try {
      // Written as text: in a JS object literal `__proto__` would set the prototype instead of a key.
      const hostile =
        '{"__proto__":{"action":"read"},"constructor":{"name":"x"},"action":"toString",' +
        '"actor":{"id":"constructor","type":"__proto__","__proto__":{"id":"admin"}},' +
        '"resource":{"type":"hasOwnProperty","name":"valueOf","constructor":{"prototype":{"x":1}}},' +
        '"data":{"sensitivity":["__proto__","constructor","toString"],"__proto__":{"pii":true}},"risk":{"authn":"__proto__"}}';
      for (const path of ["/api/v2/enforce", "/api/v2/canonicalize"])
        expect((await post(srv.url, hostile, {}, path)).status).toBe(200);
      expect((await post(srv.url, hostile)).body.metadata.rule_id).toBe(null);
      // A policy vocabulary word named like a prototype member maps as any other word.
      expect(
        (await post(srv.url, { action: "delete", actor: {}, resource: { type: "Constructor" } }))
          .body.metadata.rule_id,
      ).toBe("no-refunds");
      expect(
        (await post(srv.url, { action: "toString", actor: {}, resource: { type: "valueOf" } })).body
          .decision,
      ).toBe("DENY");
      expect((await post(srv.url, readIntent)).body.decision).toBe("ALLOW");
    } finally {
      await srv.stop();
    }
  });
});

describe("the bearer scheme is case-insensitive (finding 12)", () => {
  let srv: Served;
  beforeAll(async () => {
    srv = await serve(["--policy", tempPolicy("basic.yaml")], { GOVERNOR_SERVE_API_KEY: API_KEY });
  });
  afterAll(() => srv?.stop());

  it.each(["Bearer", "bearer", "BEARER", "bEaReR"])("%s <key> is accepted", async (scheme) => {
    expect(
      (await post(srv.url, readIntent, { authorization: `${scheme} ${API_KEY}` })).body.decision,
    ).toBe("ALLOW");
  });

  it.each([
    `Basic ${API_KEY}`,
    `Bearer${API_KEY}`,
    `Bearer ${API_KEY}x`,
    `Bearer ${API_KEY.slice(0, -1)}`,
    "bearer",
    "Bearer ",
  ])("%j is refused with 401", async (header) => {
    expect(await post(srv.url, readIntent, { authorization: header })).toMatchObject({
      status: 401,
      body: { detail: "Invalid API key" },
    });
  });
});
