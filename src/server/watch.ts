// Reloads the policy when its file changes. Watches the directory (editors save by rename), debounces,
// and keeps the last good policy when an edit does not validate.
import { watch, type FSWatcher } from "node:fs";
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

  const reload = async () => {
    const mine = ++generation;
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (err) {
      // Mid-rename the file can be briefly missing; the next event reloads it.
      if ((err as NodeJS.ErrnoException).code !== "ENOENT")
        log(`policy reload failed, keeping the last good policy: cannot read ${file} (${(err as Error).message})`);
      return;
    }
    if (mine !== generation || text === lastText) return;
    lastText = text;
    try {
      const policy = parsePolicy(text, file);
      onPolicy(policy);
      log(`policy reloaded from ${file}: ${policy.rules.length} rule(s), default ${policy.default}`);
    } catch (err) {
      const msg = err instanceof PolicyError ? err.message : String(err);
      log(`policy reload failed, keeping the last good policy: ${msg}`);
    }
  };

  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dir, { persistent: false }, (_event, name) => {
      if (name && name !== base) return;
      clearTimeout(timer);
      timer = setTimeout(reload, 25);
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
