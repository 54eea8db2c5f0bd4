// `governor test-intent --tool` answers what the gate would: a tool the intent map's "deny" names is
// refused locally, and enforce is not asked.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { run } from "./helpers.js";
import { allow, startEnforce, type EnforceServer } from "../support/enforce-server.js";

let srv: EnforceServer;
let config: string;
beforeAll(async () => {
  srv = await startEnforce(() => allow("req-a"));
  config = path.join(mkdtempSync(path.join(tmpdir(), "gov-ti-deny-")), "governor.config.json");
  writeFileSync(config, JSON.stringify({ tools: {}, deny: ["admin_*"] }));
});
afterAll(() => srv?.close());

const ask = (args: string[]) =>
  run(["test-intent", "--config", config, "--json", ...args], {
    env: { GOVERNOR_ENFORCE_URL: srv.url },
  });

describe("governor test-intent and the local deny list", () => {
  it("a denied tool: DENY local_deny, exit 1, no request; another tool is asked", async () => {
    const denied = await ask(["--tool", "admin_users"]);
    expect(denied.code).toBe(1);
    expect(JSON.parse(denied.stdout)).toMatchObject({
      decision: "DENY",
      deny_code: "local_deny",
      request_id: null,
    });
    expect(JSON.parse(denied.stdout).reason).toContain('"admin_*"');
    expect(srv.requests).toHaveLength(0);

    const asked = await ask(["--tool", "my_admin_x"]);
    expect(asked.code).toBe(0);
    expect(JSON.parse(asked.stdout)).toMatchObject({ decision: "ALLOW", request_id: "req-a" });
    expect(srv.requests).toHaveLength(1);
  });
});
