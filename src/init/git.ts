import { execa } from "execa";

// Uncommitted changes under `dir`, so init never mixes its edits into work the user has not saved.
// null when `dir` is not inside a git work tree (or git is missing): nothing to protect there.
export async function uncommittedChanges(dir: string): Promise<string[] | null> {
  const inside = await execa("git", ["rev-parse", "--is-inside-work-tree"], { cwd: dir, reject: false, stdin: "ignore" });
  if (inside.exitCode !== 0 || inside.stdout.trim() !== "true") return null;
  const status = await execa("git", ["status", "--porcelain", "--untracked-files=all", "--", "."], {
    cwd: dir,
    reject: false,
    stdin: "ignore",
  });
  if (status.exitCode !== 0) return null;
  return status.stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => line.slice(3))
    // our own backups are not the user's work
    .filter((path) => !/(^|\/)\.governor\//.test(path));
}
