import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { CliError } from "../cli-support/errors.js";

// Which dependency spec installs the governor that is running: the npm name `governor` belongs to an
// unrelated package, so a bare range would install a stranger's code (or fail with ETARGET).

export interface DependencySpec {
  /** The spec to write into the package.json in `pkgDir` (file: paths are relative to it). Throws
   *  CliError("governor_spec_unknown") when nothing tells where governor came from. */
  specFor(pkgDir: string): string;
  /** Where it came from, for the report: "the local checkout at /src/governor". */
  source: string;
  /** True when it is a registry range for the name `governor` itself (a bare range is then right). */
  registry?: boolean;
}

const UNKNOWN_FIX =
  "Pass the spec you installed governor from: `--governor-spec <spec>` (or GOVERNOR_PACKAGE_SPEC), e.g. " +
  "`--governor-spec file:../governor` for a checkout, `file:./governor-0.1.0.tgz` for a tarball, or a git URL.";

export function fixedSpec(spec: string, source: string): DependencySpec {
  return { specFor: () => spec, source };
}

/** A file: spec to an absolute path, written relative to each package.json (as npm resolves it). */
function pathSpec(abs: string, source: string, protocol = "file:"): DependencySpec {
  return {
    source,
    specFor: (pkgDir) => {
      const rel = relative(pkgDir, abs);
      return protocol + (isAbsolute(rel) ? abs : rel || ".").split(sep).join("/");
    },
  };
}

function unknownSpec(why: string): DependencySpec {
  return {
    source: "unknown",
    specFor: () => {
      throw new CliError(
        "governor_spec_unknown",
        `Cannot tell which dependency installs this governor: ${why}. init will not write a bare version range, because the npm package named "governor" is not this project.`,
        UNKNOWN_FIX,
      );
    },
  };
}

const URL_SPEC = /^(?:git\+[a-z]+:|git:|https?:|github:|gitlab:|bitbucket:|gist:)/i;
const GITHUB_SHORTHAND = /^[\w.-]+\/[\w.-]+(?:#\S*)?$/;
const PATH_LIKE = /^(?:\.{1,2}(?:\/|\\|$)|\/|~\/|[a-zA-Z]:[\\/])|\.(?:tgz|tar\.gz|tar)$/;

/** An explicit spec from --governor-spec / GOVERNOR_PACKAGE_SPEC; relative paths are from `cwd`
 *  (as `npm install <path>` takes them). Refuses anything that would resolve the npm name `governor`. */
export function explicitSpec(raw: string, cwd: string, from: string): DependencySpec {
  const spec = raw.trim();
  const bad = (why: string) =>
    new CliError(
      "invalid_option",
      `${from} ${JSON.stringify(raw)} ${why}.`,
      "Use file:<path to a checkout or .tgz>, a git URL (git+https://..., github:owner/repo#ref), a tarball URL, or npm:<name>@<range>.",
    );
  if (!spec || /\s/.test(spec)) throw bad("is not a dependency spec");
  const protocol = /^(file:|link:)/.exec(spec)?.[1];
  if (protocol || (!URL_SPEC.test(spec) && PATH_LIKE.test(spec))) {
    const given = protocol ? spec.slice(protocol.length) : spec;
    const abs = resolve(cwd, given.replace(/^~(?=\/)/, process.env.HOME ?? "~"));
    if (!existsSync(abs)) throw bad(`names ${abs}, which does not exist`);
    if (statSync(abs).isDirectory() && !existsSync(join(abs, "package.json")))
      throw bad(`names ${abs}, which has no package.json`);
    return pathSpec(abs, `${from} (${abs})`, protocol ?? "file:");
  }
  if (
    /^npm:(?:@[^/@\s]+\/)?[^/@\s]+(?:@\S+)?$/.test(spec) ||
    /^workspace:/.test(spec) ||
    URL_SPEC.test(spec) ||
    GITHUB_SHORTHAND.test(spec)
  ) {
    return fixedSpec(spec, from);
  }
  throw bad('is a registry version or tag: it would install the unrelated npm package "governor"');
}

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  link?: boolean;
  name?: string;
}

function readJson(file: string): Record<string, unknown> | null {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** The nearest package.json above `start`: governor's own root (dist/ and src/ hold none). */
function packageRoot(start: string): string | null {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return realpathSync(dir);
    if (dirname(dir) === dir) return null;
  }
}

/** npm's record of the package at `root`: hidden lockfile, shrinkwrap or lockfile of the install
 *  that holds it (innermost first; an npx cache dir has them too). */
function lockEntry(
  root: string,
): { entry: LockEntry; lockDir: string; installedAs: string } | null {
  const parts = root.split(sep);
  for (
    let i = parts.lastIndexOf("node_modules");
    i > 0;
    i = parts.lastIndexOf("node_modules", i - 1)
  ) {
    const lockDir = parts.slice(0, i).join(sep) || sep;
    const key = parts.slice(i).join("/");
    const installedAs = key.slice(key.lastIndexOf("node_modules/") + "node_modules/".length);
    for (const file of [
      join(lockDir, "node_modules", ".package-lock.json"),
      join(lockDir, "npm-shrinkwrap.json"),
      join(lockDir, "package-lock.json"),
    ]) {
      const lock = readJson(file);
      const packages = lock?.packages as Record<string, LockEntry> | undefined;
      const entry =
        packages?.[key] ??
        (key === `node_modules/${installedAs}`
          ? (lock?.dependencies as Record<string, LockEntry> | undefined)?.[installedAs]
          : undefined);
      if (entry && typeof entry === "object") return { entry, lockDir, installedAs };
    }
  }
  return null;
}

function registrySpec(name: string, version: string, where: string): DependencySpec {
  const spec = fixedSpec(
    name === "governor" ? `^${version}` : `npm:${name}@^${version}`,
    `${where} as ${name}@${version}`,
  );
  return { ...spec, registry: name === "governor" };
}

/** A spec npm resolves against the registry's package named `governor`: a range, version or tag. */
export function isBareRegistrySpec(spec: string): boolean {
  const s = spec.trim();
  return (
    !/^(?:npm:|file:|link:|workspace:|portal:|patch:)/.test(s) &&
    !URL_SPEC.test(s) &&
    !PATH_LIKE.test(s) &&
    !GITHUB_SHORTHAND.test(s)
  );
}

/** What a lockfile's `resolved` (or an old package.json `_resolved`) says, paths relative to `base`. */
function fromResolved(
  resolved: string,
  entry: LockEntry,
  installedAs: string,
  base: string,
): DependencySpec {
  if (resolved.startsWith("file:")) {
    const abs = resolve(base, resolved.slice(5));
    if (!existsSync(abs))
      return unknownSpec(`it was installed from ${abs}, which no longer exists`);
    return statSync(abs).isDirectory()
      ? pathSpec(abs, `the local directory at ${abs}`)
      : pathSpec(abs, `the tarball ${abs}`);
  }
  if (/^https?:/i.test(resolved)) {
    const url = new URL(resolved);
    // a registry tarball: <registry>/<name>/-/<file>.tgz; only the public registry is sure to be the
    // one the app installs from, so another host keeps its exact URL
    const m = /^\/((?:@[^/]+(?:\/|%2f))?[^/@]+)\/-\/[^/]+\.tgz$/i.exec(url.pathname);
    if (m && entry.version && url.hostname === "registry.npmjs.org")
      return registrySpec(decodeURIComponent(m[1]), entry.version, `the registry ${url.hostname}`);
    if (m && entry.version && decodeURIComponent(m[1]) !== "governor")
      return registrySpec(decodeURIComponent(m[1]), entry.version, `the registry ${url.hostname}`);
    return fixedSpec(resolved, `the tarball URL ${url.origin}${url.pathname}`);
  }
  if (URL_SPEC.test(resolved))
    return fixedSpec(resolved, `the git repository ${resolved.replace(/#.*$/, "")}`);
  return unknownSpec(
    `its lockfile entry says it was resolved from ${JSON.stringify(resolved)} (installed as ${installedAs}), which init does not know how to write`,
  );
}

/** Where the governor running this code (module at `moduleUrl`) was installed from. */
export function detectSpec(moduleUrl: string): DependencySpec {
  const root = packageRoot(dirname(fileURLToPath(moduleUrl)));
  if (!root) return unknownSpec("no package.json above the running CLI");
  const pkg = readJson(join(root, "package.json")) ?? {};
  if (!root.split(sep).includes("node_modules")) {
    // a checkout (or `npm link`, which Node follows to the checkout): link the app to it
    return pathSpec(
      root,
      `${existsSync(join(root, ".git")) ? "the local checkout" : "the local directory"} at ${root}`,
    );
  }
  const record = lockEntry(root);
  if (record) {
    const { entry, lockDir, installedAs } = record;
    if (entry.link && typeof entry.resolved === "string")
      return pathSpec(
        resolve(lockDir, entry.resolved),
        `the local directory at ${resolve(lockDir, entry.resolved)}`,
      );
    if (typeof entry.resolved === "string")
      return fromResolved(entry.resolved, entry, installedAs, lockDir);
    // npm leaves out `resolved` only for registry packages (omit-lockfile-registry-resolved)
    if (entry.version && entry.integrity)
      return registrySpec(entry.name ?? installedAs, entry.version, "the configured registry");
  }
  // npm 6 and yarn 1 wrote the origin into the installed package.json
  if (typeof pkg._resolved === "string" && !pkg._resolved.startsWith("file:")) {
    return fromResolved(
      pkg._resolved,
      { version: pkg.version as string | undefined },
      String(pkg.name ?? "governor"),
      root,
    );
  }
  return unknownSpec(
    `it runs from ${root}, and no npm lockfile there records where it was installed from`,
  );
}
