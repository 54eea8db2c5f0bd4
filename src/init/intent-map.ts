import { InitError } from "./errors.js";

// Adds one governor.config.json entry per gated tool, with the intent inferred from its name, so the
// user can review and edit it. Existing entries (and every other key) are kept as they are.

export const CONFIG_FILE = "governor.config.json";

function indentOf(text: string): string | number {
  const m = /^([ \t]+)"/m.exec(text);
  return m ? m[1] : 2;
}

/** The merged text, or `existing` unchanged when every tool already has an entry. */
export function mergeIntentMap(
  existing: string | null,
  toolNames: string[],
  infer: (toolName: string) => unknown,
  displayPath = CONFIG_FILE,
): string | null {
  let config: Record<string, unknown> = {};
  if (existing !== null) {
    try {
      const parsed = JSON.parse(existing) as unknown;
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("the top level is not an object");
      config = parsed as Record<string, unknown>;
    } catch (e) {
      throw new InitError(
        "config_invalid",
        `${displayPath} is not valid JSON (${(e as Error).message}); init will not overwrite it.`,
        `Fix ${displayPath} (or move it away) and rerun governor init.`,
      );
    }
  }
  const tools = (config.tools && typeof config.tools === "object" && !Array.isArray(config.tools)
    ? config.tools
    : {}) as Record<string, unknown>;
  const missing = [...new Set(toolNames)].filter((name) => !(name in tools)).sort();
  if (!missing.length) return existing;
  const merged = { ...tools };
  for (const name of missing) merged[name] = infer(name);
  const out = { ...config, tools: merged };
  const eol = existing?.includes("\r\n") ? "\r\n" : "\n";
  return JSON.stringify(out, null, existing ? indentOf(existing) : 2).replace(/\n/g, eol) + eol;
}
