import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { InitError } from "./errors.js";

// Originals of every file init changes, under .governor/backup/<timestamp>/, with a manifest that also
// lists created files: what rollback and `governor init --undo` restore from.

export const BACKUP_ROOT = join(".governor", "backup");

interface ManifestEntry {
  /** Relative to the run root, posix. */
  path: string;
  action: "update" | "create";
  /** Copy of the original, relative to the backup directory (updates only). */
  copy?: string;
  /** sha256 of what init left in the file, so undo never overwrites later edits unannounced. */
  after?: string;
}

interface Manifest {
  version: 1;
  createdAt: string;
  complete: boolean;
  files: ManifestEntry[];
}

export class Backup {
  readonly dir: string;
  private readonly manifest: Manifest;
  private readonly seen = new Set<string>();

  constructor(private readonly root: string) {
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    let dir = join(root, BACKUP_ROOT, stamp);
    for (let i = 1; existsSync(dir); i++) dir = join(root, BACKUP_ROOT, `${stamp}-${i}`);
    this.dir = dir;
    this.manifest = { version: 1, createdAt: new Date().toISOString(), complete: false, files: [] };
  }

  private save(): void {
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(join(this.dir, "manifest.json"), JSON.stringify(this.manifest, null, 2) + "\n");
  }

  /** Call before changing `path` (relative to the root): copies the original, or notes it as created. */
  record(path: string): void {
    if (this.seen.has(path)) return;
    this.seen.add(path);
    const abs = join(this.root, path);
    if (existsSync(abs)) {
      const copy = `files/${this.manifest.files.length}`;
      mkdirSync(join(this.dir, "files"), { recursive: true });
      copyFileSync(abs, join(this.dir, copy));
      this.manifest.files.push({ path, action: "update", copy });
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
    if (entry && existsSync(abs)) entry.after = sha256(readFileSync(abs));
  }

  /** After the install: package managers may rewrite package.json and lockfiles; that is init's doing too. */
  rehashAll(): void {
    for (const entry of this.manifest.files) this.written(entry.path);
  }

  commit(): void {
    this.manifest.complete = true;
    this.save();
  }

  /** Puts every file back as it was and removes the backup. */
  rollback(): string[] {
    const restored = restore(this.root, this.dir, this.manifest);
    removeBackupDir(this.root, this.dir);
    return restored;
  }

  get size(): number {
    return this.manifest.files.length;
  }
}

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/** Files edited after init wrote them: restoring those would lose the user's later work. */
function editedSince(root: string, manifest: Manifest): string[] {
  return manifest.files
    .filter((f) => {
      if (!f.after) return false;
      const abs = join(root, f.path);
      return existsSync(abs) && sha256(readFileSync(abs)) !== f.after;
    })
    .map((f) => f.path);
}

function restore(root: string, dir: string, manifest: Manifest): string[] {
  const restored: string[] = [];
  for (const entry of [...manifest.files].reverse()) {
    const abs = join(root, entry.path);
    if (entry.action === "update" && entry.copy) {
      mkdirSync(dirname(abs), { recursive: true });
      copyFileSync(join(dir, entry.copy), abs);
    } else if (entry.action === "create") {
      rmSync(abs, { force: true });
    }
    restored.push(entry.path);
  }
  return restored.reverse();
}

/** Removes one backup, and .governor/backup and .governor when that leaves them empty. */
function removeBackupDir(root: string, dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  for (const d of [join(root, BACKUP_ROOT), join(root, ".governor")]) {
    try {
      if (existsSync(d) && readdirSync(d).length === 0) rmdirSync(d);
    } catch {
      // another process wrote there: leave it
    }
  }
}

/**
 * The newest backup under `root`, or null. An incomplete one (init was killed mid-way) still holds
 * the original of every file touched so far, so it counts too.
 */
export function latestBackup(root: string): string | null {
  const base = join(root, BACKUP_ROOT);
  if (!existsSync(base)) return null;
  const dirs = readdirSync(base).sort().reverse();
  for (const name of dirs) {
    const file = join(base, name, "manifest.json");
    if (!existsSync(file)) continue;
    try {
      const m = JSON.parse(readFileSync(file, "utf8")) as Manifest;
      if (Array.isArray(m.files)) return join(base, name);
    } catch {
      continue;
    }
  }
  return null;
}

/** `governor init --undo`: restores the last run byte for byte and deletes the files it created. */
export function undoLatest(root: string, force = false): { backup: string; files: { path: string; action: "update" | "create" }[] } {
  const dir = latestBackup(root);
  if (!dir) {
    throw new InitError(
      "nothing_to_undo",
      `No governor init backup under ${join(root, BACKUP_ROOT)}.`,
      "Run --undo from the directory you ran governor init in (or pass the same --cwd).",
    );
  }
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as Manifest;
  } catch (e) {
    throw new InitError("undo_failed", `The backup manifest in ${dir} is unreadable (${(e as Error).message}).`, "Restore the files from git instead.");
  }
  for (const entry of manifest.files) {
    if (entry.action === "update" && (!entry.copy || !existsSync(join(dir, entry.copy)))) {
      throw new InitError("undo_failed", `The backup copy of ${entry.path} is missing from ${dir}; nothing was restored.`, "Restore the files from git instead.");
    }
  }
  const edited = force ? [] : editedSince(root, manifest);
  if (edited.length) {
    throw new InitError(
      "undo_conflict",
      `These files changed after governor init wrote them: ${edited.join(", ")}. Undo would overwrite those edits; nothing was restored.`,
      "Commit or copy your edits first, then run `governor init --undo --allow-dirty` to restore anyway.",
    );
  }
  restore(root, dir, manifest);
  removeBackupDir(root, dir);
  return { backup: dir, files: manifest.files.map(({ path, action }) => ({ path, action })) };
}
