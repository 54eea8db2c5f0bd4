// Why there was no decision, worded for the command that asks: test-intent names its flags; governor
// mcp, whose settings are the environment's, names environment variables only.
import { describe, expect, it } from "vitest";
import { explainNoDecision } from "../../src/cli-support/enforce.js";
import {
  GovernorAuthError,
  GovernorConfigError,
  GovernorUnavailableError,
} from "../../src/runtime/errors.js";

const url = "http://127.0.0.1:9";
const cases = [
  new GovernorAuthError("The policy service rejected the credentials (HTTP 401).", { status: 401 }),
  new GovernorUnavailableError("The policy service did not answer in time.", { code: "timeout" }),
  new GovernorConfigError('GOVERNOR_ENFORCE_URL must be an http(s) URL (got "localhost:8787").'),
  new GovernorConfigError("GOVERNOR_ENFORCE_URL must not contain credentials."),
];

describe("explainNoDecision", () => {
  it("names test-intent's flags by default", () => {
    const fixes = cases.map((e) => explainNoDecision(e, url, { apiKeySet: false }).fix);
    expect(fixes.join("\n")).toMatch(/--api-key <key>/);
    expect(fixes.join("\n")).toMatch(/--timeout <ms>/);
  });

  it("with flags: false, names environment variables and no flag", () => {
    for (const e of cases) {
      const why = explainNoDecision(e, url, { apiKeySet: false, flags: false });
      // serve's own flags may be named (its --api-key); none of the asking command's
      expect(why.fix, why.fix).not.toMatch(/--api-key <key>|--timeout|--url /);
      expect(why.fix).toMatch(/GOVERNOR_[A-Z_]+/);
      // what happened is the same either way
      expect(why.message).toBe(explainNoDecision(e, url, { apiKeySet: false }).message);
    }
  });
});
