// Is the gate configured? Environment (through the runtime's own resolveConfig), intent map, and how safe
// the fail mode and mode are.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { ProjectDetection } from "../detectors/project.js";
import {
  packageRootOf,
  resolveConfig,
  type ConfigSite,
  type ResolvedConfig,
} from "../runtime/config.js";
import { findConfigFile } from "../runtime/config-file.js";
import { GovernorConfigError, loadIntentMap, type IntentMap } from "../runtime/index.js";
import { safeUrl } from "../runtime/redact.js";
import { fail, pass, skip, warn, type CheckResult } from "./types.js";

/** The base URL (what --url takes) of a resolved enforce endpoint, query string kept: only for asking,
 *  shown through safeUrl. */
export function baseUrl(endpoint: URL): string {
  return endpoint.origin + endpoint.pathname.replace(/\/api\/v2\/enforce$/, "") + endpoint.search;
}

/** A .env-style file in the project that sets `name` (to a value), when the environment does not. */
function envFileWith(cwd: string, name: string): string | undefined {
  for (const f of [".env", ".env.local"]) {
    try {
      if (
        new RegExp(`^[ \\t]*(export[ \\t]+)?${name}[ \\t]*=[ \\t]*[^\\s#]`, "m").test(
          readFileSync(path.join(cwd, f), "utf8"),
        )
      )
        return f;
    } catch {
      // no such file
    }
  }
  return undefined;
}

export interface DoctorInputs {
  cwd?: string;
  url?: string;
  apiKey?: string;
  env: NodeJS.ProcessEnv;
  ci: boolean;
  /** Where the app looks for its settings (appSites); default: the project directory. */
  site?: ConfigSite;
}

/** Where each app in the project looks for governor.config.json, as the runtime does: from its
 *  entrypoint (the nearest package.json above it), then the working directory, here the one doctor
 *  checks. A package with no entrypoint found stands in for its own. */
export function appSites(cwd: string, project: ProjectDetection | undefined): ConfigSite[] {
  const sites: ConfigSite[] = [];
  for (const pkg of project?.packages ?? []) {
    if (pkg.name === "governor") continue; // governor's own repo
    const entry = pkg.entrypoints[0];
    sites.push(
      entry
        ? { cwd, entry: path.join(pkg.dir, entry.file) }
        : { cwd, entry: undefined, root: pkg.dir },
    );
  }
  return sites.length
    ? sites
    : [{ cwd, entry: undefined, root: packageRootOf(path.join(cwd, "package.json")) ?? cwd }];
}

/** Where the app would look for governor.config.json and relative key files: the project doctor
 *  checks stands in for the entrypoint's package. The map itself is checked by checkIntentMap. */
function siteOf(inp: DoctorInputs): ConfigSite & { intentMap: false } {
  if (inp.site) return { ...inp.site, intentMap: false };
  const cwd = inp.cwd ?? process.cwd();
  return {
    cwd,
    entry: undefined,
    root: packageRootOf(path.join(cwd, "package.json")) ?? cwd,
    intentMap: false,
  };
}

/** Where each enforce setting came from, for the pass message (names and paths, never values). */
function fromWhere(config: ResolvedConfig): string {
  const s = config.sources;
  const parts = [
    s.enforceUrl && `URL from ${s.enforceUrl}`,
    s.apiKey && `API key from ${s.apiKey}`,
    s.decisionKey && `decision key from ${s.decisionKey}`,
  ].filter(Boolean);
  return parts.length ? ` (${parts.join("; ")})` : "";
}

/** With some GOVERNOR_* variables invalid, the rest may still be enough to reach enforce: drop the named
 *  ones and try again, so one bad setting (say GOVERNOR_TIMEOUT_MS) does not hide every live check. */
function liveWithout(
  inp: DoctorInputs,
  problems: string[],
): { config: ResolvedConfig; env: NodeJS.ProcessEnv } | undefined {
  const env = { ...inp.env };
  for (const name of problems.flatMap((p) => p.match(/GOVERNOR_[A-Z_]+/g) ?? [])) delete env[name];
  try {
    const config = resolveConfig(
      { enforceUrl: inp.url, apiKey: inp.apiKey, env, warn: () => {} },
      siteOf(inp),
    );
    return config.endpoint ? { config, env } : undefined;
  } catch {
    return undefined;
  }
}

export function checkConfig(inp: DoctorInputs): {
  result: CheckResult;
  config?: ResolvedConfig;
  live?: { config: ResolvedConfig; env: NodeJS.ProcessEnv };
} {
  try {
    // The environment, and governor.config.json's "enforce" block; the map is checked on its own below.
    const config = resolveConfig(
      { enforceUrl: inp.url, apiKey: inp.apiKey, env: inp.env, warn: () => {} },
      siteOf(inp),
    );
    const base = config.endpoint ? safeUrl(baseUrl(config.endpoint)) : "(none)";
    return {
      config,
      result: pass(
        "config",
        `enforce ${base}, ${credentialsOf(config)}, timeout ${config.timeoutMs} ms, fail mode ${config.failMode}, mode ${config.mode}${fromWhere(config)}`,
        {
          enforce_url: base,
          api_key: Boolean(config.apiKey),
          sources: config.sources,
          timeout_ms: config.timeoutMs,
          fail_mode: config.failMode,
          mode: config.mode,
          signed_decisions: Boolean(config.decisionKey),
        },
      ),
    };
  } catch (err) {
    if (!(err instanceof GovernorConfigError)) throw err;
    const noUrl = err.problems.some((p) => p.includes("GOVERNOR_ENFORCE_URL is not set"));
    const dotenv = noUrl && inp.cwd ? envFileWith(inp.cwd, "GOVERNOR_ENFORCE_URL") : undefined;
    return {
      live: noUrl ? undefined : liveWithout(inp, err.problems),
      result: fail(
        "config",
        `configuration invalid: ${err.problems.join("; ")}${dotenv ? ` (it is in ${dotenv}, but doctor reads the environment, not ${dotenv})` : ""}`,
        dotenv
          ? `Load ${dotenv} into this shell first, e.g. \`set -a; . ./${dotenv}; set +a\` then run doctor again, or pass --url.`
          : noUrl
            ? 'Set GOVERNOR_ENFORCE_URL to your management plane\'s base URL (or pass --url), or, for processes started with a filtered environment (MCP servers), add "enforce": { "url": "...", "apiKeyFile": "..." } to governor.config.json. To try locally: `governor serve --policy <file>` and use the URL it prints.'
            : "Fix the GOVERNOR_* variables named above (each is described in the .env.example that `governor init` writes).",
        { problems: err.problems },
      ),
    };
  }
}

/** The governor.config.json each app will read (GOVERNOR_CONFIG, else its package's, else the
 *  working directory's), checked. `details.file` is the first, for the probes. */
export function checkIntentMap(env: NodeJS.ProcessEnv, sites: ConfigSite[]): CheckResult {
  const lookups = sites.map((site) => findConfigFile(env.GOVERNOR_CONFIG || undefined, site));
  const looked = [...new Set(lookups.flatMap((l) => l.looked))];
  const problem = lookups.find((l) => l.problem)?.problem;
  if (problem)
    return fail(
      "intent-map",
      problem,
      "Point GOVERNOR_CONFIG at your governor.config.json, or unset it to use the one in your app's package.",
      { looked },
    );
  const files = [...new Set(lookups.map((l) => l.file).filter((f): f is string => Boolean(f)))];
  if (!files.length)
    return skip(
      "intent-map",
      `no governor.config.json (looked at ${looked.join(", ")}): tools are mapped from their names only`,
      "Run `governor init` to write an intent map you can review and edit.",
    );
  const read: string[] = [];
  let tools = 0;
  const deny: string[] = [];
  for (const file of files) {
    try {
      const map = loadIntentMap(file) as IntentMap & { enforce?: unknown };
      const n = Object.keys(map.tools ?? {}).length;
      tools += n;
      // The "enforce" block is validated with the rest of the configuration (the config check).
      const patterns = map.deny ?? [];
      deny.push(...patterns);
      const extra = [
        map.defaults ? "defaults" : "",
        map.enforce !== undefined ? 'an "enforce" block' : "",
        // the patterns themselves: a reader checks that the tools they meant are the ones refused
        patterns.length
          ? `a deny list (${patterns.map((p) => JSON.stringify(p)).join(", ")}: refused locally)`
          : "",
      ]
        .filter(Boolean)
        .join(" and ");
      read.push(
        `${file}: ${n} tool ${n === 1 ? "entry" : "entries"}${extra ? ` and ${extra}` : ""}`,
      );
    } catch (err) {
      if (!(err instanceof GovernorConfigError)) throw err;
      return fail(
        "intent-map",
        err.message,
        `Fix ${file} (it must be JSON with "defaults" and/or "tools"), or point GOVERNOR_CONFIG at the right file.`,
        { file, problems: err.problems },
      );
    }
  }
  const details = {
    file: files[0],
    ...(files.length > 1 && { files }),
    tools,
    ...(deny.length && { deny }),
  };
  // the runtime says this once at start-up; doctor says it before anyone edits the wrong file
  const ignored = [
    ...new Set(
      lookups
        .filter((l) => l.warning)
        .flatMap((l) => l.looked.filter((f) => f !== l.file && existsSync(f))),
    ),
  ];
  if (ignored.length)
    return warn(
      "intent-map",
      `${read.join("; ")}; the working directory's ${ignored.join(", ")} is NOT read (the app reads its own package's)`,
      "Keep one governor.config.json (the one in your app's package), or set GOVERNOR_CONFIG to the one you mean.",
      { ...details, ignored },
    );
  return pass("intent-map", read.join("; "), details);
}

export function checkSafety(config: ResolvedConfig | undefined, ci: boolean): CheckResult {
  if (!config) return skip("safety", "needs a valid configuration");
  const where = ci ? " in CI" : "";
  if (config.mode === "off")
    return warn(
      "safety",
      `mode is off${where}: tools run without asking enforce`,
      "Unset GOVERNOR_DISABLED and GOVERNOR_MODE (default enforce) so the gate decides.",
      { mode: config.mode },
    );
  if (config.mode === "observe")
    return warn(
      "safety",
      `mode is observe${where}: denied tools still run (decisions are only recorded)`,
      "Set GOVERNOR_MODE=enforce once the observed decisions look right.",
      { mode: config.mode },
    );
  if (config.failMode === "open")
    return warn(
      "safety",
      `fail mode is open${where}: when enforce cannot answer, tools run without a decision`,
      "Set GOVERNOR_FAIL_MODE=closed (the default) so no tool runs without an ALLOW.",
      { fail_mode: config.failMode },
    );
  return pass("safety", "mode enforce, fail mode closed: no tool runs without an ALLOW");
}

/** How the gate proves who it is, in words (names only, never values). */
function credentialsOf(config: ResolvedConfig): string {
  const parts = [
    config.apiKey
      ? "API key set"
      : config.oauth
        ? `OAuth client credentials (${config.oauth.authMethod})`
        : "API key not set",
  ];
  if (config.tls) parts.push("client certificate");
  return parts.join(", ");
}
