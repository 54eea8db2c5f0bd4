import { existsSync, lstatSync, readFileSync, readlinkSync, realpathSync } from "node:fs";
import { dirname, isAbsolute, join, relative, sep } from "node:path";
import { decodeUtf8 } from "../detectors/files.js";
import { LOCKFILE_NAMES } from "../detectors/package-manager.js";
import { BACKUP_ROOT } from "./backup.js";
import { CliError } from "../cli-support/errors.js";
import type { InstallStep } from "./install.js";
import type { PlannedFile } from "./plan.js";

// Before init writes a file: where the write lands (never outside the project) and which bytes keep
// everything init did not edit as it was. Read only; the writer and the preflight share it.

/** A file init will not write, and why: it would land outside the project, or lose bytes. */
export interface RefusedWrite {
  /** Relative to the run root, posix. */
  path: string;
  why: "link-outside" | "link-internal" | "link-broken" | "not-utf8" | "same-file";
  /** Where a link leads (its real path, or the link text when it leads nowhere). */
  target?: string;
  reason: string;
  fix: string;
}

const isInside = (base: string, abs: string) => {
  const r = relative(base, abs);
  return r === "" || (!r.startsWith("..") && !isAbsolute(r));
};

export function refusal(path: string, why: RefusedWrite["why"], target?: string): RefusedWrite {
  const q = JSON.stringify(path);
  switch (why) {
    case "link-outside":
      return {
        path,
        why,
        target,
        reason: `leads out of the project (to ${target}) through a symbolic link; init never writes outside the directory it runs in`,
        fix: `replace the link with a copy of what it points to (\`cp --remove-destination "$(readlink -f ${q})" ${q}\`), or run governor init where that file lives`,
      };
    case "link-internal":
      return {
        path,
        why,
        target,
        reason: `is a symbolic link into ${target}; init never writes into .git or .governor (nor could --undo put it back)`,
        fix: `replace the link with a copy of what it points to (\`cp --remove-destination "$(readlink -f ${q})" ${q}\`), or remove it`,
      };
    case "link-broken":
      return {
        path,
        why,
        target,
        reason: `is a symbolic link to ${target}, which does not exist; writing it would create that file`,
        fix: `remove the link (\`rm ${q}\`) or point it at a file inside the project`,
      };
    case "not-utf8":
      return {
        path,
        why,
        reason:
          "is not UTF-8 text, and init would have to re-encode it to edit it (every other byte must stay as it is)",
        fix: `convert it to UTF-8 (\`iconv -f latin1 -t utf-8 ${q} > ${q}.utf8 && mv ${q}.utf8 ${q}\`) and rerun`,
      };
    case "same-file":
      return {
        path,
        why,
        target,
        reason: `is the same file as ${target} (a link to it), which init also edits`,
        fix: `replace one of the two names with a copy, or --exclude one`,
      };
  }
}

// git's own files and init's backups: a link into them is never written through (a hook or config
// file would be changed, and undo refuses to restore there)
const INTERNAL = new Set([".git", ".governor"]);

/** Where a write to `abs` lands: its real path inside the project (a link that stays inside is
 *  written through), or why not. A file that does not exist yet is judged by the directory it goes in. */
export function resolveTarget(
  realRoot: string,
  path: string,
  abs: string,
  internal = false,
): { real: string } | RefusedWrite {
  let link = false;
  try {
    link = lstatSync(abs).isSymbolicLink();
  } catch {
    // does not exist yet
  }
  let real: string;
  try {
    real = realpathSync(abs);
  } catch {
    if (link) {
      let to = "?";
      try {
        to = readlinkSync(abs);
      } catch {
        // gone meanwhile: still a refusal
      }
      return refusal(path, "link-broken", to);
    }
    let dir = dirname(abs);
    while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
    real = join(realpathSync(dir), relative(dir, abs));
  }
  if (!isInside(realRoot, real)) return refusal(path, "link-outside", real);
  const rel = relative(realRoot, real);
  if (!internal && rel.split(sep).some((s) => INTERNAL.has(s.toLowerCase())))
    return refusal(path, "link-internal", rel.split(sep).join("/"));
  return { real };
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * The bytes to write so that only init's edit changes: a BOM the text was read without goes back on;
 * a file that is not UTF-8 can only be appended to (its bytes kept, the new text after them).
 * null when the file no longer holds `before`; "not-utf8" when keeping its bytes is impossible.
 */
export function bytesFor(
  disk: Buffer | null,
  before: string | null,
  after: string,
): Buffer | null | "not-utf8" {
  if (disk === null || before === null)
    return disk === null && before === null ? Buffer.from(after) : null;
  const decoded = decodeUtf8(disk);
  if (decoded) {
    if (decoded.text === before)
      return decoded.bom ? Buffer.concat([BOM, Buffer.from(after)]) : Buffer.from(after);
    // read with the BOM kept as text (.gitignore, env template): it is in `after` too
    if (decoded.bom && "\uFEFF" + decoded.text === before) return Buffer.from(after);
    return null;
  }
  const lossy = disk.toString("utf8");
  if (lossy !== before && lossy.replace(/^\uFEFF/, "") !== before) return null;
  if (!after.startsWith(lossy)) return "not-utf8";
  return Buffer.concat([disk, Buffer.from(after.slice(lossy.length))]);
}

export const realRootOf = (root: string) => {
  try {
    return realpathSync(root);
  } catch {
    return root;
  }
};

/**
 * Every file of `files` init would change but must not write: a link out of the project (or a
 * directory on its way that is one), a dangling link, a file it cannot edit without re-encoding, a
 * second name for a file already written; and the backup directory when it leads out. Checked
 * before anything is written, so a refusal leaves the project as it was.
 */
export function refusedWrites(
  root: string,
  files: PlannedFile[],
  install: InstallStep | null = null,
): RefusedWrite[] {
  const realRoot = realRootOf(root);
  const out: RefusedWrite[] = [];
  const seen = new Map<string, string>();
  const backup = resolveTarget(realRoot, ".governor", join(root, BACKUP_ROOT), true);
  if (!("real" in backup)) out.push(backup);
  // the package manager rewrites its lockfile where it runs (a workspace root may sit above `root`)
  if (install) {
    const realCwd = realRootOf(install.cwd);
    for (const name of LOCKFILE_NAMES) {
      const abs = join(install.cwd, name);
      const lock = resolveTarget(realCwd, relative(root, abs).split(sep).join("/"), abs);
      if (!("real" in lock)) out.push(lock);
    }
  }
  for (const file of files) {
    if (file.before === file.after) continue;
    const target = resolveTarget(realRoot, file.path, file.abs);
    if (!("real" in target)) {
      out.push(target);
      continue;
    }
    const other = seen.get(target.real);
    if (other !== undefined) {
      out.push(refusal(file.path, "same-file", other));
      continue;
    }
    seen.set(target.real, file.path);
    const disk = existsSync(target.real) ? readFileSync(target.real) : null;
    if (bytesFor(disk, file.before, file.after) === "not-utf8")
      out.push(refusal(file.path, "not-utf8"));
  }
  return out;
}

export function refusedError(refused: RefusedWrite[]): CliError {
  const lines = refused.map((r) => `${r.path} ${r.reason}`);
  return new CliError(
    "write_refused",
    `init will not write ${refused.length === 1 ? "this file" : `these ${refused.length} files`}:\n  ${lines.join("\n  ")}\nNothing was written.`,
    refused.map((r) => `${r.path}: ${r.fix}`).join("\n     "),
  );
}
