// The fs guard: file writes (create, change, remove, rename) ask before they touch the disk, in
// their sync, callback and promise forms. Not hooked: open/write on an fd, FileHandle methods and
// new WriteStream() (an fd's writes were decided, or not, when it was opened). The audit log
// writes through openSync/writeSync, so the guard never sees it.
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Effect } from "./state.js";
import {
  hook,
  refuseSync,
  refuseWithCallback,
  refuseWithPromise,
  text,
  type HookSpec,
} from "./wrap.js";

/** The absolute path a path argument names, or null for an fd (a number) or a FileHandle: those
 *  were opened earlier, and open is not guarded. URL-like objects are read as Node reads them. */
export function fsTarget(p: unknown): string | null {
  if (typeof p === "string") return isPlainAbsolute(p) ? p : path.resolve(p);
  if (typeof p === "number") return null;
  if (p instanceof Uint8Array)
    return path.resolve(Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString());
  if (p && typeof p === "object") {
    try {
      return path.resolve(fileURLToPath(p as URL));
    } catch {
      if (typeof (p as { fd?: unknown }).fd === "number") return null;
    }
  }
  // Not a path Node accepts (it will throw): still checked, so nothing slips by as "invalid".
  return path.resolve(text(p));
}

/** Already what path.resolve would return (POSIX): skips its cost (~0.5 µs) on the common case. */
function isPlainAbsolute(p: string): boolean {
  return (
    POSIX && p.charCodeAt(0) === 47 && !p.includes("//") && !p.includes("/.") && !p.endsWith("/")
  );
}
const POSIX = path.sep === "/";

// Which arguments name what is written: the path, the destination (copy, link), both for rename.
const WRITES: Record<string, number[]> = {
  writeFile: [0],
  appendFile: [0],
  rm: [0],
  rmdir: [0],
  unlink: [0],
  mkdir: [0],
  truncate: [0],
  copyFile: [1],
  cp: [1],
  symlink: [1],
  link: [1],
  rename: [1, 0],
};
// Their async forms run Node code (rimraf, cp) that calls other hooked functions later.
const STARTS_NODE_CALLS = new Set(["rm", "rmdir", "cp"]);

function effectsOf(op: string, at: number[]): HookSpec["effects"] {
  return (args) => {
    const out: Effect[] = [];
    for (const i of at) {
      const target = fsTarget(args[i]);
      if (target !== null) out.push({ primitive: "fs", target, op });
    }
    return out;
  };
}

/** createWriteStream(path, { fd }) writes to the fd and ignores the path. */
function streamEffects(args: unknown[]): Effect[] {
  const o = args[1];
  if (o && typeof o === "object" && (o as { fd?: unknown }).fd != null) return [];
  const target = fsTarget(args[0]);
  return target === null ? [] : [{ primitive: "fs", target, op: "createWriteStream" }];
}

/** Patch node:fs and fs.promises (the same object as node:fs/promises) in place. */
export function installFsGuard(): void {
  const fs = process.getBuiltinModule("node:fs") as unknown as Record<string, unknown>;
  const promises = fs.promises as Record<string, unknown>;
  for (const [name, at] of Object.entries(WRITES)) {
    const later = STARTS_NODE_CALLS.has(name);
    hook(fs, name, {
      effects: effectsOf(name, at),
      refuse: refuseWithCallback,
      sync: false,
      startsNodeCalls: later,
    });
    hook(fs, `${name}Sync`, {
      effects: effectsOf(`${name}Sync`, at),
      refuse: refuseSync,
      sync: true,
    });
    hook(promises, name, {
      effects: effectsOf(name, at),
      refuse: refuseWithPromise,
      sync: false,
      startsNodeCalls: later,
    });
  }
  // Sync: the stream is returned before it opens anything, so a refusal can only be thrown.
  hook(fs, "createWriteStream", { effects: streamEffects, refuse: refuseSync, sync: true });
}
