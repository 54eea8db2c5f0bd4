import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { ALWAYS_SKIPPED, DEFAULT_SKIPPED_DIRS, toPosix, type FileScanOptions } from "./files.js";
import { detectProject } from "./project.js";
import { readWorkspace } from "./workspaces.js";

// A directory with no package.json of its own (a repository holding apps/web and services/agent
// side by side): the packages below it, and which agent frameworks each uses, so init can name
// them instead of stopping at "no package.json". Read only.

export interface PackageBelow {
  /** Package directory relative to the searched directory, posix. */
  dir: string;
  abs: string;
  name: string | null;
  /** Frameworks governor supports that it (or, for a workspace root, its packages) uses. */
  frameworks: string[];
  /** Agent frameworks it uses that governor does not support (labels). */
  unsupported: string[];
  /** A workspace root: how many packages it declares (init there covers them all). */
  workspacePackages?: number;
  /** Why it could not be read (a package.json that does not parse). */
  error?: string;
}

const MAX_DEPTH = 4;
const MAX_PACKAGES = 100;

export function findPackagesBelow(root: string, options: FileScanOptions = {}): PackageBelow[] {
  const dirs: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > MAX_DEPTH || dirs.length >= MAX_PACKAGES) return;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (
        !e.isDirectory() ||
        e.name.startsWith(".") ||
        ALWAYS_SKIPPED.has(e.name) ||
        DEFAULT_SKIPPED_DIRS.has(e.name)
      )
        continue;
      const abs = join(dir, e.name);
      if (existsSync(join(abs, "package.json"))) {
        if (dirs.length < MAX_PACKAGES) dirs.push(abs);
        // a workspace root's packages are init's there; a plain package may hold separate ones
        if (readWorkspace(abs)) continue;
      }
      walk(abs, depth + 1);
    }
  };
  walk(root, 1);
  return dirs.map((abs) => describe(root, abs, options));
}

function describe(root: string, abs: string, options: FileScanOptions): PackageBelow {
  const dir = toPosix(relative(root, abs));
  try {
    const d = detectProject(abs, { include: options.include, exclude: options.exclude });
    const pkg = JSON.parse(readFileSync(join(abs, "package.json"), "utf8")) as { name?: unknown };
    const frameworks = [
      ...new Set(d.packages.flatMap((p) => p.frameworks.map((f) => f.framework))),
    ];
    const unsupported = [...new Set(d.packages.flatMap((p) => p.unsupported.map((u) => u.label)))];
    const name = typeof pkg.name === "string" ? pkg.name : null;
    return {
      dir,
      abs,
      name,
      frameworks,
      unsupported,
      ...(d.workspace?.root === abs ? { workspacePackages: d.workspace.packages.length } : {}),
    };
  } catch (e) {
    return {
      dir,
      abs,
      name: null,
      frameworks: [],
      unsupported: [],
      error: (e as Error).message.replace(join(abs, "package.json"), "package.json"),
    };
  }
}
