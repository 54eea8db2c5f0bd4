// Where governor.config.json and secret files are found. MCP clients start servers in another
// working directory with a filtered environment, so the working directory alone is not enough: the
// entrypoint's package root (nearest package.json above process.argv[1]) is looked at too.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { GovernorConfigError } from "./errors.js";
import { loadIntentMap, type IntentMap } from "./intent.js";
import { whyUnreadable } from "./shared.js";

export const CONFIG_FILE = "governor.config.json";

/** Where this process's settings are looked for. */
export interface ConfigSite {
  cwd: string;
  /** The entrypoint (process.argv[1]); undefined for `node -e` and the REPL. */
  entry: string | undefined;
  /** The package root, when known without an entrypoint (doctor: the project it checks). */
  root?: string;
}

export function processSite(): ConfigSite {
  return { cwd: process.cwd(), entry: process.argv[1] };
}

/** The directory of the nearest package.json above `file`, if any. */
export function packageRootOf(file: string | undefined): string | undefined {
  if (!file) return undefined;
  for (let dir = path.dirname(path.resolve(file)); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "package.json"))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** A relative path from the entrypoint's package root where it exists there, else from the working
 *  directory. Returns the candidates in the order looked at. */
function candidates(p: string, site: ConfigSite): string[] {
  if (path.isAbsolute(p)) return [p];
  const root = site.root ?? packageRootOf(site.entry);
  const out = root ? [path.resolve(root, p)] : [];
  const inCwd = path.resolve(site.cwd, p);
  if (!out.includes(inCwd)) out.push(inCwd);
  return out;
}

function resolveFrom(p: string, site: ConfigSite): { file: string | undefined; looked: string[] } {
  const looked = candidates(p, site);
  return { file: looked.find((f) => existsSync(f)), looked };
}

export interface ConfigFileLookup {
  /** The file to read, if any. */
  file: string | undefined;
  /** Every path looked at, in order (for messages). */
  looked: string[];
  /** Said once at start-up: the file read is not the only candidate. */
  warning?: string;
  /** GOVERNOR_CONFIG names a file that is not there. */
  problem?: string;
}

/** governor.config.json: GOVERNOR_CONFIG (or the config option) if set, else the entrypoint's
 *  package root's, else the working directory's. */
export function findConfigFile(configured: string | undefined, site: ConfigSite): ConfigFileLookup {
  if (configured) {
    const { file, looked } = resolveFrom(configured, site);
    if (file) return { file, looked };
    // An absolute path: the reader says it does not exist, as it always did.
    if (path.isAbsolute(configured)) return { file: configured, looked };
    return {
      file: undefined,
      looked,
      problem: `GOVERNOR_CONFIG (${configured}) does not exist: looked at ${looked.join(" and ")}. Point it at your governor.config.json (an absolute path, or one relative to your app's package.json)`,
    };
  }
  const inCwd = path.resolve(site.cwd, CONFIG_FILE);
  const root = site.root ?? packageRootOf(site.entry);
  const inRoot = root ? path.join(root, CONFIG_FILE) : undefined;
  const looked = inRoot && inRoot !== inCwd ? [inCwd, inRoot] : [inCwd];
  // The app's own package wins: whoever starts the process (an MCP client, a supervisor) picks the
  // working directory, and its governor.config.json describes its own tools, not this app's.
  if (inRoot && inRoot !== inCwd && existsSync(inRoot)) {
    const warning = existsSync(inCwd)
      ? `governor: using ${inRoot} (the app's package); the working directory's ${inCwd} is NOT read. Set GOVERNOR_CONFIG to the one you mean.`
      : undefined;
    return { file: inRoot, looked: [inRoot, inCwd], warning };
  }
  if (existsSync(inCwd)) return { file: inCwd, looked };
  return { file: undefined, looked };
}

/** A secret read from a file: what it holds, and where it came from (never the value). */
export interface Secret {
  value: string;
  from: string;
}

/** The validated "enforce" block of governor.config.json, its files already read. */
export interface EnforceBlock {
  /** The config file, for messages. */
  file: string;
  url?: string;
  apiKey?: Secret;
  decisionKey?: Secret;
}

const ENFORCE_KEYS: Record<string, "url" | "apiKeyFile" | "decisionKeyFile"> = {
  url: "url",
  apiKeyFile: "apiKeyFile",
  decisionKeyFile: "decisionKeyFile",
};

/** Read a secret file: trimmed, non-empty. A problem (naming the path, never the content) otherwise. */
function readSecretFile(label: string, file: string, problems: string[]): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    problems.push(`${label}: ${file} ${whyUnreadable(err)}`);
    return undefined;
  }
  const value = text.trim();
  if (!value) {
    problems.push(`${label}: ${file} is empty`);
    return undefined;
  }
  return value;
}

/** Validate an "enforce" block; paths are relative to `baseDir` (the config file's directory). */
export function configFileEnforce(
  value: unknown,
  baseDir: string,
  file: string,
  problems: string[],
): EnforceBlock | undefined {
  const where = `${file} "enforce"`;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    problems.push(
      `${where} must be an object like { "url": "https://...", "apiKeyFile": "./governor.key" }`,
    );
    return undefined;
  }
  const out: EnforceBlock = { file };
  for (const [key, v] of Object.entries(value)) {
    if (key === "apiKey" || key === "decisionKey") {
      problems.push(
        `${where}: "${key}" is not allowed (a config file gets committed): put the secret in a file and name it with "${key}File", or set GOVERNOR_${key === "apiKey" ? "API_KEY" : "DECISION_KEY"}`,
      );
      continue;
    }
    const known = ENFORCE_KEYS[key];
    if (!known) {
      problems.push(`${where}: "${key}" is not a known field (url, apiKeyFile, decisionKeyFile)`);
      continue;
    }
    if (typeof v !== "string" || !v.trim()) {
      problems.push(`${where}.${key} must be a non-empty string`);
      continue;
    }
    if (known === "url") out.url = v;
    else {
      const target = path.resolve(baseDir, v);
      const secret = readSecretFile(`${where}.${key}`, target, problems);
      if (secret !== undefined)
        out[known === "apiKeyFile" ? "apiKey" : "decisionKey"] = {
          value: secret,
          from: `${file} "enforce.${key}" (${target})`,
        };
    }
  }
  return out;
}

/** governor.config.json: the intent map (defaults, tools) and its "enforce" block. */
export function readConfigFile(file: string): {
  map: IntentMap | null;
  enforce: EnforceBlock | undefined;
  enforceProblems: string[];
  problem?: string;
} {
  let parsed: IntentMap & { enforce?: unknown };
  try {
    parsed = loadIntentMap(file);
  } catch (err) {
    if (!(err instanceof GovernorConfigError)) throw err;
    return { map: null, enforce: undefined, enforceProblems: [], problem: err.message };
  }
  const { enforce, ...map } = parsed;
  const enforceProblems: string[] = [];
  const block =
    enforce === undefined
      ? undefined
      : configFileEnforce(enforce, path.dirname(path.resolve(file)), file, enforceProblems);
  return { map, enforce: block, enforceProblems };
}

/** `NAME`, or the content of the file `NAME_FILE` names (relative: from the entrypoint's package
 *  root, else the working directory). Both set is a problem: which one wins would be a guess. */
export function readSecretVar(
  name: string,
  env: Record<string, string | undefined>,
  site: ConfigSite,
  problems: string[],
): Secret | undefined {
  const direct = env[name] || undefined;
  const fileVar = `${name}_FILE`;
  const named = env[fileVar] || undefined;
  if (direct !== undefined && named !== undefined) {
    problems.push(`${name} and ${fileVar} are both set: keep one`);
    return undefined;
  }
  if (direct !== undefined) return { value: direct, from: name };
  if (named === undefined) return undefined;
  const { file, looked } = resolveFrom(named, site);
  const target = file ?? looked[0]!;
  const value = readSecretFile(fileVar, target, problems);
  return value === undefined ? undefined : { value, from: `${fileVar} (${target})` };
}
