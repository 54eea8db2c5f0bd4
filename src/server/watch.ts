// Reloads the policy when its file changes. Watches the directory (editors save by rename), throttles,
// and keeps the last good policy when an edit does not validate, the file is gone, or it now points
// outside its directory. The log names the file and the kind of problem, never a file's text (policy-file.ts).
import { lstatSync, watch, type FSWatcher } from "node:fs";
import path from "node:path";
import type { Policy } from "./policy.js";
import { compilePolicy, PolicyFileError, readPolicyFile } from "./policy-file.js";

export interface PolicyWatcher {
  close(): void;
}

export interface WatchOptions {
  file: string;
  /** The text the server started with. */
  text: string;
  /** Directories the file may resolve into (policyHome). */
  home: string[];
  current(): Policy;
  onPolicy(policy: Policy): void;
  log(line: string): void;
}

export function watchPolicy(o: WatchOptions): PolicyWatcher {
  const { file, log } = o;
  const dir = path.dirname(path.resolve(file));
  const base = path.basename(file);
  let lastText = o.text;
  let timer: NodeJS.Timeout | undefined;
  let poll: NodeJS.Timeout | undefined;
  let generation = 0;
  let emptyRetried = false;
  let missingRetried = false;
  let changedRetries = 0;
  let missing = false;
  let lastRefusal = "";
  let closed = false;
  const stamp = (line: string) => log(`${new Date().toISOString()} ${line}`);
  // A symlinked policy (a Kubernetes ConfigMap mount) changes when a link elsewhere in the directory is
  // swapped, under another name: then every event in the directory is a reason to re-read.
  let anyName = false;
  try {
    anyName = lstatSync(file).isSymbolicLink();
  } catch {
    // not there yet: keep the name filter
  }

  // Throttled, not debounced: a directory that never goes quiet (a log file beside the policy) must not
  // postpone the reload forever. A read always starts after the event that scheduled it, so it sees that save.
  const schedule = (ms: number) => {
    if (!closed) timer ??= setTimeout(reload, ms);
  };
  const retry = (ms: number) => {
    clearTimeout(timer);
    timer = setTimeout(reload, ms);
  };
  // Said once per distinct problem: every event in a busy directory would repeat it.
  const refuse = (line: string) => {
    if (line === lastRefusal) return;
    lastRefusal = line;
    stamp(line);
  };

  const gone = () => {
    // Editors delete and then rename into place: look once more before calling it deleted.
    if (!missing && !missingRetried) {
      missingRetried = true;
      return retry(100);
    }
    if (!missing) {
      missing = true;
      const p = o.current();
      stamp(
        `policy file ${file} was deleted (or its link points nowhere); the last good policy stays in force ` +
          `(${p.rules.length} rule(s), default ${p.default}) until it is back`,
      );
    }
    // Its directory may be gone too, and a watch on it with it: look every half second until it is back.
    poll ??= setInterval(() => schedule(0), 500);
    poll.unref();
  };

  const back = () => {
    missing = false;
    clearInterval(poll);
    poll = undefined;
    stamp(`policy file ${file} is back`);
    start(); // the directory may be a new one
  };

  const reload = async () => {
    timer = undefined;
    const mine = ++generation;
    let text: string;
    try {
      text = await readPolicyFile(file, o.home);
    } catch (err) {
      if (mine !== generation || closed) return;
      const problem = err instanceof PolicyFileError ? err.problem : "unreadable";
      if (problem === "missing") return gone();
      // Swapped between opening and checking: read again, but do not spin on a file that always moves.
      if (problem === "changed" && ++changedRetries <= 3) return retry(25);
      const verb = problem === "outside" ? "refused" : "failed";
      return refuse(
        `policy reload ${verb}, keeping the last good policy: ${(err as Error).message}`,
      );
    }
    if (mine !== generation || closed) return;
    missingRetried = false;
    changedRetries = 0;
    lastRefusal = "";
    if (missing) back();
    if (text === lastText) return;
    // An editor that truncates and then writes is caught in between: look once more before complaining.
    if (text.trim() === "" && !emptyRetried) {
      emptyRetried = true;
      return retry(100);
    }
    emptyRetried = false;
    lastText = text;
    try {
      const policy = compilePolicy(text, file);
      o.onPolicy(policy);
      stamp(
        `policy reloaded from ${file}: ${policy.rules.length} rule(s), default ${policy.default}`,
      );
    } catch (err) {
      stamp(`policy reload failed, keeping the last good policy: ${(err as Error).message}`);
    }
  };

  let watcher: FSWatcher | undefined;
  const start = () => {
    watcher?.close();
    watcher = undefined;
    try {
      watcher = watch(dir, { persistent: false }, (_event, name) => {
        if (name && name !== base && !anyName) return;
        schedule(25);
      });
      watcher.on("error", (err) => {
        // The directory went away under the watch: the poll in gone() takes over until it is back.
        watcher?.close();
        watcher = undefined;
        if ((err as NodeJS.ErrnoException).code === "ENOENT" || missing) return schedule(0);
        log(`policy watch stopped (${err.message}); restart governor serve to pick up edits`);
      });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return schedule(0);
      log(
        `cannot watch ${file} for changes (${(err as Error).message}); restart governor serve to pick up edits`,
      );
    }
  };
  start();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      clearInterval(poll);
      watcher?.close();
    },
  };
}
