import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import {
  pruneRecords,
  readRecords,
  recordFile,
  removeRecord,
  sha256,
  stateDir,
  stateDirProblem,
  STATE_DIR_ENV,
  writeRecord,
  type Manifest,
} from "./backup-record.js";
import { CliError } from "../cli-support/errors.js";
import { applyRestore, backupDirProblem, prepareRestore } from "./restore.js";

// Originals of every file init changes, under .governor/backup/<timestamp>/, with a manifest that also
// lists created files: what rollback and `governor init --undo` restore from. The same manifest goes
// into a record outside the project (backup-record.ts); undo acts only on a recorded backup.

export const BACKUP_ROOT = join(".governor", "backup");
// git never sees the backup, whatever the repository's own .gitignore says (a sub-package has none)
const IGNORE_ALL = "# governor init backups: never committed\n*\n";

export class Backup {
  readonly dir: string;
  private readonly name: string;
  private readonly realRoot: string;
  private readonly manifest: Manifest;
  private readonly seen = new Set<string>();
  private created = false;
  private seq = 0;

  constructor(private readonly root: string) {
    this.realRoot = realpathSync(root);
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    let name = stamp;
    for (let i = 1; existsSync(join(root, BACKUP_ROOT, name)); i++) name = `${stamp}-${i}`;
    this.name = name;
    this.dir = join(root, BACKUP_ROOT, name);
    this.manifest = { version: 1, createdAt: new Date().toISOString(), complete: false, files: [] };
  }

  /** Creates .governor/backup/<name> as real directories inside the project, never through a link. */
  private ensureDir(): void {
    if (this.created) return;
    const stateProblem = stateDirProblem(this.realRoot);
    if (stateProblem) {
      throw new CliError(
        "backup_unsafe",
        `Not writing anything: ${stateProblem}.`,
        `Set ${STATE_DIR_ENV} to a directory outside the project, then rerun governor init.`,
      );
    }
    let p = this.realRoot;
    for (const part of [".governor", "backup"]) {
      p = join(p, part);
      let st;
      try {
        st = lstatSync(p);
      } catch {
        mkdirSync(p);
        continue;
      }
      if (st.isSymbolicLink() || !st.isDirectory()) {
        const shown = part === "backup" ? ".governor/backup" : ".governor";
        throw new CliError(
          "backup_unsafe",
          `${shown} in ${this.root} is ${st.isSymbolicLink() ? "a symbolic link" : "not a directory"}; init keeps its backups only in a real directory inside the project, so it wrote nothing.`,
          `Check what ${shown} is and remove it (\`rm ${shown}\`), then rerun governor init.`,
        );
      }
    }
    mkdirSync(join(p, this.name));
    this.created = true;
    writeFileSync(join(p, this.name, ".gitignore"), IGNORE_ALL, { flag: "wx" });
    mkdirSync(join(p, this.name, "files"));
    this.seq = Math.max(0, ...readRecords(this.realRoot).map((r) => r.seq)) + 1;
    pruneRecords();
  }

  /** The record outside the tree first: a manifest in the tree without one is never trusted anyway. */
  private save(): void {
    this.ensureDir();
    try {
      writeRecord({
        version: 1,
        root: this.realRoot,
        backup: this.name,
        seq: this.seq,
        manifest: this.manifest,
      });
    } catch (e) {
      throw new CliError(
        "write_failed",
        `Could not record the backup in ${stateDir()} (${(e as Error).message}); undo needs that record.`,
        `Make that directory writable, or set ${STATE_DIR_ENV} to a writable directory, then rerun governor init.`,
        { cause: e },
      );
    }
    writeFileSync(
      join(this.realRoot, BACKUP_ROOT, this.name, "manifest.json"),
      JSON.stringify(this.manifest, null, 2) + "\n",
    );
  }

  /** Call before changing `path` (relative to the root): copies the original, or notes it as created. */
  record(path: string): void {
    if (this.seen.has(path)) return;
    this.seen.add(path);
    const abs = join(this.root, path);
    if (existsSync(abs)) {
      const bytes = readFileSync(abs);
      const mode = statSync(abs).mode & 0o7777;
      this.ensureDir();
      const copy = `files/${this.manifest.files.length}`;
      writeFileSync(join(this.realRoot, BACKUP_ROOT, this.name, copy), bytes, { flag: "wx" });
      this.manifest.files.push({ path, action: "update", copy, sha256: sha256(bytes), mode });
    } else {
      this.manifest.files.push({ path, action: "create" });
    }
    this.save();
  }

  /** Notes a file that appeared after the fact (a lockfile the install created). */
  recordCreated(path: string): void {
    if (this.seen.has(path)) return;
    this.seen.add(path);
    this.manifest.files.push({ path, action: "create" });
    this.save();
  }

  /** Call after writing `path`: remembers what init left there. */
  written(path: string): void {
    const entry = this.manifest.files.find((f) => f.path === path);
    const abs = join(this.root, path);
    if (entry && existsSync(abs)) {
      entry.after = sha256(readFileSync(abs));
      this.save();
    }
  }

  /** After the install: package managers may rewrite package.json and lockfiles; that is init's doing too. */
  rehashAll(): void {
    for (const entry of this.manifest.files) this.written(entry.path);
  }

  commit(): void {
    this.manifest.complete = true;
    this.save();
  }

  /** Puts every file back as it was and removes the backup (kept, with its record, if that fails). */
  rollback(): string[] {
    if (!this.created) return [];
    try {
      applyRestore(this.realRoot, prepareRestore(this.realRoot, this.dir, this.manifest).steps);
    } catch (e) {
      throw new CliError(
        "write_failed",
        `init stopped, and could not put every file back: ${(e as Error).message} The originals are kept in ${this.dir}.`,
        "Fix what that names, then run `governor init --undo`.",
        { cause: e },
      );
    }
    removeBackupDir(this.realRoot, this.name);
    removeRecord(this.realRoot, this.name);
    return this.manifest.files.map((f) => f.path);
  }

  get size(): number {
    return this.manifest.files.length;
  }
}

/** Removes one backup, and .governor/backup and .governor when that leaves them empty. */
function removeBackupDir(realRoot: string, name: string): void {
  if (backupDirProblem(realRoot, [".governor", "backup", name])) return;
  rmSync(join(realRoot, BACKUP_ROOT, name), { recursive: true, force: true });
  for (const d of [join(realRoot, BACKUP_ROOT), join(realRoot, ".governor")]) {
    try {
      if (!lstatSync(d).isSymbolicLink() && readdirSync(d).length === 0) rmdirSync(d);
    } catch {
      // another process wrote there: leave it
    }
  }
}

/** Backup directories in the tree, recorded or not. */
function backupsInTree(realRoot: string): string[] {
  if (backupDirProblem(realRoot, [".governor", "backup"])) return [];
  return readdirSync(join(realRoot, BACKUP_ROOT)).sort();
}

export interface UndoResult {
  backup: string;
  files: { path: string; action: "update" | "create" }[];
  /** Backups in the tree that init has no record of: never used. */
  ignored: string[];
  /** The tree's manifest.json no longer matched init's record (the record was used). */
  manifestChanged: boolean;
}

/**
 * `governor init --undo`: restores the newest run init recorded for this project, byte for byte, and
 * deletes the files it created. A killed run's backup is recorded as far as it got, so it counts too.
 */
export function undoLatest(root: string, force = false): UndoResult {
  let realRoot: string;
  try {
    realRoot = realpathSync(root);
  } catch {
    throw new CliError(
      "nothing_to_undo",
      `${root} does not exist.`,
      "Run --undo from the directory you ran governor init in (or pass the same --cwd).",
    );
  }
  const stateProblem = stateDirProblem(realRoot);
  if (stateProblem) {
    throw new CliError(
      "undo_unverified",
      `Not undoing anything: ${stateProblem}.`,
      `Unset ${STATE_DIR_ENV} (or point it outside the project) to use the records init wrote there, or restore the files from git.`,
    );
  }
  const records = readRecords(realRoot);
  const recorded = new Set(records.map((r) => r.backup));
  // names come from the repository: shown quoted when they are not plain, never raw to a terminal
  const ignored = backupsInTree(realRoot)
    .filter((n) => !recorded.has(n))
    .map((n) => (/^[\w.-]{1,100}$/.test(n) ? n : JSON.stringify(n)));
  const record = records[records.length - 1];
  if (!record) {
    if (ignored.length) {
      throw new CliError(
        "undo_unverified",
        `${ignored.length === 1 ? "The backup" : "The backups"} ${ignored.map((n) => join(BACKUP_ROOT, n)).join(", ")} in ${root} ${ignored.length === 1 ? "was" : "were"} not made by governor init for this project as this user (no record of ${ignored.length === 1 ? "it" : "them"} in ${stateDir()}), so undo will not use ${ignored.length === 1 ? "it" : "them"}: a repository can commit a backup that writes anywhere. Nothing was restored.`,
        `Restore your files from git instead (\`git status\`, then \`git restore <file>\`), and delete ${BACKUP_ROOT} if you did not make it. If you ran init as another user or with another ${STATE_DIR_ENV}, run --undo the same way.`,
      );
    }
    throw new CliError(
      "nothing_to_undo",
      `No governor init backup for ${root}.`,
      "Run --undo from the directory you ran governor init in (or pass the same --cwd).",
    );
  }

  const dir = join(realRoot, BACKUP_ROOT, record.backup);
  const where = backupDirProblem(realRoot, [".governor", "backup", record.backup]);
  if (where) {
    const gone = where.endsWith("is missing");
    throw new CliError(
      gone ? "undo_failed" : "undo_unsafe",
      `The backup of the last governor init (${join(BACKUP_ROOT, record.backup)}) cannot be used: ${where}. Nothing was restored.`,
      gone
        ? `Restore the files from git instead, then delete ${recordFile(realRoot, record.backup)} so undo moves on to older runs.`
        : "Put .governor back as a plain directory of the project (not a link), then rerun; or restore the files from git.",
    );
  }
  const { steps, edited } = prepareRestore(realRoot, dir, record.manifest);
  if (edited.length && !force) {
    throw new CliError(
      "undo_conflict",
      `These files changed after governor init wrote them: ${edited.join(", ")}. Undo would overwrite those edits; nothing was restored.`,
      "Commit or copy your edits first, then run `governor init --undo --allow-dirty` to restore anyway.",
    );
  }
  let manifestChanged = true;
  try {
    manifestChanged =
      sha256(readFileSync(join(dir, "manifest.json"))) !==
      sha256(JSON.stringify(record.manifest, null, 2) + "\n");
  } catch {
    // missing: the record is what counts
  }
  applyRestore(realRoot, steps);
  removeBackupDir(realRoot, record.backup);
  removeRecord(realRoot, record.backup);
  return {
    backup: dir,
    files: record.manifest.files.map(({ path, action }) => ({ path, action })),
    ignored,
    manifestChanged,
  };
}
