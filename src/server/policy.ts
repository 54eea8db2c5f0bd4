// Policy files for `governor serve`: parse (YAML or JSON), validate with messages that name the file,
// the rule and the field, and compile every rule into plain predicates once so requests do no parsing.
import { isObject } from "../runtime/shared.js";
import { parse as parseYaml } from "yaml";
import {
  buildVocabulary,
  normalizeTerm,
  synonymOf,
  VOCABULARY_FIELDS,
  type Vocabulary,
  type VocabularyField,
} from "./vocabulary.js";
import type { CanonicalIntent } from "./canonicalize.js";

export type Effect = "allow" | "deny";

export interface CompiledRule {
  id: string;
  effect: Effect;
  reason?: string;
  denyCode?: string;
  /** The rule's `when` as written, with dotted keys (`resource.type`): for policy summaries. */
  when: Readonly<Record<string, unknown>>;
  matches(intent: CanonicalIntent): boolean;
}

export interface Policy {
  file: string;
  default: Effect;
  rules: CompiledRule[];
  vocabulary: Vocabulary;
}

export class PolicyError extends Error {
  readonly code = "policy_invalid";
  /** What to do about it, when it is not simply "fix the file". */
  readonly fix?: string;
  constructor(message: string, fix?: string) {
    super(message);
    this.name = "PolicyError";
    this.fix = fix;
  }
}

type Getter = (i: CanonicalIntent) => unknown;
interface FieldSpec {
  get: Getter;
  kind: "term" | "list" | "bool";
  vocab?: VocabularyField;
  only?: readonly string[];
}

// Ids and names stay as sent in the intent (logs, /canonicalize) and are normalized only to be compared.
const term = (v: string | undefined) => (v === undefined ? undefined : normalizeTerm(v));

// Fields a rule's `when` can test. Strings on both sides are compared in normalizeTerm's form.
// A Map, so a key such as `constructor` or `__proto__` is unknown, never Object.prototype's.
const FIELDS = new Map<string, FieldSpec>([
  ["action", { get: (i) => i.action, kind: "term", vocab: "action" }],
  ["actor.id", { get: (i) => term(i.actor.id), kind: "term" }],
  ["actor.type", { get: (i) => i.actor.type, kind: "term", vocab: "actor_type" }],
  ["resource.type", { get: (i) => i.resource.type, kind: "term", vocab: "resource_type" }],
  ["resource.name", { get: (i) => term(i.resource.name), kind: "term" }],
  ["data.sensitivity", { get: (i) => i.data.sensitivity, kind: "list" }],
  ["data.pii", { get: (i) => i.data.pii, kind: "bool" }],
  ["data.volume", { get: (i) => i.data.volume, kind: "term", only: ["single", "bulk"] }],
  ["risk.authn", { get: (i) => term(i.risk.authn), kind: "term" }],
  ["layer", { get: (i) => term(i.layer), kind: "term" }],
]);
const FIELD_NAMES = [...FIELDS.keys()].join(", ");
const RULE_KEYS = new Set(["id", "effect", "reason", "deny_code", "when"]);
const TOP_KEYS = new Set(["version", "default", "rules", "vocabulary"]);

function show(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return "a value that refers to itself (a YAML alias loop)";
  }
}

/** The known key closest to a mistyped one (one or two edits away), for "did you mean" hints. */
function closest(word: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const k of known) {
    const d = editDistance(word.toLowerCase(), k.toLowerCase());
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

const didYouMean = (word: string, known: Iterable<string>) => {
  const k = closest(word, known);
  return k ? ` Did you mean "${k}"?` : "";
};

/**
 * `*` matches any run of characters. Matched by scanning, not a RegExp: `*a*a*a*b` against a long
 * request value would backtrack for minutes and stall every request behind it.
 */
export function globMatcher(glob: string): (v: string) => boolean {
  const parts = glob.split("*");
  const first = parts[0];
  const last = parts[parts.length - 1];
  const middle = parts.slice(1, -1).filter((p) => p !== "");
  const min = parts.reduce((n, p) => n + p.length, 0);
  return (v) => {
    if (v.length < min || !v.startsWith(first) || !v.endsWith(last)) return false;
    const end = v.length - last.length;
    let at = first.length;
    for (const m of middle) {
      const k = v.indexOf(m, at);
      if (k === -1 || k + m.length > end) return false;
      at = k + m.length;
    }
    return true;
  };
}

/** A string matcher: exact set plus `*` globs, compiled once. */
function stringMatcher(values: string[]): (v: string) => boolean {
  if (values.includes("*")) return () => true;
  const exact = new Set(values.filter((v) => !v.includes("*")));
  const globs = values.filter((v) => v.includes("*")).map(globMatcher);
  if (globs.length === 0) return (v) => exact.has(v);
  return (v) => exact.has(v) || globs.some((g) => g(v));
}

function compileField(
  where: string,
  field: string,
  raw: unknown,
  vocabulary: Vocabulary,
): (i: CanonicalIntent) => boolean {
  const spec = FIELDS.get(field);
  if (!spec)
    throw new PolicyError(
      `${where}: when.${field}: unknown field.${didYouMean(field, FIELDS.keys())} Fields a rule can test: ${FIELD_NAMES}.`,
    );
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0)
    throw new PolicyError(
      `${where}: when.${field}: empty list; give at least one value or remove the field.`,
    );
  if (spec.kind === "bool") {
    if (!list.every((v) => typeof v === "boolean"))
      throw new PolicyError(`${where}: when.${field}: expected true or false, got ${show(raw)}.`);
    const want = new Set(list as boolean[]);
    return (i) => want.has(spec.get(i) as boolean);
  }
  if (!list.every((v) => typeof v === "string" && v.length > 0))
    throw new PolicyError(
      `${where}: when.${field}: expected a string or a list of strings, got ${show(raw)}.`,
    );
  // Globs too: `External-*` must match a request's `external_api`.
  const values = (list as string[]).map(normalizeTerm);
  const empty = (list as string[]).find((_, k) => values[k] === "");
  if (empty !== undefined)
    throw new PolicyError(
      `${where}: when.${field}: ${show(empty)} has no letters or digits, so it can never match.`,
    );
  if (spec.only) {
    const bad = values.find((v) => !spec.only!.includes(v));
    if (bad !== undefined)
      throw new PolicyError(
        `${where}: when.${field}: expected ${spec.only.map((o) => `"${o}"`).join(" or ")}, got ${show(bad)}.`,
      );
  }
  if (spec.vocab) {
    for (const v of values) {
      const canonical = synonymOf(vocabulary, spec.vocab, v);
      if (canonical)
        throw new PolicyError(
          `${where}: when.${field}: "${v}" is a synonym that requests are canonicalized away from; write the canonical value "${canonical}" instead.`,
        );
    }
  }
  const match = stringMatcher(values);
  if (spec.kind === "list") {
    return (i) => {
      const present = spec.get(i) as string[];
      for (let k = 0; k < present.length; k++) if (match(present[k])) return true;
      return false;
    };
  }
  return (i) => {
    const v = spec.get(i);
    return typeof v === "string" && match(v);
  };
}

/** `when` may use dotted keys (`resource.type: x`) or nested objects (`resource: { type: x }`). */
function flattenWhen(when: Record<string, unknown>): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const [k, v] of Object.entries(when)) {
    if (isObject(v) && ["actor", "resource", "data", "risk"].includes(k)) {
      for (const [k2, v2] of Object.entries(v)) out.push([`${k}.${k2}`, v2]);
    } else out.push([k, v]);
  }
  return out;
}

function compileRule(
  file: string,
  index: number,
  raw: unknown,
  seen: Set<string>,
  vocabulary: Vocabulary,
): CompiledRule {
  let where = `${file}: rules[${index}]`;
  if (!isObject(raw))
    throw new PolicyError(
      `${where}: expected a rule object with id, effect and when, got ${show(raw)}.`,
    );
  if (typeof raw.id !== "string" || raw.id.trim() === "")
    throw new PolicyError(`${where}: id: every rule needs a non-empty string id.`);
  where = `${file}: rule "${raw.id}" (rules[${index}])`;
  if (seen.has(raw.id))
    throw new PolicyError(`${where}: id: duplicate rule id; rule ids must be unique.`);
  seen.add(raw.id);
  for (const k of Object.keys(raw))
    if (!RULE_KEYS.has(k))
      throw new PolicyError(
        `${where}: ${k}: unknown key.${didYouMean(k, RULE_KEYS)} A rule has: ${[...RULE_KEYS].join(", ")}.`,
      );
  if (raw.effect !== "allow" && raw.effect !== "deny")
    throw new PolicyError(`${where}: effect: must be "allow" or "deny", got ${show(raw.effect)}.`);
  if (raw.reason !== undefined && typeof raw.reason !== "string")
    throw new PolicyError(`${where}: reason: expected a string.`);
  if (
    raw.deny_code !== undefined &&
    (typeof raw.deny_code !== "string" || !/^[a-z][a-z0-9_]*$/.test(raw.deny_code))
  )
    throw new PolicyError(
      `${where}: deny_code: expected a snake_case code such as "stepup_required", got ${show(raw.deny_code)}.`,
    );
  if (raw.deny_code !== undefined && raw.effect !== "deny")
    throw new PolicyError(`${where}: deny_code: only deny rules carry a deny code.`);
  if (raw.when !== undefined && !isObject(raw.when))
    throw new PolicyError(
      `${where}: when: expected a map of field: value(s), e.g. { action: read }.`,
    );
  const when = flattenWhen((raw.when as Record<string, unknown>) ?? {});
  const tests = when.map(([f, v]) => compileField(where, f, v, vocabulary));
  const matches =
    tests.length === 0
      ? () => true
      : tests.length === 1
        ? tests[0]
        : (i: CanonicalIntent) => {
            for (let k = 0; k < tests.length; k++) if (!tests[k](i)) return false;
            return true;
          };
  return {
    id: raw.id,
    effect: raw.effect,
    reason: raw.reason as string | undefined,
    denyCode: raw.deny_code as string | undefined,
    when: Object.freeze(Object.fromEntries(when)),
    matches,
  };
}

function compileVocabulary(file: string, raw: unknown): Vocabulary {
  if (raw === undefined || raw === null) return buildVocabulary();
  if (!isObject(raw))
    throw new PolicyError(
      `${file}: vocabulary: expected a map such as { action: { lookup: read } }.`,
    );
  const extra: Partial<Record<VocabularyField, Record<string, string>>> = {};
  for (const [field, map] of Object.entries(raw)) {
    if (!(VOCABULARY_FIELDS as readonly string[]).includes(field))
      throw new PolicyError(
        `${file}: vocabulary.${field}: unknown field. Vocabulary fields: ${VOCABULARY_FIELDS.join(", ")}.`,
      );
    if (!isObject(map))
      throw new PolicyError(
        `${file}: vocabulary.${field}: expected a map of raw word -> canonical word.`,
      );
    for (const [k, v] of Object.entries(map))
      if (typeof v !== "string" || normalizeTerm(v) === "")
        throw new PolicyError(
          `${file}: vocabulary.${field}.${k}: expected the canonical word (letters or digits) as a string, got ${show(v)}.`,
        );
    extra[field as VocabularyField] = map as Record<string, string>;
  }
  return buildVocabulary(extra);
}

/** Parses and validates policy text; throws PolicyError naming the file, rule and field. */
export function parsePolicy(text: string, file: string): Policy {
  let doc: unknown;
  // A .json file gets JSON's own error (with its position); YAML's reading of broken JSON is confusing.
  const json = /\.json$/i.test(file);
  try {
    doc = json ? JSON.parse(text) : parseYaml(text, { logLevel: "error" }); // yaml warnings quote the file
  } catch (err) {
    const first = (err as Error).message.split("\n")[0].replace(/:\s*$/, "");
    throw new PolicyError(`${file}: not valid ${json ? "JSON" : "YAML"}: ${first}.`);
  }
  if (!isObject(doc))
    throw new PolicyError(
      `${file}: expected a policy with version, default and rules (see docs/cli.md), got ${doc === null ? "an empty file" : show(doc)}.`,
    );
  for (const k of Object.keys(doc))
    if (!TOP_KEYS.has(k))
      throw new PolicyError(
        `${file}: ${k}: unknown key.${didYouMean(k, TOP_KEYS)} A policy has: ${[...TOP_KEYS].join(", ")}.`,
      );
  if (doc.version === undefined)
    throw new PolicyError(`${file}: version: missing. Add \`version: 1\` as the first line.`);
  if (doc.version !== 1)
    throw new PolicyError(`${file}: version: must be 1, got ${show(doc.version)}.`);
  const def = doc.default ?? "deny";
  if (def !== "allow" && def !== "deny")
    throw new PolicyError(`${file}: default: must be "allow" or "deny", got ${show(def)}.`);
  const rawRules = doc.rules ?? [];
  if (!Array.isArray(rawRules)) throw new PolicyError(`${file}: rules: expected a list of rules.`);
  const vocabulary = compileVocabulary(file, doc.vocabulary);
  const seen = new Set<string>();
  const rules = rawRules.map((r, i) => compileRule(file, i, r, seen, vocabulary));
  return { file, default: def, rules, vocabulary };
}

export const NOT_FOUND_FIX =
  "Check the path, or pass --policy <file> with a YAML or JSON policy (see docs/cli.md; a policy needs at least `version: 1`).";
