// init records each backup outside the project (the state directory undo trusts): keep the suite's
// records in a temporary directory instead of the user's ~/.local/state/governor.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), "governor-state-"));
  process.env.GOVERNOR_STATE_DIR ??= dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
