// What every --dev tool answers: data as structuredContent plus the same JSON as text, or an error
// the shadcn way (isError, a code, a fix and JSON context). Loads nothing heavy: server.ts imports it.
import { closeSync, constants, fstatSync, openSync, readSync, statSync } from "node:fs";
import path from "node:path";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";

/** A failure a tool reports to the agent: what happened, what to do, and the facts behind it. */
export class DevToolError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly fix: string,
    readonly context: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "DevToolError";
  }
}

/** Environment variables whose values are secrets: never in any answer, wherever they turn up. */
const SECRET_NAME = /KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL/i;
const MARK = "[redacted]";

export type Scrub = <T>(value: T) => T;

/** Replaces every secret value of `env` (8+ characters, whole) in every string of a value, and the
 *  content of every secret `*_FILE` it names (GOVERNOR_API_KEY_FILE). Exact values only: the user's
 *  own diffs keep their URLs and words. */
export function scrubber(env: NodeJS.ProcessEnv): Scrub {
  const fromFile = (file: string) => {
    try {
      return readRegularFile(file, 64 * 1024).trim();
    } catch {
      return ""; // unreadable here: nothing of it can turn up in an answer either
    }
  };
  const secrets = Object.entries(env)
    .filter(([k, v]) => SECRET_NAME.test(k) && v)
    .map(([k, v]) => (k.endsWith("_FILE") ? fromFile(v as string) : (v as string)))
    .filter((v) => v.length >= 8)
    .sort((a, b) => b.length - a.length);
  const text = (s: string) => secrets.reduce((t, x) => t.split(x).join(MARK), s);
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return text(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object")
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return <T>(value: T) => (secrets.length ? (walk(value) as T) : value);
}

export function ok(data: Record<string, unknown>, summary: string): CallToolResult {
  return {
    content: [{ type: "text", text: `${summary}\n\n${JSON.stringify(data, null, 2)}` }],
    structuredContent: data,
  };
}

/** Any thrown error as a tool error: ours and the CLI's (code/message/fix) keep their fields. */
export function failed(err: unknown): CallToolResult {
  const e = err as { code?: unknown; message?: unknown; fix?: unknown; context?: unknown };
  const known = err instanceof Error && typeof e.code === "string" && typeof e.fix === "string";
  const error = {
    code: known ? (e.code as string) : "internal",
    message: err instanceof Error ? err.message : String(err),
    fix: known
      ? (e.fix as string)
      : "Run the matching governor command in a terminal (with GOVERNOR_DEBUG=1) to see more, and report it if it persists.",
    context: (e.context as Record<string, unknown> | undefined) ?? {},
  };
  const text = [
    `Error (${error.code}): ${error.message}`,
    `Fix: ${error.fix}`,
    `Context:\n${JSON.stringify(error.context, null, 2)}`,
  ].join("\n\n");
  return { isError: true, content: [{ type: "text", text }], structuredContent: { error } };
}

/** The project directory a tool works on: `cwd` resolved against the server's, existing, a directory. */
export function projectDir(given: string | undefined, serverCwd: string): string {
  const dir = path.resolve(serverCwd, given ?? ".");
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new DevToolError(
      "cwd_missing",
      `The project directory ${dir} does not exist.`,
      "Pass `cwd`: the absolute path of the project (the directory holding its package.json).",
      { cwd: dir },
    );
  }
  if (!isDir)
    throw new DevToolError(
      "cwd_not_directory",
      `${dir} is a file, not a directory.`,
      "Pass `cwd`: the project's directory, not a file in it.",
      { cwd: dir },
    );
  return dir;
}

/**
 * A file's text (the last `max` bytes when `tail`), only when it is a regular file: opened without
 * blocking, so a FIFO or a device named by a tool argument never stalls the server or is read.
 */
export function readRegularFile(file: string, max: number, tail = false): string {
  const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile())
      throw Object.assign(new Error(`${file} is not a regular file`), { code: "ENOTFILE" });
    if (st.size > max && !tail)
      throw Object.assign(new Error(`${file} is over ${max} bytes`), { code: "ETOOBIG" });
    const start = Math.max(0, st.size - max);
    const buf = Buffer.alloc(st.size - start);
    const n = readSync(fd, buf, 0, buf.length, start);
    const text = buf.subarray(0, n).toString("utf8");
    return start ? text.slice(text.indexOf("\n") + 1) : text;
  } finally {
    closeSync(fd);
  }
}
