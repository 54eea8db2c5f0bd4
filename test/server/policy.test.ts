import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import path from "node:path";
import { parsePolicy, PolicyError } from "../../src/server/policy.js";
import { canonicalize } from "../../src/server/canonicalize.js";
import { evaluate } from "../../src/server/evaluate.js";
import { nestedDeeperThan, validateIntentBody } from "../../src/server/request.js";
import { normalizeTerm } from "../../src/server/vocabulary.js";
import { exposureWarning, plainHttpJwksWarning } from "../../src/commands/serve-auth.js";
import type { IntentBody } from "../../src/server/request.js";

const fixture = path.resolve(import.meta.dirname, "../fixtures/policies/basic.yaml");
const policy = parsePolicy(readFileSync(fixture, "utf8"), "basic.yaml");

function decide(body: IntentBody) {
  const { intent, trace } = canonicalize(body, policy.vocabulary);
  return { ...evaluate(policy, intent), trace };
}

describe("policy evaluation", () => {
  it("canonicalizes synonyms (built-in and the policy's own) before matching, and traces each mapping", () => {
    const v = decide({
      action: "query",
      actor: { id: "u1", type: "human" },
      resource: { type: "Postgres-DB", name: "users" },
    });
    expect(v.effect).toBe("allow");
    expect(v.rule?.id).toBe("reads");
    expect(v.trace).toEqual([
      {
        field: "action",
        raw_input: "query",
        prediction: { canonical: "read", confidence: 0.95, source: "builtin_vocabulary" },
      },
      {
        field: "resource_type",
        raw_input: "Postgres-DB",
        prediction: { canonical: "database", confidence: 1, source: "policy_vocabulary" },
      },
      {
        field: "actor_type",
        raw_input: "human",
        prediction: { canonical: "user", confidence: 0.95, source: "builtin_vocabulary" },
      },
    ]);
    expect(decide({ action: "lookup", actor: { id: "u1" }, resource: { type: "x" } }).effect).toBe(
      "allow",
    );
  });

  it("first matching rule decides, with its reason and deny code", () => {
    const v = decide({ action: "refund", actor: { id: "bot" }, resource: { type: "stripe" } });
    expect(v).toMatchObject({
      effect: "deny",
      reason: "Refunds need a human approver.",
      denyCode: "stepup_required",
    });
    expect(v.rule?.id).toBe("no-refunds");
  });

  it("falls back to the default, with a reason and authz_policy_denied", () => {
    const v = decide({
      action: "launch_rocket",
      actor: { id: "bot" },
      resource: { type: "rocket" },
    });
    expect(v).toMatchObject({ effect: "deny", rule: undefined, denyCode: "authz_policy_denied" });
    expect(v.reason).toMatch(/No policy rule matched/);
    expect(v.trace[0].prediction).toEqual({
      canonical: "launch_rocket",
      confidence: 0.5,
      source: "passthrough",
    });
  });

  it("matches booleans, globs and all fields of a rule together", () => {
    const bulkPii = {
      action: "read",
      actor: { id: "a" },
      resource: { type: "database" },
      data: { pii: true, volume: "bulk" as const },
    };
    expect(decide(bulkPii).rule?.id).toBe("no-bulk-pii");
    expect(decide({ ...bulkPii, data: { pii: false, volume: "bulk" } }).rule?.id).toBe("reads");
    const email = { action: "email", resource: { type: "gmail" } };
    expect(decide({ ...email, actor: { id: "support-7" } }).effect).toBe("allow");
    expect(decide({ ...email, actor: { id: "sales-7" } }).effect).toBe("deny");
  });

  it("data.sensitivity matches when any listed value is present; nested when works like dotted keys", () => {
    const p = parsePolicy(
      "version: 1\ndefault: allow\nrules:\n  - id: secret\n    effect: deny\n    when: { data: { sensitivity: [confidential, restricted] } }\n",
      "p.yaml",
    );
    const run = (sensitivity: string[]) =>
      evaluate(
        p,
        canonicalize(
          { action: "read", actor: {}, resource: { type: "db" }, data: { sensitivity } },
          p.vocabulary,
        ).intent,
      ).effect;
    expect(run(["public", "Confidential"])).toBe("deny");
    expect(run(["public"])).toBe("allow");
    expect(run([])).toBe("allow");
  });
});

describe("policy validation names the file, the rule and the field", () => {
  const bad: [string, string, RegExp][] = [
    [
      "no version",
      "default: deny\nrules: []\n",
      /^p\.yaml: version: missing\. Add `version: 1` as the first line\.$/,
    ],
    ["wrong version", "version: 2\nrules: []\n", /^p\.yaml: version: must be 1, got 2\.$/],
    ["unknown top-level key", "version: 1\nrulez: []\n", /p\.yaml: rulez: unknown key/],
    [
      "bad effect",
      "version: 1\nrules:\n  - id: r1\n    effect: block\n",
      /p\.yaml: rule "r1" \(rules\[0\]\): effect: must be "allow" or "deny", got "block"/,
    ],
    [
      "unknown when field",
      "version: 1\nrules:\n  - id: r1\n    effect: deny\n    when: { resource.kind: db }\n",
      /rule "r1".*when\.resource\.kind: unknown field\. Fields a rule can test: action, actor\.id/,
    ],
    [
      "typo in a when field",
      "version: 1\nrules:\n  - id: r1\n    effect: deny\n    when: { resource: { typ: db } }\n",
      /when\.resource\.typ: unknown field\. Did you mean "resource\.type"\?/,
    ],
    [
      "wrong value type",
      "version: 1\nrules:\n  - id: r1\n    effect: deny\n    when: { data.pii: yes please }\n",
      /rule "r1".*when\.data\.pii: expected true or false/,
    ],
    [
      "a synonym that can never match",
      "version: 1\nrules:\n  - id: r1\n    effect: allow\n    when: { action: query }\n",
      /when\.action: "query" is a synonym .* canonical value "read"/,
    ],
    [
      "duplicate ids",
      "version: 1\nrules:\n  - { id: a, effect: deny }\n  - { id: a, effect: allow }\n",
      /rule "a" \(rules\[1\]\): id: duplicate/,
    ],
    [
      "missing id",
      "version: 1\nrules:\n  - effect: deny\n",
      /p\.yaml: rules\[0\]: id: every rule needs/,
    ],
    [
      "typo in a rule key",
      "version: 1\nrules:\n  - { id: a, effect: deny, whne: {} }\n",
      /rule "a" \(rules\[0\]\): whne: unknown key\. Did you mean "when"\?/,
    ],
    [
      "typo in a top-level key",
      "version: 1\nrulse: []\n",
      /p\.yaml: rulse: unknown key\. Did you mean "rules"\?/,
    ],
    [
      "bad vocabulary",
      "version: 1\nvocabulary: { verbs: { a: b } }\n",
      /vocabulary\.verbs: unknown field/,
    ],
    ["not YAML", "version: 1\nrules: [\n", /^p\.yaml: not valid YAML: .*line \d+, column \d+\.$/],
    ["empty file", "", /p\.yaml: expected a policy .* an empty file/],
  ];
  it.each(bad)("%s", (_name, text, message) => {
    expect(() => parsePolicy(text, "p.yaml")).toThrow(PolicyError);
    expect(() => parsePolicy(text, "p.yaml")).toThrow(message);
  });

  it("a .json policy gets JSON's own error, with the position", () => {
    expect(() => parsePolicy('{"version":1,"rules":[{"id":"a"', "p.json")).toThrow(
      /^p\.json: not valid JSON: .*position \d+/,
    );
  });

  it("an unrelated key gets no made-up suggestion", () => {
    expect(() => parsePolicy("version: 1\nbanana: 1\n", "p.yaml")).toThrow(
      /^p\.yaml: banana: unknown key\. A policy has/,
    );
  });

  it("accepts JSON policies", () => {
    const p = parsePolicy(
      '{"version":1,"default":"allow","rules":[{"id":"x","effect":"deny","when":{"action":"delete"}}]}',
      "p.json",
    );
    expect(p.rules.map((r) => r.id)).toEqual(["x"]);
  });
});

describe("request validation (FastAPI 422 shape)", () => {
  it("lists every problem with loc, msg and type", () => {
    expect(
      validateIntentBody({
        actor: "me",
        resource: {},
        data: { pii: "no", volume: "lots", sensitivity: "x" },
      }),
    ).toEqual([
      { type: "missing", loc: ["body", "action"], msg: "Field required" },
      {
        type: "model_attributes_type",
        loc: ["body", "actor"],
        msg: "Input should be a valid dictionary or object to extract fields from",
      },
      { type: "missing", loc: ["body", "resource", "type"], msg: "Field required" },
      {
        type: "list_type",
        loc: ["body", "data", "sensitivity"],
        msg: "Input should be a valid list",
      },
      { type: "bool_type", loc: ["body", "data", "pii"], msg: "Input should be a valid boolean" },
      {
        type: "literal_error",
        loc: ["body", "data", "volume"],
        msg: "Input should be 'single' or 'bulk'",
      },
    ]);
    expect(validateIntentBody([1])).toHaveLength(1);
    expect(
      validateIntentBody({
        action: "read",
        actor: { id: "a", type: "user" },
        resource: { type: "db", name: "x" },
        tenantId: "t",
      }),
    ).toEqual([]);
  });
});

describe("serve's startup warnings", () => {
  it("warns when listening beyond loopback without a key, and only then", () => {
    expect(exposureWarning("0.0.0.0", undefined)).toMatch(
      /listening on 0\.0\.0\.0 without --api-key, --oauth-jwks or --tls-client-ca: .* Set --api-key \(or GOVERNOR_SERVE_API_KEY\), --oauth-jwks or --tls-client-ca, or use --host 127\.0\.0\.1/,
    );
    expect(exposureWarning("::", undefined)).toMatch(/without --api-key/);
    expect(exposureWarning("0.0.0.0", "k")).toBeUndefined();
    // what serve-action passes for OAuth or client certificates: authenticated, so no warning
    expect(exposureWarning("0.0.0.0", "OAuth JWT (iss x, aud y)")).toBeUndefined();
    expect(exposureWarning("0.0.0.0", "client certificate")).toBeUndefined();
    for (const host of ["127.0.0.1", "127.0.0.2", "localhost", "::1"])
      expect(exposureWarning(host, undefined)).toBeUndefined();
    expect(exposureWarning("127.evil.example", undefined)).toMatch(/without --api-key/);
  });
});

describe("serve's JWKS warning", () => {
  it("warns of a plain http:// JWKS off this machine, without its credentials or query", () => {
    expect(plainHttpJwksWarning("http://user:pw@idp.example/jwks.json?k=secret")).toBe(
      "warning: --oauth-jwks http://idp.example/jwks.json is plain http://: whoever sits on the path can hand serve their own keys. Use an https:// URL.",
    );
    for (const ok of [
      "https://idp.example/jwks.json",
      "http://127.0.0.1:9000/jwks.json",
      "http://localhost/jwks.json",
      "http://[::1]:8080/jwks.json",
      "./jwks.json",
    ])
      expect(plainHttpJwksWarning(ok)).toBeUndefined();
    // a name that starts like a loopback address is somebody else's host
    expect(plainHttpJwksWarning("http://127.evil.example/jwks.json")).toMatch(/plain http/);
  });
});

describe("one normal form for rule values and request values", () => {
  it.each([
    ["top_secret", "top_secret"],
    ["Top-Secret", "top_secret"],
    ["  TOP   secret ", "top_secret"],
    ["top - _ secret", "top_secret"],
    ["top\u2011secret", "top_secret"],
    ["top\u00a0secret", "top_secret"],
    ["top-se\u200bcret", "top_secret"],
    ["ＴＯＰ－ＳＥＣＲＥＴ", "top_secret"],
    ["-secret-", "secret"],
    ["External-*", "external_*"],
    ["a.b@c", "a.b@c"],
  ])("%j -> %j", (raw, normal) => {
    expect(normalizeTerm(raw)).toBe(normal);
    expect(normalizeTerm(normal)).toBe(normal);
  });

  it("refuses a rule value with nothing left after normalizing", () => {
    expect(() =>
      parsePolicy(
        "version: 1\nrules:\n  - { id: r, effect: deny, when: { actor.id: '--' } }\n",
        "p.yaml",
      ),
    ).toThrow(/when\.actor\.id: "--" has no letters or digits/);
  });
});

describe("globs", () => {
  const p = (glob: string) =>
    parsePolicy(
      `version: 1\ndefault: allow\nrules:\n  - { id: g, effect: deny, when: { resource.name: "${glob}" } }\n`,
      "p.yaml",
    );
  const hit = (glob: string, name: string) =>
    p(glob).rules[0].matches(
      canonicalize({ action: "read", actor: {}, resource: { type: "db", name } }, policy.vocabulary)
        .intent,
    );
  it.each([
    ["a*", "a", true],
    ["a*", "ab", true],
    ["*b", "ab", true],
    ["a*b", "ab", true],
    ["a*b", "a", false],
    ["a*a", "a", false],
    ["ab*ba", "aba", false],
    ["a*b*c", "axbyc", true],
    ["a*b*c", "acb", false],
    ["*x*", "axb", true],
    ["a.*", "abc", false],
    ["a.*", "a.c", true],
  ])("%j against %j: %s", (glob, name, expected) => {
    expect(hit(glob, name)).toBe(expected);
  });

  it("many stars against a long value answer at once (no backtracking RegExp)", () => {
    expect(hit("*a*a*a*a*a*a*a*a*b", "a".repeat(200_000))).toBe(false);
    expect(hit("*x*x*x*x*x*y", "x".repeat(200_000) + "y")).toBe(true);
  });
});

describe("odd policy documents are refused with a message, not a crash", () => {
  it("a YAML alias loop", () => {
    expect(() => parsePolicy("version: 1\nrules: &r [*r]\n", "p.yaml")).toThrow(PolicyError);
    expect(() => parsePolicy("version: 1\nrules: &r [*r]\n", "p.yaml")).toThrow(
      /rules\[0\]: expected a rule object .* refers to itself/,
    );
  });
});

describe("nesting depth of a request body, counted on the text", () => {
  it.each([
    ["{}", 1, false],
    ["{}", 0, true],
    ['{"a":[[1]]}', 3, false],
    ['{"a":[[1]]}', 2, true],
    ['{"a":"[[[[[[\\"[[[["}', 1, false],
    ['{"a":"\\\\"}', 1, false],
    ['{"a":"\\\\","b":[[]]}', 2, true],
  ])("%s within %d: deeper %s", (text, max, deeper) => {
    expect(nestedDeeperThan(text, max)).toBe(deeper);
  });
});
