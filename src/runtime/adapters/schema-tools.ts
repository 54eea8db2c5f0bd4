// Tool entries that carry no function this process runs: a JSON-schema definition handed to a
// model (`bindTools([{ type: "function", function: { name, parameters } }])`, `{ name, schema }`)
// or a provider built-in (`{ type: "web_search_preview" }`, Anthropic's `{ type:
// "web_search_20250305", name }`). governTools leaves them as they are, and names each once: the
// calls they describe run elsewhere (a hand loop, the provider), where they must be gated.

interface SchemaEntry {
  type?: unknown;
  name?: unknown;
  function?: { name?: unknown };
}

const SCHEMA_KEYS = ["schema", "parameters", "input_schema", "inputSchema"];

const hasFunction = (o: object) => Object.values(o).some((v) => typeof v === "function");

/** A plain tool description with nothing callable on it (not a mistake: there is nothing to gate here). */
export function isSchemaOnlyTool(x: unknown): boolean {
  if (!x || typeof x !== "object" || Array.isArray(x) || hasFunction(x)) return false;
  const proto = Object.getPrototypeOf(x);
  if (proto !== Object.prototype && proto !== null) return false;
  const t = x as SchemaEntry;
  if (
    t.type === "function" &&
    t.function &&
    typeof t.function === "object" &&
    typeof t.function.name === "string"
  )
    return !hasFunction(t.function);
  if (typeof t.name === "string" && SCHEMA_KEYS.some((k) => k in t)) return true;
  // A provider built-in: a type other than "function", and no body of its own.
  return typeof t.type === "string" && t.type !== "function" && t.type !== "";
}

// Process-wide (the ESM and CJS builds may both be loaded): each entry is named once.
const WARNED = Symbol.for("governor.schema-tools.warned");

export function warnSchemaOnly(x: unknown): void {
  const t = x as SchemaEntry;
  const name =
    typeof t.function?.name === "string"
      ? t.function.name
      : typeof t.name === "string"
        ? t.name
        : null;
  const builtIn =
    name === null ||
    (typeof t.type === "string" &&
      t.type !== "function" &&
      !SCHEMA_KEYS.some((k) => k in (x as object)));
  const label = name !== null ? `"${name}"` : `of type "${String(t.type)}"`;
  const g = globalThis as { [WARNED]?: Set<string> };
  const seen = (g[WARNED] ??= new Set());
  if (seen.has(label)) return;
  seen.add(label);
  process.stderr.write(
    builtIn
      ? `governor: governTools: tool ${label} is a provider built-in: the provider runs it, not this process, so governor cannot gate its calls and they do NOT ask enforce. Remove it where every call must be gated.\n`
      : `governor: governTools: tool ${label} is only a schema (no function to run here), so it is passed on unchanged; the code that runs its calls must gate them (gate("${name}", fn) from governor/runtime).\n`,
  );
}
