import { CliError } from "../cli-support/errors.js";

// Uncommitted changes under `dir`, so init never mixes its edits into work the user has not saved.
// null when `dir` is not inside a git work tree (or git is missing): nothing to protect there.
export async function uncommittedChanges(dir: string): Promise<string[] | null> {
  const { execa } = await import("execa"); // loaded when a child process runs
  const inside = await execa("git", ["rev-parse", "--is-inside-work-tree"], {
    cwd: dir,
    reject: false,
    stdin: "ignore",
  });
  if (inside.exitCode !== 0 || inside.stdout.trim() !== "true") return null;
  // "normal": an untracked directory is one line (`node_modules/`), not one per file in it
  const status = await execa(
    "git",
    ["status", "--porcelain", "--untracked-files=normal", "--", "."],
    {
      cwd: dir,
      reject: false,
      stdin: "ignore",
    },
  );
  if (status.exitCode !== 0) return null;
  return (
    status.stdout
      .split("\n")
      .filter(Boolean)
      .map((line) => line.slice(3))
      // our own backups are not the user's work
      .filter((path) => !/(^|\/)\.governor(\/|$)/.test(path))
  );
}

const SHOWN = 10;
const NODE_MODULES = /(^|\/)node_modules(\/|$)/;

/** The dirty-tree refusal: installed dependencies that no .gitignore lists are named once, with the
 *  one-line fix; other paths are listed up to a few, with how many more. */
export function dirtyTreeError(dirty: string[]): CliError {
  const modules = dirty.filter((p) => NODE_MODULES.test(p));
  const rest = dirty.filter((p) => !NODE_MODULES.test(p));
  const parts: string[] = [];
  if (modules.length) {
    const where = [
      ...new Set(
        modules.map((p) => {
          const m = NODE_MODULES.exec(p)!;
          return p.slice(0, m.index + m[1].length) + "node_modules";
        }),
      ),
    ];
    parts.push(
      `${where.join(", ")} ${where.length === 1 ? "is" : "are"} untracked: no .gitignore lists node_modules, so git counts your installed dependencies as new files`,
    );
  }
  if (rest.length) {
    const shown =
      rest.slice(0, SHOWN).join(", ") +
      (rest.length > SHOWN ? `, and ${rest.length - SHOWN} more (\`git status\` lists them)` : "");
    parts.push(`uncommitted changes: ${shown}`);
  }
  const fixes: string[] = [];
  if (modules.length)
    fixes.push(
      "Ignore installed dependencies: `echo node_modules >> .gitignore` (then commit the .gitignore).",
    );
  fixes.push(
    rest.length || !modules.length
      ? "Commit or stash your changes first, or rerun with --allow-dirty to proceed anyway."
      : "Then rerun governor init, or rerun with --allow-dirty to proceed anyway.",
  );
  return new CliError(
    "dirty_tree",
    `The git working tree is not clean (${parts.join("; ")}). init refuses so its edits stay easy to review and revert.`,
    fixes.join(" "),
  );
}
