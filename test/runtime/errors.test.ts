import { describe, expect, it } from "vitest";
import {
  GovernorError,
  GovernorDeniedError,
  GovernorUnavailableError,
  GovernorAuthError,
  GovernorProtocolError,
  GovernorConfigError,
} from "../../src/runtime/index.js";

describe("errors", () => {
  it("carry stable codes and names", () => {
    const d = new GovernorDeniedError("blocked", {
      requestId: "r1",
      reason: "no",
      tool: "send_email",
    });
    expect(d).toBeInstanceOf(GovernorError);
    expect(d).toBeInstanceOf(Error);
    expect([d.code, d.name, d.requestId, d.reason, d.tool]).toEqual([
      "policy_denied",
      "GovernorDeniedError",
      "r1",
      "no",
      "send_email",
    ]);
    expect(new GovernorDeniedError("x", { denyCode: "dlp_credentials_detected" }).code).toBe(
      "dlp_credentials_detected",
    );
    expect(new GovernorUnavailableError("x").code).toBe("enforce_unavailable");
    expect(new GovernorUnavailableError("x", { code: "timeout" }).code).toBe("timeout");
    expect(new GovernorAuthError("x").code).toBe("auth_failed");
    expect(new GovernorProtocolError("x").code).toBe("bad_response");
    expect(new GovernorConfigError("x").code).toBe("config_invalid");
    expect(new GovernorAuthError("x")).not.toBeInstanceOf(GovernorDeniedError);
  });

  it("match instanceof across bundles by brand", () => {
    // What a GovernorDeniedError thrown by another copy of the runtime (CJS or register bundle) looks like.
    const foreign = Object.create(Error.prototype, {
      [Symbol.for("governor.errorKinds")]: { value: ["GovernorDeniedError", "GovernorError"] },
    });
    expect(foreign instanceof GovernorDeniedError).toBe(true);
    expect(foreign instanceof GovernorError).toBe(true);
    expect(foreign instanceof GovernorAuthError).toBe(false);
    expect({} instanceof GovernorError).toBe(false);
  });
});
