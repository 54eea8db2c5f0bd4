import { ts } from "ts-morph";
import { eolOf, lineStartOf } from "../runtime/shared.js";

// Text edits on JSON files (package.json, governor.config.json) that keep everything outside the
// inserted property byte for byte: indentation, key order, compact objects, line endings.

export function parseJsonObject(
  path: string,
  text: string,
): { sf: ts.JsonSourceFile; root: ts.ObjectLiteralExpression } {
  const sf = ts.parseJsonText(path, text);
  const root = sf.statements[0]?.expression;
  if (!root || !ts.isObjectLiteralExpression(root)) throw new Error(`${path} is not a JSON object`);
  return { sf, root };
}

export function propName(p: ts.ObjectLiteralElementLike): string | null {
  return ts.isPropertyAssignment(p) && ts.isStringLiteral(p.name) ? p.name.text : null;
}

export function findObjectProperty(
  obj: ts.ObjectLiteralExpression,
  name: string,
): ts.ObjectLiteralExpression | null {
  const prop = obj.properties.find((p) => propName(p) === name);
  return prop && ts.isPropertyAssignment(prop) && ts.isObjectLiteralExpression(prop.initializer)
    ? prop.initializer
    : null;
}

function unitIndent(text: string): string {
  return /^([ \t]+)"/m.exec(text)?.[1] ?? "  ";
}

/** A JSON value as text for a property at `indent` (multi-line objects follow the file's indent). */
function valueText(
  value: unknown,
  multiline: boolean,
  indent: string,
  unit: string,
  eol: string,
): string {
  if (!multiline || value === null || typeof value !== "object") return JSON.stringify(value);
  return JSON.stringify(value, null, unit)
    .split("\n")
    .join(eol + indent);
}

/**
 * Inserts `"key": value` into `obj`: in sorted position when its keys were sorted, else at the end;
 * multi-line objects get a line of their own at the siblings' indent, compact ones stay compact.
 */
export function insertProperty(
  text: string,
  sf: ts.SourceFile,
  obj: ts.ObjectLiteralExpression,
  key: string,
  value: unknown,
  options: { append?: boolean } = {},
): string {
  const props = obj.properties;
  const eol = eolOf(text);
  const unit = unitIndent(text);
  const multiline = text.slice(obj.getStart(sf), obj.getEnd()).includes("\n");
  if (props.length === 0) {
    const open = obj.getStart(sf) + 1;
    const close = obj.getEnd() - 1;
    if (!multiline)
      return (
        text.slice(0, open) +
        ` ${JSON.stringify(key)}: ${JSON.stringify(value)} ` +
        text.slice(close)
      );
    const outer = lineStartOf(text, obj.getStart(sf)).indent;
    const inner = outer + unit;
    return (
      text.slice(0, open) +
      eol +
      inner +
      `${JSON.stringify(key)}: ${valueText(value, true, inner, unit, eol)}` +
      eol +
      outer +
      text.slice(close)
    );
  }
  const names = props.map(propName);
  const sorted = names.every((n, i) => i === 0 || (names[i - 1] ?? "").localeCompare(n ?? "") <= 0);
  let at =
    sorted && !options.append ? names.findIndex((n) => (n ?? "").localeCompare(key) > 0) : -1;
  if (at < 0) at = props.length;
  const indent = lineStartOf(text, props[0].getStart(sf)).indent;
  const entry = `${JSON.stringify(key)}: ${valueText(value, multiline, indent, unit, eol)}`;
  if (at < props.length) {
    const start = props[at].getStart(sf);
    return (
      text.slice(0, start) + entry + (multiline ? `,${eol}${indent}` : ", ") + text.slice(start)
    );
  }
  const end = props[props.length - 1].getEnd();
  return text.slice(0, end) + (multiline ? `,${eol}${indent}` : ", ") + entry + text.slice(end);
}
