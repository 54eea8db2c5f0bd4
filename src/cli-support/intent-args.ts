// test-intent's flags -> the intent to send: by fields, or through the runtime's own tool mapping.
import { existsSync } from "node:fs";
import path from "node:path";
import {
  buildIntent,
  loadIntentMap,
  GovernorConfigError,
  type Intent,
  type IntentMap,
} from "../runtime/index.js";
import { CliError } from "./errors.js";

export interface IntentFlags {
  action?: string;
  resource?: string;
  actor?: string;
  actorType?: string;
  sensitivity?: string;
  pii?: boolean;
  volume?: "single" | "bulk";
  authn?: string;
  layer?: string;
  tool?: string;
  args?: string;
  config?: string;
}

function envActor(env: NodeJS.ProcessEnv): { id: string; type: string } | undefined {
  return env.GOVERNOR_ACTOR_ID
    ? { id: env.GOVERNOR_ACTOR_ID, type: env.GOVERNOR_ACTOR_TYPE || "agent" }
    : undefined;
}

/** The intent map the gate would use: --config, else GOVERNOR_CONFIG, else ./governor.config.json if present. */
export function intentMapFor(
  config: string | undefined,
  env: NodeJS.ProcessEnv,
  cwd = process.cwd(),
): { map: IntentMap | null; file?: string } {
  const file =
    config ??
    (env.GOVERNOR_CONFIG ||
      (existsSync(path.join(cwd, "governor.config.json"))
        ? path.join(cwd, "governor.config.json")
        : undefined));
  if (!file) return { map: null };
  try {
    return { map: loadIntentMap(file), file };
  } catch (err) {
    if (err instanceof GovernorConfigError)
      throw new CliError(
        "config_invalid",
        err.message,
        "Fix the intent map, or pass --config <file> to use another one.",
      );
    throw err;
  }
}

/** `cwd`: where to look for governor.config.json (a --dev MCP tool asks about another project). */
export function intentFromFlags(
  f: IntentFlags,
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): { intent: Intent; mapFile?: string; deny?: readonly string[] } {
  const byFields = f.action !== undefined || f.resource !== undefined;
  if (f.tool && byFields)
    throw new CliError(
      "invalid_intent",
      "give either --tool (a tool call) or --action/--resource (fields), not both.",
      "Example: governor test-intent --action read --resource database:users",
    );
  const actorFlag =
    f.actor || f.actorType
      ? { id: f.actor ?? envActor(env)?.id ?? "governor-cli", type: f.actorType ?? "agent" }
      : undefined;
  if (f.tool) {
    let args: unknown = {};
    if (f.args !== undefined) {
      try {
        args = JSON.parse(f.args);
      } catch {
        throw new CliError(
          "invalid_intent",
          "--args is not valid JSON.",
          `Quote it for your shell, e.g. --args '{"to":"a@example.com"}'.`,
        );
      }
      // A tool receives an arguments object; anything else would show an intent the gate never builds.
      if (typeof args !== "object" || args === null || Array.isArray(args))
        throw new CliError(
          "invalid_intent",
          "--args must be a JSON object of the tool's arguments.",
          `e.g. --args '{"to":"a@example.com"}'.`,
        );
    }
    const { map, file } = intentMapFor(f.config, env, cwd);
    const intent = buildIntent(f.tool, args, { map, actor: actorFlag ?? envActor(env) ?? null });
    return { intent, mapFile: file, deny: map?.deny };
  }
  if (!f.action || !f.resource)
    throw new CliError(
      "invalid_intent",
      `missing ${!f.action ? "--action" : "--resource"}: say what to ask about.`,
      "Give --action <verb> --resource <type>[:<name>] (e.g. --action read --resource database:users), or --tool <name> [--args '<json>'].",
    );
  const at = f.resource.indexOf(":");
  const resource =
    at === -1
      ? { type: f.resource }
      : { type: f.resource.slice(0, at), name: f.resource.slice(at + 1) || undefined };
  if (!resource.type)
    throw new CliError(
      "invalid_intent",
      `--resource "${f.resource}" has no type.`,
      "Use --resource <type>[:<name>], e.g. --resource database:users.",
    );
  const intent: Intent = {
    action: f.action,
    actor: actorFlag ?? envActor(env) ?? { id: "governor-cli", type: "agent" },
    resource,
  };
  const data: NonNullable<Intent["data"]> = {};
  if (f.sensitivity)
    data.sensitivity = f.sensitivity
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
  if (f.pii) data.pii = true;
  if (f.volume) data.volume = f.volume;
  if (Object.keys(data).length) intent.data = data;
  if (f.authn) intent.risk = { authn: f.authn };
  if (f.layer) intent.layer = f.layer;
  return { intent };
}
