// Notices when the process that started serve is gone. npm and npx run serve through `sh -c`: a SIGKILLed
// npm signals nobody, and the shell (our parent) lives on, re-parented. So we watch each link from us up
// through such shells: our parent must stay our parent, and each wrapper shell's parent must stay its parent.
import { readFileSync } from "node:fs";
import path from "node:path";

const SHELLS = new Set(["sh", "dash", "bash", "zsh", "ash", "ksh", "mksh", "busybox"]);

/** A process's parent id from /proc (Linux); undefined when it is gone or there is no /proc. */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so count from the last ")".
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}

/** `sh -c ...` that runs a command for someone else (npm, a script runner), not a user's login shell. */
function isWrapperShell(pid: number): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    return SHELLS.has(path.basename(argv[0] ?? "").replace(/^-/, "")) && argv.includes("-c");
  } catch {
    return false;
  }
}

/** [child, parent] links to watch: ours, then one more for each wrapper shell above us (at most four). */
function links(): [number, number][] {
  const out: [number, number][] = [];
  let child = process.pid;
  let parent = process.ppid;
  // Parent 1 (or 0, outside our pid namespace): already orphaned or run by init; nothing to follow.
  while (parent > 1 && out.length < 4) {
    out.push([child, parent]);
    if (!isWrapperShell(parent)) break;
    const up = parentOf(parent);
    if (up === undefined) break;
    [child, parent] = [parent, up];
  }
  return out;
}

/** Calls `onGone` once when a watched parent exits. Polled on an unref'd timer: it never keeps us alive. */
export function onParentExit(onGone: () => void, everyMs = 500): () => void {
  const watched = links();
  if (watched.length === 0) return () => {};
  const timer = setInterval(() => {
    const broken = watched.some(([child, parent]) => (child === process.pid ? process.ppid : parentOf(child)) !== parent);
    if (!broken) return;
    clearInterval(timer);
    onGone();
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
