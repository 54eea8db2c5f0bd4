// Answers of pure analyses (the codemod, the run-time tool scan) kept between runs, as ESLint's
// --cache or tsc --incremental do: `init --dry-run`, doctor's coverage check and governor_scan run
// again and again over a tree that mostly did not change. An entry is keyed by a hash of every input
// and of the governor build that computed it (each bundled file's inode, size and times, and
// ts-morph's), so a changed input, option or build is a miss, never a stale answer.
// GOVERNOR_RESULT_CACHE=off turns it off.
import fs from "node:fs";
import { createHash, type Hash } from "node:crypto";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { debug } from "../runtime/debug.js";
import { privateTmpDir } from "./private-dir.js";

// A monorepo writes three entries per package.
const KEEP = 1024;
const MAX_BYTES = 64 << 20;

/** Every bundled file of this build and the parser it uses; null when run from source (tsx). */
function buildIdentity(): string | null {
  try {
    const self = fileURLToPath(import.meta.url);
    if (!self.endsWith(".js")) return null;
    const dir = path.dirname(self);
    const h = createHash("sha1").update(`${process.version}\0${process.arch}\0${dir}\0`);
    const stamp = (file: string) => {
      const st = fs.statSync(file, { bigint: true });
      h.update(`${file}\0${st.ino}\0${st.size}\0${st.mtimeNs}\0${st.ctimeNs}\0`);
    };
    for (const f of fs.readdirSync(dir).sort()) if (f.endsWith(".js")) stamp(path.join(dir, f));
    const req = createRequire(import.meta.url);
    const morph = req.resolve("ts-morph");
    stamp(morph);
    const common = createRequire(morph).resolve("@ts-morph/common");
    stamp(common);
    // the parser itself, a file of its own beside it
    stamp(path.join(path.dirname(common), "typescript.js"));
    return h.digest("hex");
  } catch {
    return null;
  }
}

// Read when this module loads, with the code it describes: a long-running process (governor mcp
// --dev) must not file its answers under a build installed after it started.
const build = buildIdentity();
// made and checked once a run (null: not usable; asked again next run)
let cacheDir: string | null | undefined;

export interface CacheEntry<T> {
  /** The cached answer, or undefined on a miss. */
  value: T | undefined;
  /** Stores the answer computed on a miss (not when the cache is off). */
  save(value: T): void;
}

/**
 * Looks up `kind` under the hash `feed` builds from the inputs. Any trouble (no private directory,
 * a damaged or foreign file) is a miss: the cache only ever saves time.
 */
export function lookup<T>(kind: string, label: string, feed: (h: Hash) => void): CacheEntry<T> {
  const off: CacheEntry<T> = { value: undefined, save: () => {} };
  if (/^(?:off|0|false|no)$/i.test(process.env.GOVERNOR_RESULT_CACHE ?? "")) return off;
  const id = build;
  const dir = id && (cacheDir ??= privateTmpDir("governor-cache"));
  if (!id || !dir) return off;
  const h = createHash("sha1").update(`${id}\0${kind}\0`);
  feed(h);
  const key = h.digest("hex");
  const file = path.join(dir, `${kind}-${key.slice(0, 32)}.json`);
  let value: T | undefined;
  try {
    const stored = JSON.parse(fs.readFileSync(file, "utf8")) as { key?: string; value?: T };
    if (stored.key === key) {
      value = stored.value;
      // pruning keeps the most recently used
      const now = new Date();
      fs.utimesSync(file, now, now);
    }
  } catch {
    value = undefined;
  }
  debug(`result cache ${value === undefined ? "miss" : "hit"}: ${kind} ${label}`);
  return {
    value,
    save: (v) => {
      if (value === undefined) write(dir, file, JSON.stringify({ key, value: v }));
    },
  };
}

function write(dir: string, file: string, text: string): void {
  try {
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text, { mode: 0o600 });
    fs.renameSync(tmp, file);
    if (!pruning) {
      pruning = true;
      process.once("exit", () => prune(dir));
    }
  } catch {
    // a read-only or full disk only costs the speed-up
  }
}

let pruning = false;

/** The newest KEEP entries, at most MAX_BYTES, once a run at its end; and the half-written files
 *  a run that died while writing left. */
function prune(dir: string): void {
  const entries: { file: string; t: number; size: number }[] = [];
  const stale = Date.now() - 3600_000;
  try {
    for (const f of fs.readdirSync(dir)) {
      const file = path.join(dir, f);
      try {
        const st = fs.statSync(file);
        if (f.endsWith(".json")) entries.push({ file, t: st.mtimeMs, size: st.size });
        else if (f.endsWith(".tmp") && st.mtimeMs < stale) fs.rmSync(file, { force: true });
      } catch {
        // another run pruned it first
      }
    }
  } catch {
    return;
  }
  entries.sort((a, b) => b.t - a.t);
  let bytes = 0;
  entries.forEach((e, i) => {
    bytes += e.size;
    if (i >= KEEP || bytes > MAX_BYTES) fs.rmSync(e.file, { force: true });
  });
}
