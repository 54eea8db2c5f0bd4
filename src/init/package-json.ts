import { findObjectProperty, insertProperty, parseJsonObject } from "./json-edit.js";

// Adds the governor runtime to package.json "dependencies" as a text edit (the rest of the file stays
// byte for byte), unless any dependency field already declares it.

export const RUNTIME_PACKAGE = "governor";

const FIELDS = [
  "dependencies",
  "devDependencies",
  "peerDependencies",
  "optionalDependencies",
] as const;

export function declaredRange(pkg: Record<string, unknown>, name = RUNTIME_PACKAGE): string | null {
  for (const field of FIELDS) {
    const deps = pkg[field] as Record<string, unknown> | undefined;
    if (deps && typeof deps[name] === "string") return deps[name] as string;
  }
  return null;
}

/** The package.json text with `name@range` added to dependencies, or the same text when already declared. */
export function addDependency(text: string, range: string, name = RUNTIME_PACKAGE): string {
  const pkg = JSON.parse(text) as Record<string, unknown>;
  if (declaredRange(pkg, name) !== null) return text;
  const { sf, root } = parseJsonObject("package.json", text);
  const deps = findObjectProperty(root, "dependencies");
  if (deps) return insertProperty(text, sf, deps, name, range);
  // no "dependencies" yet: append the field (never re-sorting the user's top-level keys)
  return insertProperty(text, sf, root, "dependencies", { [name]: range }, { append: true });
}
