import { eolOf, isObject, jsonErrorText, lineColumn, lineStartOf } from "../runtime/shared.js";
import { ts } from "ts-morph";
import { findObjectProperty, insertProperty, propName } from "../init/json-edit.js";

// Edits one server entry of an MCP client's JSON (or JSONC) config as text, so everything else in the
// file (other servers, unknown keys, comments, formatting) stays byte for byte.

export class JsonConfigError extends Error {}

/** JSONC as JSON with the same offsets: comments and trailing commas become spaces. */
export function stripJsonc(text: string): string {
  let out = "";
  let i = 0;
  /** Where in `out` the last comma outside a string is, while only blanks and comments follow it. */
  let comma = -1;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      comma = -1;
      let j = i + 1;
      while (j < text.length && text[j] !== '"' && text[j] !== "\n") j += text[j] === "\\" ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === "," || c === "}" || c === "]") {
      // a trailing comma (only blanks and comments before } or ]) becomes a space; never one in a string
      if (c !== "," && comma >= 0) out = out.slice(0, comma) + " " + out.slice(comma + 1);
      comma = c === "," ? out.length : -1;
      out += c;
      i++;
    } else if (c === "/" && text[i + 1] === "/") {
      let j = text.indexOf("\n", i);
      if (j < 0) j = text.length;
      out += " ".repeat(j - i);
      i = j;
    } else if (c === "/" && text[i + 1] === "*") {
      const close = text.indexOf("*/", i + 2);
      if (close < 0)
        throw new JsonConfigError(`a /* comment is not closed (${lineColumn(text, i)})`);
      out += text.slice(i, close + 2).replace(/[^\r\n]/g, " ");
      i = close + 2;
    } else {
      if (!/\s/.test(c)) comma = -1;
      out += c;
      i++;
    }
  }
  return out;
}

/** The parsed object, or a JsonConfigError saying where the syntax breaks (never quoting the text). */
export function parseConfig(text: string, jsonc: boolean): Record<string, unknown> {
  const plain = jsonc ? stripJsonc(text) : text;
  let value: unknown;
  try {
    value = JSON.parse(plain);
  } catch (e) {
    const pos = /at position (\d+)/.exec(String((e as Error).message))?.[1];
    const msg = jsonErrorText(e).replace(/\s*in JSON at position \d+.*$/, "");
    throw new JsonConfigError(
      `it is not valid ${jsonc ? "JSON with comments" : "JSON"}: ${msg}${pos ? ` (${lineColumn(text, Number(pos))})` : ""}`,
    );
  }
  if (!value || typeof value !== "object" || Array.isArray(value))
    throw new JsonConfigError("its top level is not a JSON object");
  return value as Record<string, unknown>;
}

function parse(text: string) {
  const sf = ts.parseJsonText("config.json", text);
  const root = sf.statements[0]?.expression;
  if (!root || !ts.isObjectLiteralExpression(root))
    throw new JsonConfigError("its top level is not a JSON object");
  return { sf, root };
}

function property(obj: ts.ObjectLiteralExpression, name: string): ts.PropertyAssignment[] {
  return obj.properties.filter(
    (p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && propName(p) === name,
  );
}

function one(obj: ts.ObjectLiteralExpression, name: string, what: string) {
  const found = property(obj, name);
  if (found.length > 1) throw new JsonConfigError(`it names ${what} more than once`);
  return found[0];
}

/** A value as text at the property's line indent: compact when it was compact or is a flat array. */
function valueText(text: string, start: number, old: string, value: unknown): string {
  const eol = eolOf(text);
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  const flat = Array.isArray(value) && value.every((v) => v === null || typeof v !== "object");
  if (!old.includes("\n") && flat) return `[${value.map((v) => JSON.stringify(v)).join(", ")}]`;
  const { indent } = lineStartOf(text, start);
  const unit = /^([ \t]+)"/m.exec(text)?.[1] ?? "  ";
  return JSON.stringify(value, null, unit)
    .split("\n")
    .join(eol + indent);
}

function replaceValue(
  text: string,
  sf: ts.SourceFile,
  prop: ts.PropertyAssignment,
  value: unknown,
) {
  const start = prop.initializer.getStart(sf);
  const end = prop.initializer.getEnd();
  return (
    text.slice(0, start) + valueText(text, start, text.slice(start, end), value) + text.slice(end)
  );
}

/**
 * Appends `"key": value` to `obj`. In a multi-line object whose last property ends its line (a trailing
 * comma or a comment may follow) the new one gets a line of its own after that line, so a comment stays
 * with the property it was written for; anything else goes through insertProperty.
 */
function appendProperty(
  text: string,
  sf: ts.SourceFile,
  obj: ts.ObjectLiteralExpression,
  key: string,
  value: unknown,
): string {
  const props = obj.properties;
  const last = props[props.length - 1];
  const multiline = text.slice(obj.getStart(sf), obj.getEnd()).includes("\n");
  if (!last || !multiline) return insertProperty(text, sf, obj, key, value, { append: true });
  const end = last.getEnd();
  const rest = /^([ \t]*)(,?)([ \t]*(?:\/\/[^\r\n]*|\/\*[^\r\n]*?\*\/)?[ \t]*)(?=\r?\n)/.exec(
    text.slice(end),
  );
  if (!rest) return insertProperty(text, sf, obj, key, value, { append: true });
  const eol = eolOf(text);
  const { indent } = lineStartOf(text, last.getStart(sf));
  const entry = `${JSON.stringify(key)}: ${valueText(text, last.getStart(sf), "\n", value)}`;
  const lineEnd = end + rest[0].length;
  const trailing = rest[2] === ",";
  return (
    text.slice(0, end) +
    (trailing ? "" : ",") +
    text.slice(end, lineEnd) +
    eol +
    indent +
    entry +
    (trailing ? "," : "") +
    text.slice(lineEnd)
  );
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export interface EntryEdit {
  /** The servers object's key: "mcpServers" or "servers". */
  serversKey: string;
  name: string;
  /** Fields governor manages, in the order they are written; `env` is merged key by key. */
  fields: Record<string, unknown>;
}

/**
 * `text` (a JSON object, comments allowed) with `serversKey.name` set to `fields`: other servers and the
 * entry's other fields are kept, and `env` keys other than governor's too. A field already holding the
 * value is not touched, so a second run returns the same text.
 */
export function setServerEntry(text: string, edit: EntryEdit): string {
  const { serversKey, name, fields } = edit;
  let { sf, root } = parse(text);
  const serversProp = one(root, serversKey, `"${serversKey}"`);
  if (!serversProp) return appendProperty(text, sf, root, serversKey, { [name]: fields });
  if (!ts.isObjectLiteralExpression(serversProp.initializer))
    throw new JsonConfigError(`its "${serversKey}" is not an object`);
  const entryProp = one(serversProp.initializer, name, `the server "${name}"`);
  if (!entryProp) return appendProperty(text, sf, serversProp.initializer, name, fields);
  if (!ts.isObjectLiteralExpression(entryProp.initializer))
    throw new JsonConfigError(`its server "${name}" is not an object`);

  const entry = () => {
    ({ sf, root } = parse(text));
    return findObjectProperty(findObjectProperty(root, serversKey)!, name)!;
  };
  for (const [key, value] of Object.entries(fields)) {
    const obj = entry();
    const prop = one(obj, key, `"${key}" in the server "${name}"`);
    const current = prop ? parseConfig(`{"v":${prop.initializer.getText(sf)}}`, true).v : undefined;
    if (key === "env" && isObject(value) && prop && isObject(current)) {
      for (const [k, v] of Object.entries(value)) {
        const env = findObjectProperty(entry(), "env")!;
        const envProp = one(env, k, `"${k}" in the env of "${name}"`);
        if (!envProp) text = appendProperty(text, sf, env, k, v);
        else if (!same(current[k], v)) text = replaceValue(text, sf, envProp, v);
      }
    } else if (!prop) {
      text = appendProperty(text, sf, obj, key, value);
    } else if (!same(current, value)) {
      text = replaceValue(text, sf, prop, value);
    }
  }
  return text;
}

/** The entry as the file has it after parsing (JSONC allowed), or undefined. */
export function readServerEntry(
  config: Record<string, unknown>,
  serversKey: string,
  name: string,
): { servers: unknown; entry: unknown } {
  const servers = config[serversKey];
  return { servers, entry: isObject(servers) ? servers[name] : undefined };
}
