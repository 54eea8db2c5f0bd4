import {
  closeSync,
  constants,
  fchmodSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  statSync,
  unlinkSync,
  writeSync,
  type Stats,
} from "node:fs";
import { dirname, isAbsolute, join, posix, relative, resolve, sep, win32 } from "node:path";
import { LOCKFILE_NAMES } from "../detectors/package-manager.js";
import { sha256, type Manifest, type ManifestEntry } from "./backup-record.js";
import { CliError } from "../cli-support/errors.js";

// Putting files back (undo and rollback) only inside the project: every path is checked, then resolved
// through the real file system, before anything is written. All or nothing.

// A workspace member's lockfile lives at the workspace root, above the run root: the one way up.
const LOCKFILE_ABOVE = new RegExp(
  `^(?:\\.\\./)+(?:${LOCKFILE_NAMES.map((n) => n.replace(/\./g, "\\.")).join("|")})$`,
);
const COPY = /^files\/\d{1,6}$/;
// init never writes there, and a restore landing there (through an in-project link) could run code
const FORBIDDEN = new Set([".git", ".governor"]);

export interface RestoreStep {
  path: string;
  action: "update" | "create";
  /** Where the bytes go: a real path inside the project (through an in-project link, its target). */
  writeTo: string;
  /** What is there now (the link itself for a link), null when nothing is. */
  present: string | null;
  bytes?: Buffer;
  mode?: number;
}

/** Why a manifest path is not one init could have written, or null. */
export function pathProblem(path: unknown): string | null {
  if (typeof path !== "string" || path === "" || path.length > 4096) return "is not a file path";
  if (path.includes("\0")) return "contains a NUL byte";
  if (path.includes("\\")) return "contains a backslash";
  if (posix.isAbsolute(path) || win32.isAbsolute(path) || /^[A-Za-z]:/.test(path))
    return "is an absolute path";
  if (LOCKFILE_ABOVE.test(path)) return null;
  if (path.split("/").some((s) => s === "" || s === "." || s === "..")) return "leaves the project";
  return null;
}

const inside = (real: string, base: string) => {
  const r = relative(base, real);
  return r === "" || (r !== ".." && !r.startsWith(`..${sep}`) && !isAbsolute(r));
};

function lstatOrNull(p: string): Stats | null {
  try {
    return lstatSync(p);
  } catch {
    return null;
  }
}

/** Where `path` really is, or why undo must not touch it. */
function locate(
  realRoot: string,
  path: string,
): { writeTo: string; present: string | null } | string {
  const boundary = LOCKFILE_ABOVE.test(path) ? resolve(realRoot, dirname(path)) : realRoot;
  const abs = resolve(realRoot, path);
  let dir = dirname(abs);
  while (!lstatOrNull(dir) && dir !== dirname(dir)) dir = dirname(dir);
  let realDir: string;
  try {
    realDir = realpathSync(dir);
  } catch {
    return `${path}: ${dir} cannot be resolved`;
  }
  const shown = relative(realRoot, dir).split(sep).join("/") || ".";
  if (!inside(realDir, boundary))
    return `${path}: ${shown}/ is a link to ${realDir}, outside the project`;
  if (!statSync(realDir).isDirectory()) return `${path}: ${shown} is not a directory`;
  const here = join(realDir, relative(dir, abs));
  const st = lstatOrNull(here);
  let writeTo = here;
  if (st?.isSymbolicLink()) {
    try {
      writeTo = realpathSync(here);
    } catch {
      return `${path} is a symbolic link to nothing`;
    }
    if (!inside(writeTo, boundary))
      return `${path} is a symbolic link to ${writeTo}, outside the project`;
  }
  if (st && !statSync(writeTo).isFile()) return `${path} is not a regular file`;
  if (
    relative(boundary, writeTo)
      .split(sep)
      .some((s) => FORBIDDEN.has(s.toLowerCase()))
  )
    return `${path} leads into ${relative(boundary, writeTo)}`;
  return { writeTo, present: st ? here : null };
}

function unsafe(problems: string[]): CliError {
  const shown =
    problems.slice(0, 5).join("; ") +
    (problems.length > 5 ? `; and ${problems.length - 5} more` : "");
  return new CliError(
    "undo_unsafe",
    `Refusing to restore: ${shown}. Undo writes only inside the project and never through a link that leaves it; nothing was restored.`,
    "Put those paths back as plain files and directories inside the project (a checkout or pull can replace a directory with a link), then rerun; or restore the files from git.",
  );
}

/** The backup's copy of `entry`, exactly as init saved it. */
function readCopy(dir: string, entry: ManifestEntry): Buffer | string {
  if (typeof entry.copy !== "string" || !COPY.test(entry.copy))
    return `the copy of ${entry.path} is not in the backup (${JSON.stringify(entry.copy)})`;
  const files = lstatOrNull(join(dir, "files"));
  const copy = join(dir, entry.copy);
  const st = lstatOrNull(copy);
  if (!files?.isDirectory() || !st?.isFile())
    return `the copy of ${entry.path} (${entry.copy}) is missing or not a plain file`;
  const bytes = readFileSync(copy);
  if (typeof entry.sha256 !== "string" || sha256(bytes) !== entry.sha256)
    return `the copy of ${entry.path} (${entry.copy}) changed after init saved it`;
  return bytes;
}

/**
 * Checks every entry and reads every copy; throws before anything is written. `edited` gets the files
 * whose bytes differ from what init left there.
 */
export function prepareRestore(
  realRoot: string,
  dir: string,
  manifest: Manifest,
): { steps: RestoreStep[]; edited: string[] } {
  const badPaths = manifest.files
    .map((f) =>
      pathProblem(f?.path) ? `${JSON.stringify(f?.path)} ${pathProblem(f?.path)}` : null,
    )
    .filter((p): p is string => !!p);
  const badActions = manifest.files
    .filter((f) => f?.action !== "update" && f?.action !== "create")
    .map((f) => `${JSON.stringify(f?.path)} has no known action`);
  if (badPaths.length || badActions.length) throw unsafe([...badPaths, ...badActions]);

  const copies = new Map<ManifestEntry, Buffer>();
  const unverified: string[] = [];
  for (const f of manifest.files) {
    if (f.action !== "update") continue;
    const c = readCopy(dir, f);
    if (typeof c === "string") unverified.push(c);
    else copies.set(f, c);
  }
  if (unverified.length) {
    throw new CliError(
      "undo_unverified",
      `The backup in ${dir} is not the one init made: ${unverified.slice(0, 5).join("; ")}. Nothing was restored.`,
      "Restore the files from git instead (`git status`, then `git restore <file>`).",
    );
  }

  const problems: string[] = [];
  const steps: RestoreStep[] = [];
  const edited: string[] = [];
  for (const f of [...manifest.files].reverse()) {
    const where = locate(realRoot, f.path);
    if (typeof where === "string") {
      problems.push(where);
      continue;
    }
    if (f.after && where.present && sha256(readFileSync(where.writeTo)) !== f.after)
      edited.push(f.path);
    const mode = Number.isInteger(f.mode) ? (f.mode as number) & 0o7777 : undefined;
    steps.push({ path: f.path, action: f.action, ...where, bytes: copies.get(f), mode });
  }
  if (problems.length) throw unsafe(problems);
  return { steps, edited: edited.reverse() };
}

const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;

/** Writes the originals back and deletes what init created. Each target is checked again just before. */
export function applyRestore(realRoot: string, steps: RestoreStep[]): void {
  for (const step of steps) {
    const where = locate(realRoot, step.path);
    if (typeof where === "string" || where.writeTo !== step.writeTo)
      throw unsafe([typeof where === "string" ? where : `${step.path} changed during undo`]);
    if (step.action === "create") {
      if (where.present) unlinkSync(where.present);
      continue;
    }
    mkdirSync(dirname(step.writeTo), { recursive: true });
    const fd = openSync(
      step.writeTo,
      constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | O_NOFOLLOW,
      step.mode ?? 0o666,
    );
    try {
      const bytes = step.bytes as Buffer;
      for (let off = 0; off < bytes.length;) off += writeSync(fd, bytes, off, bytes.length - off);
      if (step.mode !== undefined) fchmodSync(fd, step.mode);
    } finally {
      closeSync(fd);
    }
  }
}

/** Checks that .governor/backup/<name> is a real directory of the project, not reached through a link. */
export function backupDirProblem(realRoot: string, parts: string[]): string | null {
  let p = realRoot;
  for (const part of parts) {
    p = join(p, part);
    const st = lstatOrNull(p);
    const shown = relative(realRoot, p).split(sep).join("/");
    if (!st) return `${shown} is missing`;
    if (st.isSymbolicLink()) return `${shown} is a symbolic link`;
    if (!st.isDirectory()) return `${shown} is not a directory`;
  }
  return null;
}
