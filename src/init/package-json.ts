// Adds the governor runtime to package.json "dependencies", unless any dependency field declares it.

export const RUNTIME_PACKAGE = "governor";

const FIELDS = ["dependencies", "devDependencies", "peerDependencies", "optionalDependencies"] as const;

export function declaredRange(pkg: Record<string, unknown>, name = RUNTIME_PACKAGE): string | null {
  for (const field of FIELDS) {
    const deps = pkg[field] as Record<string, unknown> | undefined;
    if (deps && typeof deps[name] === "string") return deps[name] as string;
  }
  return null;
}

function indentOf(text: string): string | number {
  const m = /^([ \t]+)"/m.exec(text);
  return m ? m[1] : 2;
}

/**
 * The package.json text with `name@range` added to dependencies (kept sorted when they were), or the
 * same text when it is already declared anywhere.
 */
export function addDependency(text: string, range: string, name = RUNTIME_PACKAGE): string {
  const pkg = JSON.parse(text) as Record<string, unknown>;
  if (declaredRange(pkg, name) !== null) return text;
  const deps = { ...((pkg.dependencies as Record<string, string> | undefined) ?? {}) };
  const keys = Object.keys(deps);
  const wasSorted = keys.every((k, i) => i === 0 || keys[i - 1].localeCompare(k) <= 0);
  deps[name] = range;
  const ordered = wasSorted
    ? Object.fromEntries(Object.entries(deps).sort(([a], [b]) => a.localeCompare(b)))
    : deps;
  const out = { ...pkg, dependencies: ordered };
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const trailing = /\r?\n$/.test(text) ? eol : "";
  return JSON.stringify(out, null, indentOf(text)).replace(/\n/g, eol) + trailing;
}
