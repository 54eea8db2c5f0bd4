// The local deny list: governor.config.json "deny": ["admin_*", "delete_*"]. A tool whose whole name
// matches a pattern is refused here, before enforce is asked (no network needed, so fail mode open
// cannot let it through; observe mode runs it and records that it would have been refused). `*` matches any characters, none included; every other character is literal and
// matching is case-sensitive. There is no local allow list: only enforce allows.

export interface DenyList {
  /** The first pattern that matches the whole tool name, or undefined. */
  match(tool: string): string | undefined;
  readonly size: number;
}

const EXAMPLE = `e.g. "deny": ["admin_*", "delete_*"]`;

/** Problems with a "deny" value (for validateIntentMap, whose caller names the file). */
export function denyProblems(value: unknown): string[] {
  if (!Array.isArray(value))
    return [
      `"deny" must be an array of tool name patterns (* matches any characters), ${EXAMPLE} (got ${describe(value)})`,
    ];
  const problems: string[] = [];
  value.forEach((p, i) => {
    if (typeof p !== "string" || !p.trim())
      problems.push(
        `"deny"[${i}] must be a non-empty tool name pattern string, ${EXAMPLE} (got ${describe(p)})`,
      );
  });
  return problems;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "string") return JSON.stringify(v.slice(0, 40));
  return typeof v === "object" ? "an object" : `${typeof v} ${String(v).slice(0, 40)}`;
}

function source(pattern: string): string {
  return pattern
    .split("*")
    .map((part) => part.replace(/[\\^$.|?+()[\]{}\-/]/g, "\\$&"))
    .join("[\\s\\S]*");
}

/** A matcher for validated patterns; null when there are none. */
export function compileDeny(patterns: readonly string[] | undefined): DenyList | null {
  if (!patterns?.length) return null;
  const each = patterns.map((p) => ({ p, re: new RegExp(`^${source(p)}$`) }));
  // One test for the common case, a name that matches nothing; the loop only to name the pattern.
  const any = new RegExp(`^(?:${patterns.map(source).join("|")})$`);
  return {
    size: patterns.length,
    match(tool) {
      if (!any.test(tool)) return undefined;
      return each.find((e) => e.re.test(tool))?.p;
    },
  };
}
