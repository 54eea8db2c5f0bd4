import { afterEach, describe, expect, it } from "vitest";
import { gate, check, close, getDefaultGovernor, withActor } from "../../src/runtime/index.js";
import { allow, startEnforce, type EnforceServer } from "../support/enforce-server.js";

let server: EnforceServer | undefined;
afterEach(async () => {
  await close();
  await server?.close();
  server = undefined;
  for (const k of Object.keys(process.env)) if (k.startsWith("GOVERNOR_")) delete process.env[k];
});

describe("default governor", () => {
  it("is created from the environment at the first call, not when gate() wraps", async () => {
    const tool = gate("get_order", async (id: number) => id * 2); // no env yet: wrapping must not fail
    server = await startEnforce(() => allow());
    process.env.GOVERNOR_ENFORCE_URL = server.url;
    process.env.GOVERNOR_ACTOR_ID = "env-agent";
    expect(await tool(21)).toBe(42);
    expect(await withActor({ id: "u-7" }, () => tool(1))).toBe(2);
    expect(server.requests.map((r) => r.body.actor.id)).toEqual(["env-agent", "u-7"]);
    expect(getDefaultGovernor()).toBe((globalThis as any)[Symbol.for("governor.default")]);
    await expect(
      check({ action: "read", actor: { id: "a", type: "agent" }, resource: { type: "x" } }),
    ).resolves.toMatchObject({ decision: "ALLOW" });
  });

  it("fails closed with config_invalid when the environment is incomplete", async () => {
    let ran = 0;
    const err = await gate("get_order", async () => ++ran)().catch((e) => e);
    expect(err.code).toBe("config_invalid");
    expect(err.message).toContain("GOVERNOR_ENFORCE_URL is not set");
    expect(ran).toBe(0);
    // Even with fail mode open: a broken config never lets calls through.
    await close();
    process.env.GOVERNOR_FAIL_MODE = "open";
    process.env.GOVERNOR_TIMEOUT_MS = "-1";
    expect((await gate("get_order", async () => ++ran)().catch((e) => e)).code).toBe(
      "config_invalid",
    );
    expect(ran).toBe(0);
  });
});
