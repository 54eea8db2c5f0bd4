import { packageFiles, rootGitignore, type PackageFiles } from "./project-files.js";
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { join, posix, relative, resolve } from "node:path";
import { ts } from "ts-morph";
import type { PathAlias } from "./modules.js";
import { CliError } from "../cli-support/errors.js";
import { jsonErrorText } from "../runtime/shared.js";
import { findEntrypoints, type Entrypoint } from "./entrypoints.js";
import {
  detectFrameworks,
  detectUnsupportedFrameworks,
  sourceImports,
  type FrameworkUse,
  type UnsupportedUse,
} from "./frameworks.js";
import {
  readSourceFiles,
  scanSourceFiles,
  toPosix,
  type FileScanOptions,
  type SkippedFile,
} from "./files.js";
import {
  detectPackageManager,
  type PackageManager,
  type PackageManagerInfo,
} from "./package-manager.js";
import { findEnclosingWorkspace, readWorkspace, type WorkspaceInfo } from "./workspaces.js";
import { frameworkOwning, frameworkInfo, type FrameworkId } from "../frameworks.js";

// Project facts for init: one entry per package init will touch. Read only.

export type ModuleKind = "esm" | "cjs";

export interface PackageProject {
  /** Absolute package directory. */
  dir: string;
  /** Package directory relative to the run root, posix ("" for the root itself). */
  relDir: string;
  name: string | null;
  packageJson: Record<string, unknown>;
  packageJsonText: string;
  language: "ts" | "js";
  /** package.json "type": what .js files are. */
  moduleType: ModuleKind;
  tsconfig: string | null;
  /** tsconfig `paths`, targets relative to `dir`. */
  pathAliases: PathAlias[];
  /** Frameworks by declared dependency and by import (tool detection itself is the codemod's). */
  frameworks: FrameworkUse[];
  /** Agent frameworks it uses that governor does not support: named in every report. */
  unsupported: UnsupportedUse[];
  nextjs: boolean;
  /** Scanned source files, paths relative to `dir`. */
  sources: { path: string; text: string }[];
  /** Files it did not read that may hold tools (links out, too large, unreadable, not UTF-8), paths relative to `dir`. */
  skipped: SkippedFile[];
  entrypoints: Entrypoint[];
  /** The env template and intent map init may edit. */
  files: PackageFiles;
  /** How a file adds imports: by extension, then by the syntax it already uses, then by "type". */
  moduleKind(relPath: string): ModuleKind;
}

/** A package that is a framework's own source (`@openai/agents-core` in its monorepo): listed, never
 *  read or rewritten. Governor gates the apps that use a framework; governor/register hooks the
 *  published package where they run. */
export interface FrameworkSource {
  relDir: string;
  name: string;
  framework: FrameworkId;
  /** Its source files, relative to the package (counted in reports, not read). */
  files: string[];
}

export interface ProjectDetection {
  root: string;
  workspace: WorkspaceInfo | null;
  packages: PackageProject[];
  frameworkSources: FrameworkSource[];
  packageManager: PackageManagerInfo;
  warnings: string[];
  /** The run root's .gitignore text, or null (init adds .governor/ to it). */
  gitignore: string | null;
}

export interface DetectOptions extends FileScanOptions {
  packageManager?: PackageManager;
}

const ESM_SYNTAX = /^\s*(import\s*[\w{*"'$]|export\s)/m;
const CJS_SYNTAX = /\brequire\s*\(|\bmodule\.exports\b|^\s*exports\.\w+\s*=/m;

export function moduleKindOf(path: string, text: string, moduleType: ModuleKind): ModuleKind {
  if (/\.m[jt]s$/.test(path)) return "esm";
  if (/\.cjs$/.test(path)) return "cjs";
  if (ESM_SYNTAX.test(text)) return "esm";
  if (CJS_SYNTAX.test(text)) return "cjs";
  if (/\.cts$/.test(path)) return "cjs";
  // TypeScript compiles `import` to whatever the project targets, so import is always safe there
  if (/\.tsx?$/.test(path)) return "esm";
  return moduleType;
}

function readJson(file: string): { value: Record<string, unknown>; text: string } {
  // a BOM is not part of the JSON (npm reads past it too); the writer keeps it
  const text = readFileSync(file, "utf8").replace(/^\uFEFF/, "");
  try {
    const value = JSON.parse(text) as unknown;
    if (!value || typeof value !== "object" || Array.isArray(value))
      throw new Error("not an object");
    return { value: value as Record<string, unknown>, text };
  } catch (e) {
    throw new CliError(
      "package_json_invalid",
      `${file} is not valid JSON (${jsonErrorText(e)}).`,
      "Fix package.json so it parses, then rerun governor init.",
    );
  }
}

/**
 * tsconfig's outDir (build output to skip) and `paths` aliases (so `@/lib/tools` imports can be
 * followed), read with TypeScript's own JSONC parser. `extends` is not followed.
 */
function readTsconfig(dir: string): {
  path: string | null;
  outDir: string | null;
  paths: PathAlias[];
} {
  const path = join(dir, "tsconfig.json");
  if (!existsSync(path)) return { path: null, outDir: null, paths: [] };
  const parsed = ts.parseConfigFileTextToJson(path, readFileSync(path, "utf8"));
  const options = (
    parsed.config as
      { compilerOptions?: { outDir?: unknown; baseUrl?: unknown; paths?: unknown } } | undefined
  )?.compilerOptions;
  const outDir = options?.outDir;
  const base = typeof options?.baseUrl === "string" ? toPosix(options.baseUrl) : ".";
  const paths: PathAlias[] = [];
  if (options?.paths && typeof options.paths === "object") {
    for (const [pattern, targets] of Object.entries(options.paths as Record<string, unknown>)) {
      if (!Array.isArray(targets)) continue;
      const rel = targets
        .filter((t): t is string => typeof t === "string")
        .map((t) => posix.normalize(posix.join(base, toPosix(t))));
      // a target outside the package (../shared/*) is not among its inputs
      const inside = rel.filter((t) => !t.startsWith(".."));
      if (inside.length) paths.push({ pattern, targets: inside.map((t) => (t === "." ? "" : t)) });
    }
  }
  return {
    path,
    outDir: typeof outDir === "string" ? toPosix(outDir).replace(/^\.\//, "") : null,
    paths,
  };
}

/** `member`: a package of the workspace at the run root, the only place a framework's own source is
 *  looked for (a run inside one package, or a standalone app named `ai`, is analysed as usual). */
function detectPackage(
  dir: string,
  root: string,
  options: DetectOptions,
  member = false,
): PackageProject | FrameworkSource {
  const { value: pkg, text } = readJson(join(dir, "package.json"));
  const tsconfig = readTsconfig(dir);
  const { files, skipped } = scanSourceFiles(dir, {
    ...options,
    outputDirs: tsconfig.outDir ? [tsconfig.outDir] : [],
    prefix: toPosix(relative(root, dir)),
    projectRoot: root,
  });
  const name = typeof pkg.name === "string" ? pkg.name : null;
  // published (a private package is an app or an example), and named as the framework
  const framework = member && pkg.private !== true ? frameworkOwning(name) : null;
  if (name && framework) return { relDir: toPosix(relative(root, dir)), name, framework, files };
  const sources = readSourceFiles(dir, files, skipped);
  const deps = {
    ...(pkg.dependencies as Record<string, string> | undefined),
    ...(pkg.devDependencies as Record<string, string> | undefined),
    ...(pkg.peerDependencies as Record<string, string> | undefined),
  };
  const imports = sourceImports(sources);
  const frameworks = detectFrameworks({ dependencies: deps, sources, imports });
  const unsupported = detectUnsupportedFrameworks({ dependencies: deps, sources, imports });
  const nextjs = "next" in deps;
  const moduleType: ModuleKind = pkg.type === "module" ? "esm" : "cjs";
  const texts = new Map(sources.map((s) => [s.path, s.text]));
  const language = tsconfig.path || sources.some((s) => /\.[mc]?tsx?$/.test(s.path)) ? "ts" : "js";
  return {
    dir,
    relDir: toPosix(relative(root, dir)),
    name,
    packageJson: pkg,
    packageJsonText: text,
    language,
    moduleType,
    tsconfig: tsconfig.path,
    pathAliases: tsconfig.paths,
    frameworks,
    unsupported,
    nextjs,
    sources,
    skipped,
    entrypoints: findEntrypoints(pkg, sources, nextjs),
    files: packageFiles(dir),
    moduleKind: (relPath) => moduleKindOf(relPath, texts.get(relPath) ?? "", moduleType),
  };
}

/** Said in every report: a package left alone must be named. */
function frameworkSourceNote(list: FrameworkSource[]): string | null {
  if (!list.length) return null;
  const files = list.reduce((n, f) => n + f.files.length, 0);
  const named = list
    .map((f) => `${f.relDir || "."} (${f.name}, ${frameworkInfo(f.framework).label})`)
    .join(", ");
  const one = new Set(list.map((f) => f.framework)).size === 1;
  return (
    `Left alone: ${named}, ${one ? "a framework's" : "frameworks'"} own source (${files} source file${files === 1 ? "" : "s"}, not read). ` +
    "Governor gates the apps that use a framework, and governor/register hooks the published package where they run; it does not rewrite the framework itself."
  );
}

/** The packages left alone as a framework's own source, for --json (init, doctor, governor_scan). */
export function frameworkSourcesOf(d: Pick<ProjectDetection, "frameworkSources"> | undefined) {
  return (d?.frameworkSources ?? []).map((f) => ({
    package: f.relDir || ".",
    name: f.name,
    framework: f.framework,
    files: f.files.length,
  }));
}

/** A link to a file another package of this run scans is gated there: not a skipped file. */
function dropScannedLinks(packages: PackageProject[]): void {
  const real = (dir: string) => {
    try {
      return realpathSync(dir);
    } catch {
      return dir;
    }
  };
  const scanned = new Set(packages.flatMap((p) => p.sources.map((s) => join(real(p.dir), s.path))));
  for (const p of packages)
    p.skipped = p.skipped.filter(
      (s) => !(s.why === "link-unscanned" && s.target && scanned.has(s.target)),
    );
}

/**
 * Detects what init works on from `cwd`: a single package, or every package of a workspace when `cwd`
 * is the workspace root (the root package too, when it has source files of its own).
 */
export function detectProject(cwd: string, options: DetectOptions = {}): ProjectDetection {
  const root = resolve(cwd);
  if (!existsSync(join(root, "package.json"))) {
    throw new CliError(
      "not_a_package",
      `No package.json in ${root}.`,
      "Run governor init in your project's directory, or pass --cwd <dir>.",
    );
  }
  const workspace = readWorkspace(root);
  const enclosing = workspace ? null : findEnclosingWorkspace(root);
  // a lockfile above a standalone package belongs to some other project: only workspaces share one
  const packageManager = detectPackageManager(
    root,
    options.packageManager,
    enclosing ? enclosing.root : root,
  );
  const warnings = [...packageManager.warnings];
  const packages: PackageProject[] = [];
  const frameworkSources: FrameworkSource[] = [];
  const add = (p: PackageProject | FrameworkSource) =>
    "framework" in p ? frameworkSources.push(p) : packages.push(p);
  if (workspace) {
    const rootPkg = detectPackage(root, root, options);
    if ("sources" in rootPkg && rootPkg.sources.length > 0) add(rootPkg);
    for (const dir of workspace.packages) add(detectPackage(dir, root, options, true));
    if (workspace.packages.length === 0)
      warnings.push(`The workspaces declared in ${root} match no package.`);
  } else {
    add(detectPackage(root, root, options));
  }
  dropScannedLinks(packages);
  const note = frameworkSourceNote(frameworkSources);
  if (note) warnings.push(note);
  return {
    root,
    workspace: workspace ?? enclosing,
    packages,
    frameworkSources,
    packageManager,
    warnings,
    gitignore: rootGitignore(root),
  };
}
