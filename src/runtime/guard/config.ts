// GOVERNOR_GUARD, GOVERNOR_GUARD_MODE and GOVERNOR_GUARD_ALLOW (or the `guard` option) -> the
// guards' settings. Read by resolveConfig and, before any governor exists, at the runtime's import.
import path from "node:path";
import type { GuardAllow, GuardMode, Primitive } from "./state.js";

export interface GuardOptions {
  /** Which side effects need an ALLOW: "http", "exec", "fs" (or one comma-separated string). */
  on: readonly Primitive[] | string;
  /** Refuse ungoverned side effects ("enforce") or only record them ("observe"). Default: the
   *  governor's mode (observe -> observe). Env GOVERNOR_GUARD_MODE. */
  mode?: GuardMode;
  /** Hosts (`api.openai.com`, `*.example.com`, `localhost:4318`), absolute path prefixes,
   *  `exec:<command>`, `unix:<socket path>`, and the presets `@model-providers` (the hosted model APIs) and `@tmp` (the
   *  OS temp dir) that always go through. Env GOVERNOR_GUARD_ALLOW (comma-separated). */
  allow?: readonly string[];
}

export interface GuardSpec {
  primitives: Primitive[];
  mode: GuardMode;
  allow: GuardAllow;
}

const PRIMITIVES: readonly Primitive[] = ["http", "exec", "fs"];

/** `@model-providers` in the allowlist: the hosted model APIs an agent calls outside any tool. */
export const MODEL_PROVIDER_HOSTS: readonly string[] = [
  "api.openai.com",
  "*.openai.azure.com",
  "api.anthropic.com",
  "generativelanguage.googleapis.com",
  "aiplatform.googleapis.com",
  "*-aiplatform.googleapis.com",
  "api.mistral.ai",
  "api.groq.com",
  "api.cohere.com",
  "api.cohere.ai",
  "api.together.xyz",
  "openrouter.ai",
  "api.deepseek.com",
  "api.x.ai",
  "api.perplexity.ai",
  "api.fireworks.ai",
];

function list(v: readonly string[] | string | undefined): string[] {
  if (v === undefined) return [];
  const items = typeof v === "string" ? v.split(",") : [...v];
  return items.map((x) => String(x).trim()).filter(Boolean);
}

/** The guard settings, or null when no guard is asked for (or the gate is off: guards off too).
 *  `gateMode`: the governor's mode, already resolved. */
export function resolveGuard(
  option: GuardOptions | readonly Primitive[] | string | undefined,
  gateMode: "enforce" | "observe" | "off",
  env: Record<string, string | undefined>,
  cwd: string,
  problems: string[],
  notes: string[],
): GuardSpec | null {
  const opt: GuardOptions | undefined =
    option === undefined
      ? undefined
      : typeof option === "string" || Array.isArray(option)
        ? { on: option as string }
        : (option as GuardOptions);
  const names = list(opt ? opt.on : env.GOVERNOR_GUARD);
  const rawMode = String(opt?.mode ?? env.GOVERNOR_GUARD_MODE ?? "")
    .trim()
    .toLowerCase();
  if (!names.length) {
    if (rawMode)
      notes.push(
        `governor: GOVERNOR_GUARD_MODE=${rawMode.slice(0, 20)} is set but no guard is on: it applies to governedFetch, governedSpawn and governedWriteFile only; set GOVERNOR_GUARD=http,exec,fs (any of them) to turn guards on.`,
      );
    return null;
  }
  const primitives: Primitive[] = [];
  for (const n of names) {
    const p = n.toLowerCase() as Primitive;
    if (PRIMITIVES.includes(p)) {
      if (!primitives.includes(p)) primitives.push(p);
    } else
      problems.push(
        `GOVERNOR_GUARD: unknown guard ${JSON.stringify(n.slice(0, 40))} (use http, exec or fs, comma-separated)`,
      );
  }
  let mode: GuardMode | undefined;
  if (rawMode) {
    if (rawMode === "enforce" || rawMode === "observe") mode = rawMode;
    else {
      problems.push(
        `GOVERNOR_GUARD_MODE must be "enforce" or "observe" (got ${JSON.stringify(rawMode.slice(0, 40))})`,
      );
      // Installed from the environment anyway: an unreadable mode must not leave them only observing.
      mode = "enforce";
    }
  }
  if (gateMode === "off") {
    if (mode === "enforce") {
      problems.push(
        "GOVERNOR_GUARD_MODE=enforce cannot work while governor is off (GOVERNOR_MODE=off or GOVERNOR_DISABLED): nothing could ever be allowed. Turn the mode back on, or unset GOVERNOR_GUARD_MODE",
      );
    } else {
      notes.push(
        `governor: WARNING — GOVERNOR_GUARD=${primitives.join(",")} is set but governor is off (GOVERNOR_MODE=off or GOVERNOR_DISABLED): the guards are off too.`,
      );
      return null;
    }
  }
  const allow = parseAllow(opt?.allow ?? env.GOVERNOR_GUARD_ALLOW, env, cwd, problems);
  return { primitives, mode: mode ?? (gateMode === "observe" ? "observe" : "enforce"), allow };
}

/** GOVERNOR_GUARD_ALLOW (or the `allow` option) -> hosts, path prefixes and commands. */
export function parseAllow(
  raw: readonly string[] | string | undefined,
  env: Record<string, string | undefined>,
  cwd: string,
  problems: string[],
): GuardAllow {
  const allow: { hosts: string[]; paths: string[]; commands: string[] } = {
    hosts: [],
    paths: [],
    commands: [],
  };
  for (const a of list(raw)) {
    if (a === "@model-providers") {
      allow.hosts.push(...MODEL_PROVIDER_HOSTS);
    } else if (a === "@tmp") {
      allow.paths.push(process.getBuiltinModule("node:os").tmpdir());
    } else if (a.startsWith("@")) {
      problems.push(
        `GOVERNOR_GUARD_ALLOW: unknown preset ${JSON.stringify(a.slice(0, 40))} (known: @model-providers, @tmp)`,
      );
    } else if (a.startsWith("exec:")) {
      const cmd = a.slice(5).trim();
      if (cmd) allow.commands.push(cmd);
    } else if (a.startsWith("~")) {
      // Only "~" and "~/...": "~user" is not expanded, and with no home it must not become the cwd or "/".
      const home = env.HOME || env.USERPROFILE;
      if ((a === "~" || a.startsWith("~/")) && home && path.isAbsolute(home))
        allow.paths.push(path.resolve(home, a.slice(2)));
      else
        problems.push(
          `GOVERNOR_GUARD_ALLOW: ${JSON.stringify(a.slice(0, 60))} cannot be expanded (only ~ and ~/..., with HOME set to an absolute path); write the absolute path`,
        );
    } else if (
      a.startsWith("/") ||
      a.startsWith("./") ||
      a.startsWith("../") ||
      /^[A-Za-z]:[\\/]/.test(a)
    ) {
      allow.paths.push(path.resolve(cwd, a));
    } else if (a.startsWith(".")) {
      problems.push(
        `GOVERNOR_GUARD_ALLOW: ${JSON.stringify(a.slice(0, 60))} matches no host; write *${a} for its subdomains or ${a.replace(/^\.+/, "")} for the host itself`,
      );
    } else if (/^unix:\/\S+$/.test(a)) {
      allow.hosts.push(a);
    } else if (/^(\*[.-])?[A-Za-z0-9.\-_]+(:\d+)?$|^\[[0-9A-Fa-f:.]+\](:\d+)?$/.test(a)) {
      allow.hosts.push(a.toLowerCase());
    } else {
      problems.push(
        `GOVERNOR_GUARD_ALLOW: ${JSON.stringify(a.slice(0, 60))} is not a host (api.example.com, *.example.com, host:port, unix:/path/to.sock), an absolute path or exec:<command>`,
      );
    }
  }
  return allow;
}

/** The governor's mode as the environment says, without building a whole config. */
export function gateModeFromEnv(
  env: Record<string, string | undefined>,
): "enforce" | "observe" | "off" {
  if (/^(1|true|yes|on)$/i.test((env.GOVERNOR_DISABLED ?? "").trim())) return "off";
  const m = env.GOVERNOR_MODE;
  return m === "observe" || m === "off" ? m : "enforce";
}
