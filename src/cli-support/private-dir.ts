import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * `$TMPDIR/<name>-<uid>`, made 0700; null unless it is ours alone: what it holds is run (compiled
 * code) or trusted (analysis answers), so a directory others can write to must not supply it.
 */
export function privateTmpDir(name: string): string | null {
  const uid = process.getuid?.();
  const dir = path.join(os.tmpdir(), `${name}-${uid ?? "user"}`);
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = fs.lstatSync(dir);
    if (!st.isDirectory() || (uid !== undefined && (st.uid !== uid || (st.mode & 0o077) !== 0)))
      return null;
    return dir;
  } catch {
    return null;
  }
}
