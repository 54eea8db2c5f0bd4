// Is the gate configured? Environment (through the runtime's own resolveConfig), intent map, and how safe
// the fail mode and mode are.
import { readFileSync } from "node:fs";
import path from "node:path";
import { packageRootOf, resolveConfig, type ConfigSite, type ResolvedConfig } from "../runtime/config.js";
import { GovernorConfigError, loadIntentMap, type IntentMap } from "../runtime/index.js";
import { fail, pass, skip, warn, type CheckResult } from "./types.js";

/** A .env-style file in the project that sets `name` (to a value), when the environment does not. */
function envFileWith(cwd: string, name: string): string | undefined {
  for (const f of [".env", ".env.local"]) {
    try {
      if (new RegExp(`^[ \\t]*(export[ \\t]+)?${name}[ \\t]*=[ \\t]*[^\\s#]`, "m").test(readFileSync(path.join(cwd, f), "utf8"))) return f;
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
}

/** Where the app would look for governor.config.json and relative key files: the project doctor
 *  checks stands in for the entrypoint's package. The map itself is checked by checkIntentMap. */
function siteOf(inp: DoctorInputs): ConfigSite & { intentMap: false } {
  const cwd = inp.cwd ?? process.cwd();
  return { cwd, entry: undefined, root: packageRootOf(path.join(cwd, "package.json")) ?? cwd, intentMap: false };
}

/** Where each enforce setting came from, for the pass message (names and paths, never values). */
function fromWhere(config: ResolvedConfig): string {
  const s = config.sources;
  const parts = [s.enforceUrl && `URL from ${s.enforceUrl}`, s.apiKey && `API key from ${s.apiKey}`, s.decisionKey && `decision key from ${s.decisionKey}`].filter(Boolean);
  return parts.length ? ` (${parts.join("; ")})` : "";
}

/** With some GOVERNOR_* variables invalid, the rest may still be enough to reach enforce: drop the named
 *  ones and try again, so one bad setting (say GOVERNOR_TIMEOUT_MS) does not hide every live check. */
function liveWithout(inp: DoctorInputs, problems: string[]): { config: ResolvedConfig; env: NodeJS.ProcessEnv } | undefined {
  const env = { ...inp.env };
  for (const name of problems.flatMap((p) => p.match(/GOVERNOR_[A-Z_]+/g) ?? [])) delete env[name];
  try {
    const config = resolveConfig({ enforceUrl: inp.url, apiKey: inp.apiKey, env, warn: () => {} }, siteOf(inp));
    return config.endpoint ? { config, env } : undefined;
  } catch {
    return undefined;
  }
}

export function checkConfig(inp: DoctorInputs): { result: CheckResult; config?: ResolvedConfig; live?: { config: ResolvedConfig; env: NodeJS.ProcessEnv } } {
  try {
    // The environment, and governor.config.json's "enforce" block; the map is checked on its own below.
    const config = resolveConfig({ enforceUrl: inp.url, apiKey: inp.apiKey, env: inp.env, warn: () => {} }, siteOf(inp));
    const base = config.endpoint ? config.endpoint.origin + config.endpoint.pathname.replace(/\/api\/v2\/enforce$/, "") : "(none)";
    return {
      config,
      result: pass(
        "config",
        `enforce ${base}, API key ${config.apiKey ? "set" : "not set"}, timeout ${config.timeoutMs} ms, fail mode ${config.failMode}, mode ${config.mode}${fromWhere(config)}`,
        { enforce_url: base, api_key: Boolean(config.apiKey), sources: config.sources, timeout_ms: config.timeoutMs, fail_mode: config.failMode, mode: config.mode, signed_decisions: Boolean(config.decisionKey) },
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
          ? "Set GOVERNOR_ENFORCE_URL to your management plane's base URL (or pass --url), or, for processes started with a filtered environment (MCP servers), add \"enforce\": { \"url\": \"...\", \"apiKeyFile\": \"...\" } to governor.config.json. To try locally: `governor serve --policy <file>` and use the URL it prints."
          : "Fix the GOVERNOR_* variables named above (each is described in the .env.example that `governor init` writes).",
        { problems: err.problems },
      ),
    };
  }
}

export function checkIntentMap(env: NodeJS.ProcessEnv, cwdHasMap: boolean, mapPath: string): CheckResult {
  const file = env.GOVERNOR_CONFIG || (cwdHasMap ? mapPath : undefined);
  if (!file) return skip("intent-map", "no governor.config.json: tools are mapped from their names only", "Run `governor init` to write an intent map you can review and edit.");
  try {
    const map = loadIntentMap(file) as IntentMap & { enforce?: unknown };
    const n = Object.keys(map.tools ?? {}).length;
    // The "enforce" block is validated with the rest of the configuration (the config check).
    const extra = [map.defaults ? "defaults" : "", map.enforce !== undefined ? 'an "enforce" block' : ""].filter(Boolean).join(" and ");
    return pass("intent-map", `${file}: ${n} tool ${n === 1 ? "entry" : "entries"}${extra ? ` and ${extra}` : ""}`, { file, tools: n });
  } catch (err) {
    if (!(err instanceof GovernorConfigError)) throw err;
    return fail("intent-map", err.message, `Fix ${file} (it must be JSON with "defaults" and/or "tools"), or point GOVERNOR_CONFIG at the right file.`, { file, problems: err.problems });
  }
}

export function checkSafety(config: ResolvedConfig | undefined, ci: boolean): CheckResult {
  if (!config) return skip("safety", "needs a valid configuration");
  const where = ci ? " in CI" : "";
  if (config.mode === "off")
    return warn("safety", `mode is off${where}: tools run without asking enforce`, "Unset GOVERNOR_DISABLED and GOVERNOR_MODE (default enforce) so the gate decides.", { mode: config.mode });
  if (config.mode === "observe")
    return warn("safety", `mode is observe${where}: denied tools still run (decisions are only recorded)`, "Set GOVERNOR_MODE=enforce once the observed decisions look right.", { mode: config.mode });
  if (config.failMode === "open")
    return warn("safety", `fail mode is open${where}: when enforce cannot answer, tools run without a decision`, "Set GOVERNOR_FAIL_MODE=closed (the default) so no tool runs without an ALLOW.", { fail_mode: config.failMode });
  return pass("safety", "mode enforce, fail mode closed: no tool runs without an ALLOW");
}
