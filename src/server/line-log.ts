// One line per decision to stderr, batched per event-loop turn so a busy server makes one write
// syscall per burst instead of one per request.
export interface LineLog {
  write(line: string): void;
  flush(): void;
}

export function createLineLog(out: { write(s: string): unknown } = process.stderr): LineLog {
  let pending: string[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending.length === 0) return;
    const text = pending.join("\n") + "\n";
    pending = [];
    out.write(text);
  };
  return {
    write(line) {
      pending.push(line);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
  };
}
