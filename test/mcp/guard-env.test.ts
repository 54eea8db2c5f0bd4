// GOVERNOR_GUARD in the environment is for the app: governor mcp, started from that same
// environment, must still reach enforce for its policy summary and traces (its own requests are not
// the app's side effects), and must not print guard lines.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { policies, serve, type Served } from "../cli/helpers.js";
import { stdioClient, refundIntent, type StdioSession } from "./enforce-helpers.js";

let srv: Served;
let s: StdioSession;
beforeAll(async () => {
  srv = await serve(["--policy", path.join(policies, "basic.yaml")]);
  s = await stdioClient(["--url", srv.url], {
    GOVERNOR_GUARD: "http,exec,fs",
    GOVERNOR_GUARD_MODE: "enforce",
  });
});
afterAll(async () => {
  await s?.close();
  await srv?.stop();
});

describe("governor mcp under an inherited GOVERNOR_GUARD", () => {
  it("reads the summary from enforce and explains with its trace; no guard refusals", async () => {
    const res = await s.client.readResource({ uri: "governor://policy/summary" });
    const summary = JSON.parse((res.contents[0] as { text: string }).text);
    expect(summary, s.stderr() + JSON.stringify(summary)).toMatchObject({
      visible: true,
      default: "deny",
    });
    const explained = await s.client.callTool({
      name: "explain_decision",
      arguments: { intent: refundIntent },
    });
    expect(explained.isError).toBeFalsy();
    expect(s.stderr()).not.toMatch(/guard/i);
  });
});
