import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { homedir } from "node:os";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";

// Which backups init made, kept outside the project where a repository cannot write. Undo trusts a
// backup only through its record here (paths, copies' hashes), never through what the tree says.

export const STATE_DIR_ENV = "GOVERNOR_STATE_DIR";

export interface ManifestEntry {
  /** Relative to the run root, posix. */
  path: string;
  action: "update" | "create";
  /** Copy of the original, relative to the backup directory (updates only). */
  copy?: string;
  /** sha256 of the original (updates only): the copy must still hold exactly these bytes. */
  sha256?: string;
  /** The original's permission bits (updates only). */
  mode?: number;
  /** sha256 of what init left in the file, so undo never overwrites later edits unannounced. */
  after?: string;
}

export interface Manifest {
  version: 1;
  createdAt: string;
  complete: boolean;
  files: ManifestEntry[];
}

export interface BackupRecord {
  version: 1;
  /** Real path of the project. */
  root: string;
  /** Directory name under .governor/backup. */
  backup: string;
  /** Order of the runs for this project (a clock can go backwards). */
  seq: number;
  manifest: Manifest;
}

export const BACKUP_NAME = /^[0-9A-Za-z][0-9A-Za-z_-]{0,99}$/;

export const sha256 = (bytes: Buffer | string) => createHash("sha256").update(bytes).digest("hex");

/** $GOVERNOR_STATE_DIR, else the platform's per-user state directory. */
export function stateDir(): string {
  const env = process.env[STATE_DIR_ENV];
  if (env) return resolve(env);
  if (process.platform === "win32" && process.env.LOCALAPPDATA)
    return join(process.env.LOCALAPPDATA, "governor", "state");
  // the XDG spec says to ignore a relative XDG_STATE_HOME
  const xdg = process.env.XDG_STATE_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, "governor");
  return join(homedir(), ".local", "state", "governor");
}

/**
 * Why records cannot be kept where stateDir() points, or null: inside the project, a repository could
 * commit records of its own.
 */
export function stateDirProblem(realRoot: string): string | null {
  let dir = stateDir();
  let rest = "";
  while (!existsSync(dir) && dirname(dir) !== dir) {
    rest = join(basename(dir), rest);
    dir = dirname(dir);
  }
  let real: string;
  try {
    real = join(realpathSync(dir), rest);
  } catch {
    return null;
  }
  const r = relative(realRoot, real);
  const inside = r === "" || (r !== ".." && !r.startsWith(`..${sep}`) && !isAbsolute(r));
  return inside
    ? `the state directory ${stateDir()} is inside the project, where a repository could write records of its own`
    : null;
}

const recordsRoot = () => join(stateDir(), "backups");
const projectDir = (realRoot: string) => join(recordsRoot(), sha256(realRoot).slice(0, 32));
export const recordFile = (realRoot: string, name: string) =>
  join(projectDir(realRoot), `${name}.json`);

function parse(file: string): BackupRecord | null {
  try {
    const r = JSON.parse(readFileSync(file, "utf8")) as BackupRecord;
    const ok =
      r &&
      r.version === 1 &&
      typeof r.root === "string" &&
      typeof r.backup === "string" &&
      BACKUP_NAME.test(r.backup);
    return ok && Number.isSafeInteger(r.seq) && r.manifest && Array.isArray(r.manifest.files)
      ? r
      : null;
  } catch {
    return null;
  }
}

/** This project's records, oldest run first. */
export function readRecords(realRoot: string): BackupRecord[] {
  const dir = projectDir(realRoot);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => n.endsWith(".json"))
    .map((n) => ({ n, r: parse(join(dir, n)) }))
    .filter(({ n, r }) => r !== null && r.root === realRoot && `${r.backup}.json` === n)
    .map(({ r }) => r as BackupRecord)
    .sort((a, b) => a.seq - b.seq || (a.backup < b.backup ? -1 : 1));
}

/** Written whole and renamed into place, so a crash leaves the previous record, never half of one. */
export function writeRecord(record: BackupRecord): void {
  const file = recordFile(record.root, record.backup);
  mkdirSync(projectDir(record.root), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(record, null, 2) + "\n", { mode: 0o600 });
  renameSync(tmp, file);
}

export function removeRecord(realRoot: string, name: string): void {
  rmSync(recordFile(realRoot, name), { force: true });
  try {
    rmdirSync(projectDir(realRoot));
  } catch {
    // other records remain
  }
}

/** Drops the records of projects that are gone, so the state directory does not grow forever. */
export function pruneRecords(): void {
  const base = recordsRoot();
  if (!existsSync(base)) return;
  for (const key of readdirSync(base)) {
    const dir = join(base, key);
    try {
      const first = readdirSync(dir).find((n) => n.endsWith(".json"));
      const record = first ? parse(join(dir, first)) : null;
      if (record && !existsSync(record.root)) rmSync(dir, { recursive: true, force: true });
    } catch {
      // unreadable: not ours to judge
    }
  }
}
