// Notices when the process that started serve is gone. npm and npx run serve through `sh -c`: a SIGKILLed
// npm signals nobody, and the shell (our parent) lives on, re-parented. So we watch each link from us up
// through such shells: our parent must stay our parent, and each wrapper shell's parent must stay its parent.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

const SHELLS = new Set(["sh", "dash", "bash", "zsh", "ash", "ksh", "mksh", "busybox"]);
const hasProc = existsSync("/proc/self/stat");

interface ProcInfo {
  ppid: number;
  argv: string[];
}

/** A process's parent and command line: /proc on Linux, one `ps` elsewhere (macOS); undefined when gone. */
function info(pid: number): ProcInfo | undefined {
  try {
    if (hasProc) {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so count from the last ")".
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      return { ppid, argv: readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0") };
    }
    const line = execFileSync("ps", ["-o", "ppid=,args=", "-p", String(pid)], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
    const [ppid, ...argv] = line.split(/\s+/);
    return { ppid: Number(ppid), argv };
  } catch {
    return undefined;
  }
}

/** `sh -c ...` that runs a command for someone else (npm, a script runner), not a user's login shell. */
const isWrapperShell = (p: ProcInfo) =>
  SHELLS.has(path.basename(p.argv[0] ?? "").replace(/^-/, "")) && p.argv.includes("-c");

/** [child, parent] links to watch: ours, then one more for each wrapper shell above us (at most four). */
function links(): [number, number][] {
  const out: [number, number][] = [];
  let child = process.pid;
  let parent = process.ppid;
  // Parent 1 (or 0, outside our pid namespace): already orphaned or run by init; nothing to follow.
  while (parent > 1 && out.length < 4) {
    out.push([child, parent]);
    const p = info(parent);
    if (!p || !isWrapperShell(p)) break;
    [child, parent] = [parent, p.ppid];
  }
  return out;
}

/** Whether `parent` is still `child`'s parent. Without /proc, whether it is still alive (no spawn per poll). */
function linked(child: number, parent: number): boolean {
  if (child === process.pid) return process.ppid === parent;
  if (hasProc) return info(child)?.ppid === parent;
  try {
    process.kill(parent, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

// Taken as serve's code loads, not once it listens: a parent that dies while the policy or a key file is
// still being read would otherwise leave us re-parented, with no link left to watch.
const atLoad = links();

/** Calls `onGone` once when a watched parent exits. Polled on an unref'd timer: it never keeps us alive. */
export function onParentExit(onGone: () => void, everyMs = 500): () => void {
  const watched = atLoad;
  if (watched.length === 0) return () => {};
  const timer = setInterval(() => {
    if (watched.every(([child, parent]) => linked(child, parent))) return;
    clearInterval(timer);
    onGone();
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
