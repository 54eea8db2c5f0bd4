// Audit log: one JSON line per gated call attempt. Lines are buffered (bounded; overflow is dropped
// and counted) and written in batches off the hot path; close() and process exit flush synchronously.
import { closeSync, openSync, writeSync } from "node:fs";
import type { Intent } from "./intent.js";

export interface AuditRecord {
  time: string;
  tool: string;
  intent: Intent | null;
  decision: "ALLOW" | "DENY" | null;
  outcome: "executed" | "blocked" | "error";
  requestId: string | null;
  latencyMs: number;
  mode: "enforce" | "observe" | "off";
  cached: boolean;
  errorCode: string | null;
  /** Which layer asked enforce: gate() at the definition, a registration wrapper, or instrumentation. */
  gatedBy: "definition" | "registration" | "instrumentation" | "scope";
  denyCode?: string | null;
  /** Ran without a decision (fail mode open). */
  failOpen?: boolean;
  /** Observe mode: what enforce would have done. */
  wouldBlock?: boolean;
}

// Open logs, flushed by one set of process listeners shared by every bundle (ESM, CJS, register) via
// globalThis: one listener per log would trip Node's MaxListeners warning, and one per bundle would
// each see the other as "the app's handler" and never re-raise a signal. "exit" covers a natural end
// and process.exit(); a SIGTERM/SIGINT with no other handler would end the process without "exit",
// so we flush and then re-raise the signal.
interface Flushable {
  flush(): void;
}
interface Registry {
  logs: Set<Flushable>;
  flushAll(): void;
  onSignal(signal: NodeJS.Signals): void;
}
const REGISTRY = Symbol.for("governor.auditLogs");
const SIGNALS = ["SIGTERM", "SIGINT"] as const;

function registry(): Registry {
  const g = globalThis as { [REGISTRY]?: Registry };
  if (g[REGISTRY]) return g[REGISTRY];
  const reg: Registry = {
    logs: new Set(),
    flushAll() {
      for (const log of reg.logs) log.flush();
    },
    onSignal(signal) {
      reg.flushAll();
      // Someone else handles this signal (graceful shutdown): leave the exit to them.
      if (process.listenerCount(signal) > 1) return;
      unlisten(reg);
      try {
        process.kill(process.pid, signal);
      } catch {
        process.exit(128 + (signal === "SIGINT" ? 2 : 15));
      }
    },
  };
  return (g[REGISTRY] = reg);
}
function listen(reg: Registry): void {
  process.on("exit", reg.flushAll);
  // First in line: when we run, the app's once() handlers have not removed themselves yet, so the
  // listener count says whether someone else will handle the signal.
  for (const s of SIGNALS) process.prependListener(s, reg.onSignal);
}
function unlisten(reg: Registry): void {
  process.removeListener("exit", reg.flushAll);
  for (const s of SIGNALS) process.removeListener(s, reg.onSignal);
}

/** Write to stderr now if it can take it. Once Node has set up process.stderr on a pipe, fd 2 is
 *  non-blocking and a full pipe (a slow log reader) answers EAGAIN: the rest goes through
 *  process.stderr, which queues it, and later batches follow it there to keep lines in order. */
function writeStderr(data: Buffer): void {
  let off = 0;
  if (!(process.stderr.writableLength > 0)) {
    try {
      while (off < data.length) off += writeSync(2, data, off);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EAGAIN") throw err;
    }
  }
  process.stderr.write(off === 0 ? data : data.subarray(off));
}

export class AuditLog {
  private buffer: string[] = [];
  private fd: number | undefined;
  private scheduled = false;
  private droppedSinceReport = 0;
  /** Lines dropped because the buffer was full or the sink failed, since start. */
  dropped = 0;
  /** Lines written, since start. */
  written = 0;
  private closed = false;
  private readonly secrets: string[];

  constructor(
    private readonly target: string,
    private readonly maxBuffered: number,
    private readonly warn: (m: string) => void,
    secrets: (string | undefined)[] = [],
  ) {
    // Records hold no server text unredacted; this catches a key put into an intent by hand.
    this.secrets = secrets.filter((s): s is string => typeof s === "string" && s.length >= 4);
    const reg = registry();
    if (reg.logs.size === 0) listen(reg);
    reg.logs.add(this);
  }

  write(record: AuditRecord | { type: string }): void {
    if (this.closed) return this.drop(1);
    if (this.buffer.length >= this.maxBuffered) return this.drop(1);
    let line = JSON.stringify(record);
    for (const s of this.secrets) if (line.includes(s)) line = line.split(s).join("[redacted]");
    this.buffer.push(line);
    if (!this.scheduled) {
      this.scheduled = true;
      setTimeout(() => {
        this.scheduled = false;
        this.flush();
      }, 20).unref();
    }
  }

  private drop(n: number): void {
    this.dropped += n;
    this.droppedSinceReport += n;
  }

  /** Write everything buffered now. */
  flush(): void {
    if (this.buffer.length === 0 && this.droppedSinceReport === 0) return;
    const lines = this.buffer;
    this.buffer = [];
    if (this.droppedSinceReport > 0) {
      lines.push(
        JSON.stringify({
          time: new Date().toISOString(),
          type: "audit_dropped",
          dropped: this.droppedSinceReport,
          droppedTotal: this.dropped,
        }),
      );
      this.warn(
        `governor: ${this.droppedSinceReport} audit line(s) were dropped (buffer full or log unwritable; ${this.dropped} in total).`,
      );
      this.droppedSinceReport = 0;
    }
    try {
      const fd = this.open();
      const data = Buffer.from(lines.join("\n") + "\n");
      if (fd === 2) writeStderr(data);
      else for (let off = 0; off < data.length;) off += writeSync(fd, data, off);
      this.written += lines.length;
    } catch (err) {
      this.dropped += lines.length;
      this.warn(
        `governor: could not write the audit log ${this.target === "stderr" ? "to stderr" : this.target} (${(err as NodeJS.ErrnoException).code ?? "error"}); ${lines.length} line(s) lost.`,
      );
    }
  }

  private open(): number {
    if (this.fd !== undefined) return this.fd;
    this.fd = this.target === "stderr" ? 2 : openSync(this.target, "a", 0o600);
    return this.fd;
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    const reg = registry();
    reg.logs.delete(this);
    if (reg.logs.size === 0) unlisten(reg);
    if (this.fd !== undefined && this.fd !== 2) closeSync(this.fd);
    this.fd = undefined;
  }
}
