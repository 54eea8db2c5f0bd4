import { closeSync, constants, existsSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { createRequire } from "node:module";
import { LOCKFILE_NAMES } from "../detectors/package-manager.js";
import type { Backup } from "./backup.js";
import { CliError } from "../cli-support/errors.js";
import { displayCommand, runInstall, type InstallStep } from "./install.js";
import type { PlannedFile } from "./plan.js";
import { bytesFor, realRootOf, refusal, refusedError, resolveTarget } from "./write-checks.js";

// The one place init writes: files and the install. A dry run takes the same calls and prints
// unified diffs and the install command instead.

export interface Writer {
  readonly dryRun: boolean;
  writeFile(file: PlannedFile): void;
  install(step: InstallStep): Promise<void>;
}

// diff loads on the first diff asked for: a --json plan prints none
let diff: typeof import("diff") | undefined;
const diffModule = () => (diff ??= createRequire(import.meta.url)("diff") as typeof import("diff"));

export function unifiedDiff(file: PlannedFile): string {
  return diffModule().createTwoFilesPatch(
    file.before === null ? "/dev/null" : `a/${file.path}`,
    `b/${file.path}`,
    file.before ?? "",
    file.after,
    undefined,
    undefined,
    { context: 3 },
  );
}

/** `print` null: nothing is shown (a --json run), so no diff is computed either. */
export function dryRunWriter(print: ((text: string) => void) | null): Writer {
  return {
    dryRun: true,
    writeFile(file) {
      if (print && file.before !== file.after) print(unifiedDiff(file));
    },
    async install(step) {
      print?.(`would run: ${displayCommand(step)}  (in ${step.cwd})\n`);
    },
  };
}

// the last step of the path is checked again as it is opened: a link swapped in meanwhile fails the write
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;

export function diskWriter(root: string, backup: Backup): Writer {
  const realRoot = realRootOf(root);
  const written = new Map<string, string>();
  return {
    dryRun: false,
    writeFile(file) {
      if (file.before === file.after) return;
      const target = resolveTarget(realRoot, file.path, file.abs);
      if (!("real" in target)) throw refusedError([target]);
      const other = written.get(target.real);
      if (other !== undefined) throw refusedError([refusal(file.path, "same-file", other)]);
      const disk = existsSync(target.real) ? readFileSync(target.real) : null;
      const bytes = bytesFor(disk, file.before, file.after);
      if (bytes === "not-utf8") throw refusedError([refusal(file.path, "not-utf8")]);
      if (bytes === null) {
        throw new CliError(
          "file_changed",
          `${file.path} changed on disk while init was running; nothing of it was overwritten.`,
          "Rerun governor init.",
        );
      }
      // backed up and undone by its real path: undo never has to follow the link
      const rel = relative(realRoot, target.real).split(sep).join("/");
      backup.record(rel);
      const fd = openSync(
        target.real,
        constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | NOFOLLOW,
        0o666,
      );
      try {
        writeFileSync(fd, bytes);
      } finally {
        closeSync(fd);
      }
      written.set(target.real, file.path);
      backup.written(rel);
    },
    async install(step) {
      // a workspace member's lockfile lives at the workspace root, above the run root: still backed up
      const rel = (name: string) => relative(root, join(step.cwd, name)).split(sep).join("/");
      const before = new Set(LOCKFILE_NAMES.filter((n) => existsSync(join(step.cwd, n))));
      for (const name of before) {
        backup.record(rel(name));
      }
      try {
        await runInstall(step);
      } finally {
        for (const name of LOCKFILE_NAMES) {
          if (!before.has(name) && existsSync(join(step.cwd, name)))
            backup.recordCreated(rel(name));
        }
        backup.rehashAll();
        backup.commit();
      }
    },
  };
}
