import { CliError } from "../cli-support/errors.js";
import { findObjectProperty, insertProperty, parseJsonObject } from "./json-edit.js";
import { jsonErrorText } from "../runtime/shared.js";

// Adds one governor.config.json entry per gated tool, with the intent inferred from its name, so the
// user can review and edit it. Existing entries (and every other key) are kept as they are.

export const CONFIG_FILE = "governor.config.json";

/** The merged text, or `existing` unchanged when every tool already has an entry. */
export function mergeIntentMap(
  existing: string | null,
  toolNames: string[],
  infer: (toolName: string) => unknown,
  displayPath = CONFIG_FILE,
): string | null {
  let config: Record<string, unknown> = {};
  if (existing?.startsWith("\uFEFF")) {
    // JSON has no BOM; governor's runtime would refuse the file just the same at start
    throw new CliError(
      "config_invalid",
      `${displayPath} starts with a UTF-8 byte order mark (BOM), which JSON does not allow and governor's runtime cannot read; init will not overwrite it.`,
      `Save ${displayPath} as UTF-8 without a BOM (\`sed -i '1s/^\\xEF\\xBB\\xBF//' ${displayPath}\`) and rerun governor init.`,
    );
  }
  if (existing !== null) {
    try {
      const parsed = JSON.parse(existing) as unknown;
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed))
        throw new Error("the top level is not an object");
      config = parsed as Record<string, unknown>;
    } catch (e) {
      throw new CliError(
        "config_invalid",
        `${displayPath} is not valid JSON (${jsonErrorText(e)}); init will not overwrite it.`,
        `Fix ${displayPath} (or move it away) and rerun governor init.`,
      );
    }
  }
  if (
    config.tools !== undefined &&
    (!config.tools || typeof config.tools !== "object" || Array.isArray(config.tools))
  ) {
    throw new CliError(
      "config_invalid",
      `${displayPath}: "tools" must be an object of tool name -> intent entry; init will not overwrite it.`,
      `Fix "tools" in ${displayPath} (or move the file away) and rerun governor init.`,
    );
  }
  const tools = (config.tools ?? {}) as Record<string, unknown>;
  const missing = [...new Set(toolNames)].filter((name) => !(name in tools)).sort();
  if (!missing.length) return existing;
  if (existing === null) {
    const fresh = { tools: Object.fromEntries(missing.map((name) => [name, infer(name)])) };
    return JSON.stringify(fresh, null, 2) + "\n";
  }
  // text edits, so the user's formatting and every other key stay byte for byte
  let text = existing;
  for (const name of missing) {
    const { sf, root } = parseJsonObject(displayPath, text);
    const toolsObj = findObjectProperty(root, "tools");
    text = toolsObj
      ? insertProperty(text, sf, toolsObj, name, infer(name), { append: true })
      : insertProperty(text, sf, root, "tools", { [name]: infer(name) }, { append: true });
  }
  return text;
}
