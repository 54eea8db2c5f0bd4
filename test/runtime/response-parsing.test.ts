// A 200 is a decision only when it is exactly one JSON object, sent as JSON, with no key twice and
// "decision" exactly "ALLOW" or "DENY". Anything else is no decision: the fail mode applies.
// Real loopback server sending the bytes and headers given, as is.
import { afterEach, describe, expect, it } from "vitest";
import { GovernorProtocolError } from "../../src/runtime/index.js";
import { closeAll, makeGovernor, rejection } from "./helpers.js";
import { startEnforce, type EnforceServer } from "../support/enforce-server.js";

interface Answer {
  body: string | Buffer;
  headers?: Record<string, string>;
  /** Send without Content-Length (chunked): the other read path. */
  chunked?: boolean;
}

let server: EnforceServer | undefined;
async function answering(answer: Answer): Promise<string> {
  server = await startEnforce(() => ({
    raw: answer.body,
    // exactly the headers given: none of the server's own content-type
    headers: answer.headers && { "content-type": undefined, ...answer.headers },
    contentLength: !answer.chunked,
  }));
  return server.url;
}

afterEach(async () => {
  await closeAll();
  await server?.close();
  server = undefined;
});

const ALLOW = '{"decision":"ALLOW","metadata":{"request_id":"r1"}}';
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

async function refused(answer: Answer): Promise<any> {
  const t = makeGovernor({ enforceUrl: await answering(answer) });
  let ran = 0;
  const err = await rejection(t.governor.gate("delete_file", async () => ran++)());
  expect(ran).toBe(0);
  expect(err).toBeInstanceOf(GovernorProtocolError);
  expect(err.code).toBe("bad_response");
  expect(err.message).toContain('"delete_file" was not run');
  return err;
}

async function decided(answer: Answer) {
  const t = makeGovernor({ enforceUrl: await answering(answer) });
  return t.governor.check({
    action: "read",
    actor: { id: "a", type: "agent" },
    resource: { type: "x" },
  });
}

describe("duplicate keys are malformed, never last-one-wins", () => {
  it.each([
    ["decision twice", '{"decision":"DENY","decision":"ALLOW"}'],
    ["decision twice, one spelled with an escape", '{"decision":"DENY","\\u0064ecision":"ALLOW"}'],
    ["decision twice, with whitespace", '{ "decision" : "DENY" ,\n "decision" : "ALLOW" }'],
    ["metadata twice", '{"decision":"ALLOW","metadata":{"ttl_ms":0},"metadata":{"ttl_ms":999999}}'],
    ["a key twice inside metadata", '{"decision":"ALLOW","metadata":{"ttl_ms":0,"ttl_ms":999999}}'],
    ["an unknown key twice", '{"decision":"ALLOW","x":1,"x":2}'],
    [
      "decision twice among many keys",
      `{"decision":"DENY",${Array.from({ length: 40 }, (_, i) => `"k${i}":${i}`).join(",")},"decision":"ALLOW"}`,
    ],
  ])("%s", async (_name, body) => {
    const err = await refused({ body });
    expect(err.message).toMatch(/duplicated key/);
  });

  it("the same key in different objects, and key-like text inside strings, are fine", async () => {
    const body = JSON.stringify({
      decision: "DENY",
      metadata: {
        reason: 'a "decision":"ALLOW", "decision" \\" {',
        decision: "ALLOW",
        canonicalization_trace: [{ field: "action" }, { field: "resource_type" }],
      },
    });
    await expect(decided({ body })).resolves.toMatchObject({ decision: "DENY", allowed: false });
  });
});

describe("only a JSON content type is read as a decision", () => {
  it.each([
    ["text/html", { "content-type": "text/html; charset=utf-8" }],
    ["text/plain", { "content-type": "text/plain" }],
    ["text/json", { "content-type": "text/json" }],
    ["application/jsonp", { "content-type": "application/jsonp" }],
    ["no content type", {}],
    [
      "two content types",
      { "content-type": ["application/json", "text/html"] as unknown as string },
    ],
  ])("%s: no decision, with the reason", async (_name, headers) => {
    const err = await refused({ body: ALLOW, headers });
    expect(err.message).toMatch(/content-type|Content-Type/);
    expect(err.message).toMatch(/application\/json/);
  });

  it.each([
    "application/json",
    "application/json; charset=utf-8",
    "Application/JSON",
    "application/vnd.enforce+json",
  ])("%s is JSON", async (type) => {
    await expect(
      decided({ body: ALLOW, headers: { "content-type": type } }),
    ).resolves.toMatchObject({ decision: "ALLOW", requestId: "r1" });
  });
});

describe("a body that is not exactly one JSON object with an exact decision", () => {
  it.each([
    ["a byte order mark", Buffer.concat([BOM, Buffer.from(ALLOW)]), /byte order mark/],
    ["trailing garbage", ALLOW + " x", /not JSON/],
    ["two objects", ALLOW + ALLOW, /not JSON/],
    ["a string", '"ALLOW"', /valid decision/],
    ["null", "null", /valid decision/],
    ["an array", `[${ALLOW}]`, /valid decision/],
    ["a number", "1", /valid decision/],
    ["lower case allow", '{"decision":"allow"}', /valid decision/],
    ["allow with a space", '{"decision":"ALLOW "}', /valid decision/],
    ["ALLOW only under __proto__", '{"__proto__":{"decision":"ALLOW"}}', /valid decision/],
    ["empty", "", /not JSON/],
  ])("%s", async (_name, body, reason) => {
    for (const chunked of [false, true]) {
      const err = await refused({ body, chunked });
      expect(err.message).toMatch(reason);
      await closeAll();
      await server?.close();
    }
  });

  it("a __proto__ key is a plain key: it neither sets the decision nor hides one", async () => {
    await expect(
      decided({ body: '{"decision":"DENY","__proto__":{"decision":"ALLOW"}}' }),
    ).resolves.toMatchObject({ decision: "DENY" });
  });

  it("surrounding whitespace is fine", async () => {
    await expect(decided({ body: `\n ${ALLOW}\r\n` })).resolves.toMatchObject({
      decision: "ALLOW",
    });
  });

  it("fail mode open still applies to a malformed answer: the tool runs, and it says so", async () => {
    const url = await answering({ body: '{"decision":"DENY","decision":"ALLOW"}' });
    const t = makeGovernor({ enforceUrl: url, failMode: "open" });
    let ran = 0;
    await t.governor.gate("get_x", async () => ran++)();
    expect(ran).toBe(1);
    expect(t.warnings.join("\n")).toMatch(/get_x/);
  });
});
