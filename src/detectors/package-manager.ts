import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

// Which package manager the project uses. Read only.

export const PACKAGE_MANAGERS = ["npm", "pnpm", "yarn", "bun"] as const;
export type PackageManager = (typeof PACKAGE_MANAGERS)[number];

export interface PackageManagerInfo {
  name: PackageManager;
  /** Why we think so: "flag", "packageManager field", a lockfile name, or "default". */
  source: string;
  /** Directory holding the lockfile or the packageManager field (the install root). */
  root: string;
  warnings: string[];
}

const LOCKFILES: [string, PackageManager][] = [
  ["pnpm-lock.yaml", "pnpm"],
  ["yarn.lock", "yarn"],
  ["bun.lock", "bun"],
  ["bun.lockb", "bun"],
  ["package-lock.json", "npm"],
  ["npm-shrinkwrap.json", "npm"],
];

export const LOCKFILE_NAMES = LOCKFILES.map(([name]) => name);

function readPackageManagerField(dir: string): PackageManager | null {
  try {
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
      packageManager?: unknown;
    };
    if (typeof pkg.packageManager !== "string") return null;
    const name = pkg.packageManager.split("@")[0] as PackageManager;
    return (PACKAGE_MANAGERS as readonly string[]).includes(name) ? name : null;
  } catch {
    return null;
  }
}

/**
 * Walks up from `dir` (stopping at `stopAt` or the filesystem root) for a packageManager field or a
 * lockfile; the nearest directory with either decides. The field wins over lockfiles in the same
 * directory, because several lockfiles are common and the field is explicit.
 */
export function detectPackageManager(
  dir: string,
  override?: PackageManager,
  stopAt?: string,
): PackageManagerInfo {
  const warnings: string[] = [];
  let current = dir;
  for (let i = 0; i < 50; i++) {
    const field = readPackageManagerField(current);
    const locks = LOCKFILES.filter(([file]) => existsSync(join(current, file)));
    if (override) {
      if (field || locks.length) return { name: override, source: "flag", root: current, warnings };
    } else if (field) {
      return { name: field, source: "packageManager field", root: current, warnings };
    } else if (locks.length) {
      const names = [...new Set(locks.map(([, pm]) => pm))];
      if (names.length > 1) {
        warnings.push(
          `Found lockfiles for ${names.join(", ")} in ${current}; using ${names[0]}. ` +
            `Pass --package-manager to choose, or delete the stale lockfile.`,
        );
      }
      return { name: locks[0][1], source: locks[0][0], root: current, warnings };
    }
    if (stopAt && current === stopAt) break;
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  return { name: override ?? "npm", source: override ? "flag" : "default", root: dir, warnings };
}
