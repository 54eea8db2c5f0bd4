// Circuit breaker: opens when, within a window, at least `minimumRequests` checks ran and the failure
// ratio reached `failureRatio` (so one failure never opens it). After `coolDownMs` one trial check
// goes through (half-open): success closes the breaker, failure re-opens it.
export type BreakerState = "closed" | "open" | "half-open";

export interface BreakerOptions {
  minimumRequests: number;
  failureRatio: number;
  windowMs: number;
  coolDownMs: number;
}

export class Breaker {
  state: BreakerState = "closed";
  private windowStart = 0;
  private requests = 0;
  private failures = 0;
  private openedAt = 0;
  private trialInFlight = false;

  constructor(private readonly opts: BreakerOptions) {}

  /** May a check go out now? In half-open, only the one trial may. */
  allow(now = Date.now()): boolean {
    if (this.state === "closed") return true;
    if (this.state === "open") {
      if (now - this.openedAt < this.opts.coolDownMs) return false;
      this.state = "half-open";
      this.trialInFlight = false;
    }
    if (this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  /** How long until a trial call may go out (for messages). */
  retryInMs(now = Date.now()): number {
    return Math.max(0, this.opts.coolDownMs - (now - this.openedAt));
  }

  success(now = Date.now()): void {
    if (this.state !== "closed") {
      this.state = "closed";
      this.trialInFlight = false;
      this.reset(now);
      return;
    }
    this.count(now, false);
  }

  /** The check sent nothing (no client certificate here): counted neither way, and a half-open
   *  trial is handed to the next check instead of closing the breaker unasked. */
  release(): void {
    this.trialInFlight = false;
  }

  failure(now = Date.now()): void {
    if (this.state === "half-open") {
      this.open(now);
      return;
    }
    if (this.state === "open") return;
    this.count(now, true);
    if (
      this.requests >= this.opts.minimumRequests &&
      this.failures / this.requests >= this.opts.failureRatio
    )
      this.open(now);
  }

  private count(now: number, failed: boolean): void {
    if (now - this.windowStart >= this.opts.windowMs) this.reset(now);
    this.requests++;
    if (failed) this.failures++;
  }

  private reset(now: number): void {
    this.windowStart = now;
    this.requests = 0;
    this.failures = 0;
  }

  private open(now: number): void {
    this.state = "open";
    this.openedAt = now;
    this.trialInFlight = false;
    this.reset(now);
  }
}
