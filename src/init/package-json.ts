import { ts } from "ts-morph";

// Adds the governor runtime to package.json "dependencies" as a text edit (the rest of the file stays
// byte for byte), unless any dependency field already declares it.

export const RUNTIME_PACKAGE = "governor";

const FIELDS = ["dependencies", "devDependencies", "peerDependencies", "optionalDependencies"] as const;

export function declaredRange(pkg: Record<string, unknown>, name = RUNTIME_PACKAGE): string | null {
  for (const field of FIELDS) {
    const deps = pkg[field] as Record<string, unknown> | undefined;
    if (deps && typeof deps[name] === "string") return deps[name] as string;
  }
  return null;
}

function propName(p: ts.ObjectLiteralElementLike): string | null {
  return ts.isPropertyAssignment(p) && ts.isStringLiteral(p.name) ? p.name.text : null;
}

function lineIndent(text: string, pos: number): string {
  const lineStart = text.lastIndexOf("\n", pos - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))![0];
}

/** Inserts `"key": value` into an object literal, in sorted position when the keys were sorted. */
function insertProperty(text: string, obj: ts.ObjectLiteralExpression, sf: ts.SourceFile, key: string, valueText: string): string {
  const props = obj.properties;
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const entry = `${JSON.stringify(key)}: ${valueText}`;
  if (props.length === 0) {
    const open = obj.getStart(sf) + 1;
    const close = obj.getEnd() - 1;
    return text.slice(0, open) + ` ${entry} ` + text.slice(close);
  }
  const names = props.map(propName);
  const sorted = names.every((n, i) => i === 0 || (names[i - 1] ?? "").localeCompare(n ?? "") <= 0);
  let at = sorted ? names.findIndex((n) => (n ?? "").localeCompare(key) > 0) : -1;
  if (at < 0) at = props.length;
  const multiline = text.slice(obj.getStart(sf), obj.getEnd()).includes("\n");
  if (at < props.length) {
    const next = props[at];
    const start = next.getStart(sf);
    const sep = multiline ? `,${eol}${lineIndent(text, start)}` : ", ";
    return text.slice(0, start) + entry + sep + text.slice(start);
  }
  const last = props[props.length - 1];
  const end = last.getEnd();
  const sep = multiline ? `,${eol}${lineIndent(text, last.getStart(sf))}` : ", ";
  return text.slice(0, end) + sep + entry + text.slice(end);
}

/**
 * The package.json text with `name@range` added to dependencies, or the same text when it is already
 * declared anywhere.
 */
export function addDependency(text: string, range: string, name = RUNTIME_PACKAGE): string {
  const pkg = JSON.parse(text) as Record<string, unknown>;
  if (declaredRange(pkg, name) !== null) return text;
  const sf = ts.parseJsonText("package.json", text);
  const root = sf.statements[0]?.expression;
  if (!root || !ts.isObjectLiteralExpression(root)) throw new Error("package.json is not an object");
  const deps = root.properties.find((p) => propName(p) === "dependencies");
  if (deps && ts.isPropertyAssignment(deps) && ts.isObjectLiteralExpression(deps.initializer)) {
    return insertProperty(text, deps.initializer, sf, name, JSON.stringify(range));
  }
  const multiline = text.slice(root.getStart(sf), root.getEnd()).includes("\n");
  const first = root.properties[0];
  const indent = first ? lineIndent(text, first.getStart(sf)) : "  ";
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const value = multiline
    ? `{${eol}${indent}${indent}${JSON.stringify(name)}: ${JSON.stringify(range)}${eol}${indent}}`
    : `{ ${JSON.stringify(name)}: ${JSON.stringify(range)} }`;
  if (!root.properties.length) return `{${eol}${indent}"dependencies": ${value}${eol}}` + text.slice(root.getEnd());
  const last = root.properties[root.properties.length - 1];
  const end = last.getEnd();
  const sep = multiline ? `,${eol}${indent}` : ", ";
  return text.slice(0, end) + sep + `"dependencies": ${value}` + text.slice(end);
}
