// Which versions of the instrumented frameworks are installed, and whether governor knows them.
// A version it does not know is not patched wrongly (the adapters check shapes and say what they
// could not patch at start-up), but doctor says so before the app runs.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { ProjectDetection } from "../detectors/project.js";
import { KNOWN_VERSIONS } from "../frameworks.js";
import { findPackageDir } from "../runtime/resolve-app.js";
import { pass, skip, warn, type CheckResult } from "./types.js";

function installedVersion(pkgDir: string, name: string): string | null {
  try {
    const file = createRequire(path.join(pkgDir, "package.json")).resolve(`${name}/package.json`);
    // An exports pattern can map package.json to another file (dist/cjs/package.json).
    return (
      (JSON.parse(readFileSync(file, "utf8")) as { version?: string }).version ??
      findUp(pkgDir, name)
    );
  } catch {
    return findUp(pkgDir, name);
  }
}

// Packages whose exports map hides package.json: the package directory Node would find.
function findUp(dir: string, name: string): string | null {
  const pkgDir = findPackageDir(name, dir);
  if (!pkgDir) return null;
  try {
    return (
      (JSON.parse(readFileSync(path.join(pkgDir, "package.json"), "utf8")) as { version?: string })
        .version ?? null
    );
  } catch {
    return null;
  }
}

export function checkVersions(project: ProjectDetection): CheckResult {
  const seen = new Map<string, string>();
  for (const pkg of project.packages) {
    for (const name of Object.keys(KNOWN_VERSIONS)) {
      if (seen.has(name)) continue;
      const v = installedVersion(pkg.dir, name);
      if (v) seen.set(name, v);
    }
  }
  if (!seen.size)
    return skip("frameworks.versions", "no framework governor instruments is installed here");
  const lines: string[] = [];
  const unknown: string[] = [];
  for (const [name, v] of seen) {
    const k = KNOWN_VERSIONS[name];
    if (k.tested.some((p) => v.startsWith(p))) lines.push(`${name} ${v} (tested)`);
    else if (k.api.some((p) => v.startsWith(p)))
      lines.push(`${name} ${v} (supported by its API, not tested by governor)`);
    else {
      lines.push(`${name} ${v} (not a version governor knows)`);
      unknown.push(`${name} ${v}`);
    }
  }
  const details = { installed: Object.fromEntries(seen) };
  if (unknown.length)
    return warn(
      "frameworks.versions",
      lines.join(", "),
      `governor/register patches only the shapes it knows and prints "could not instrument ..." at start-up for what it could not patch; run the app once with GOVERNOR_DEBUG=1 to see what was patched, and gate ${unknown.join(", ")}'s tools with governor init or governTools() where it was not.`,
      details,
    );
  return pass("frameworks.versions", lines.join(", "), details);
}
