// What the benches share: medians, timing loops and a stub enforce server in a child process.
import { spawn } from "node:child_process";

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Median milliseconds of `n` awaited calls, one after the other. */
export async function sequential(fn, n) {
  const times = new Array(n);
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    times[i] = performance.now() - t;
  }
  return median(times);
}

/** Calls per second of `total` calls, `width` at a time. */
export async function concurrent(fn, total, width) {
  let next = 0;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next++ < total) await fn();
    }),
  );
  return total / ((performance.now() - t) / 1000);
}

/** Runs `source` (a CommonJS server that prints its port) in a child; its base URL once listening. */
export async function stubServer(source) {
  const server = spawn(process.execPath, ["-e", source], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise((resolve) =>
    server.stdout.once("data", (d) => resolve(Number(String(d).trim()))),
  );
  return { server, base: `http://127.0.0.1:${port}` };
}
