// Reloads the policy when its file changes. Watches the directory (editors save by rename), debounces,
// and keeps the last good policy when an edit does not validate.
import { lstatSync, watch, type FSWatcher } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parsePolicy, PolicyError, type Policy } from "./policy.js";

export interface PolicyWatcher {
  close(): void;
}

export function watchPolicy(
  file: string,
  initialText: string,
  onPolicy: (policy: Policy) => void,
  log: (line: string) => void,
): PolicyWatcher {
  const dir = path.dirname(path.resolve(file));
  const base = path.basename(file);
  let lastText = initialText;
  let timer: NodeJS.Timeout | undefined;
  let generation = 0;
  let emptyRetried = false;
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
    timer ??= setTimeout(reload, ms);
  };

  const reload = async () => {
    timer = undefined;
    const mine = ++generation;
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (err) {
      // Mid-rename the file can be briefly missing; the next event reloads it.
      if ((err as NodeJS.ErrnoException).code !== "ENOENT")
        stamp(`policy reload failed, keeping the last good policy: cannot read ${file} (${(err as Error).message})`);
      return;
    }
    if (mine !== generation || text === lastText) return;
    // An editor that truncates and then writes is caught in between: look once more before complaining.
    if (text.trim() === "" && !emptyRetried) {
      emptyRetried = true;
      clearTimeout(timer);
      timer = setTimeout(reload, 100);
      return;
    }
    emptyRetried = false;
    lastText = text;
    try {
      const policy = parsePolicy(text, file);
      onPolicy(policy);
      stamp(`policy reloaded from ${file}: ${policy.rules.length} rule(s), default ${policy.default}`);
    } catch (err) {
      const msg = err instanceof PolicyError ? err.message : String(err);
      stamp(`policy reload failed, keeping the last good policy: ${msg}`);
    }
  };

  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dir, { persistent: false }, (_event, name) => {
      if (name && name !== base && !anyName) return;
      schedule(25);
    });
    watcher.on("error", (err) => log(`policy watch stopped (${err.message}); restart governor serve to pick up edits`));
  } catch (err) {
    log(`cannot watch ${file} for changes (${(err as Error).message}); restart governor serve to pick up edits`);
  }
  return {
    close() {
      clearTimeout(timer);
      watcher?.close();
    },
  };
}
