// The breaker's half-open trial: only an answer from the policy service may close it. A check that
// sent nothing (no client certificate here) hands the trial to the next check.
import { describe, expect, it } from "vitest";
import { Breaker } from "../../src/runtime/breaker.js";

const opts = { minimumRequests: 2, failureRatio: 0.5, windowMs: 10_000, coolDownMs: 1000 };

function opened(): Breaker {
  const b = new Breaker(opts);
  b.failure(0);
  b.failure(0);
  expect(b.state).toBe("open");
  return b;
}

describe("the breaker", () => {
  it("stays half-open when the trial sent nothing, and lets the next check try", () => {
    const b = opened();
    expect(b.allow(1000)).toBe(true);
    expect(b.state).toBe("half-open");
    expect(b.allow(1000)).toBe(false); // one trial at a time
    b.release();
    expect(b.state).toBe("half-open");
    expect(b.allow(1001)).toBe(true);
    b.success(1001);
    expect(b.state).toBe("closed");
  });

  it("counts a check that sent nothing neither as a success nor as a failure", () => {
    const b = new Breaker(opts);
    b.failure(0);
    for (let i = 0; i < 5; i++) b.release();
    b.failure(0);
    // two failures of two: a released check diluting the ratio would have kept it closed
    expect(b.state).toBe("open");
  });
});
