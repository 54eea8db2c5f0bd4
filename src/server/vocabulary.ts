// Canonical vocabulary: raw words an agent or a tool name uses -> the terms policies are written in.
// The policy file can add its own synonyms; they win over the built-in ones.

export type VocabularyField = "action" | "resource_type" | "actor_type";
export const VOCABULARY_FIELDS: readonly VocabularyField[] = [
  "action",
  "resource_type",
  "actor_type",
];

export interface Prediction {
  canonical: string;
  confidence: number;
  source: "exact" | "builtin_vocabulary" | "policy_vocabulary" | "passthrough";
}

export interface TraceEntry {
  field: VocabularyField;
  raw_input: string;
  prediction: Prediction;
}

// canonical term -> its synonyms
const BUILT_IN: Record<VocabularyField, Record<string, string[]>> = {
  action: {
    read: [
      "query",
      "select",
      "fetch",
      "get",
      "list",
      "search",
      "lookup",
      "find",
      "view",
      "retrieve",
      "describe",
      "show",
      "download",
      "browse",
    ],
    write: [
      "create",
      "insert",
      "add",
      "update",
      "save",
      "put",
      "edit",
      "modify",
      "upsert",
      "patch",
      "upload",
      "set",
      "append",
    ],
    delete: ["remove", "drop", "destroy", "erase", "purge", "truncate", "unlink"],
    send: ["post", "email", "mail", "notify", "message", "publish", "reply", "forward", "sms"],
    execute: ["run", "exec", "invoke", "call", "spawn", "shell", "eval"],
    refund: ["reimburse", "chargeback"],
  },
  resource_type: {
    database: [
      "db",
      "postgres",
      "postgres_db",
      "postgresql",
      "mysql",
      "sqlite",
      "sql",
      "table",
      "mongodb",
      "mongo",
      "dynamodb",
    ],
    email: ["mail", "smtp", "gmail", "inbox", "mailbox"],
    file: [
      "document",
      "doc",
      "s3",
      "s3_object",
      "blob",
      "filesystem",
      "fs",
      "path",
      "folder",
      "directory",
    ],
    external_api: [
      "api",
      "http",
      "rest",
      "rest_api",
      "webhook",
      "url",
      "endpoint",
      "graphql",
      "web",
    ],
    payment: ["payments", "stripe", "charge", "invoice", "transaction"],
  },
  actor_type: {
    user: ["human", "person", "customer", "end_user"],
    agent: ["bot", "assistant", "ai", "llm"],
    service: ["system", "app", "application", "daemon", "job"],
  },
};

export type Vocabulary = Record<VocabularyField, Map<string, Prediction>>;

const NORMAL = /^[a-z0-9]+(?:_[a-z0-9]+)*$/;
// Invisible format characters (zero-width space, soft hyphen) would let one word pass for another.
const INVISIBLE = /\p{Cf}/gu;
const SEPARATORS = /[\s\p{Pd}_]+/gu;
const EDGES = /^_+|_+$/g;

/**
 * The one form every rule value and every request value is compared in: NFKC, invisible characters
 * dropped, lower-case, each run of spaces, dashes and underscores one `_`, none at the ends.
 * "Top-Secret", "top secret" and "TOP_SECRET" are one word; `*` is kept, so globs normalise too.
 */
export function normalizeTerm(raw: string): string {
  if (NORMAL.test(raw)) return raw;
  return raw
    .normalize("NFKC")
    .replace(INVISIBLE, "")
    .toLowerCase()
    .replace(SEPARATORS, "_")
    .replace(EDGES, "");
}

/** Built-in synonyms plus the policy's own (`extra[field][raw] = canonical`), precomputed into lookups. */
export function buildVocabulary(
  extra: Partial<Record<VocabularyField, Record<string, string>>> = {},
): Vocabulary {
  const out = {} as Vocabulary;
  for (const field of VOCABULARY_FIELDS) {
    const map = new Map<string, Prediction>();
    for (const [canonical, synonyms] of Object.entries(BUILT_IN[field])) {
      map.set(canonical, { canonical, confidence: 1, source: "exact" });
      for (const s of synonyms)
        map.set(s, { canonical, confidence: 0.95, source: "builtin_vocabulary" });
    }
    const own: string[] = [];
    for (const [raw, canonical] of Object.entries(extra[field] ?? {})) {
      own.push(normalizeTerm(raw));
      map.set(own[own.length - 1], {
        canonical: normalizeTerm(canonical),
        confidence: 1,
        source: "policy_vocabulary",
      });
    }
    // An alias onto a synonym (`lookup2: query`) must land where a request for that synonym lands (`read`):
    // otherwise no rule can match it, since rules may not name synonyms.
    for (const k of own) {
      const p = map.get(k)!;
      let c = p.canonical;
      const seen = new Set([k]);
      for (let next = map.get(c); next && next.canonical !== c && !seen.has(c); next = map.get(c)) {
        seen.add(c);
        c = next.canonical;
      }
      p.canonical = c;
    }
    for (const k of own) {
      const c = map.get(k)!.canonical;
      if (!map.has(c)) map.set(c, { canonical: c, confidence: 1, source: "exact" });
    }
    out[field] = map;
  }
  return out;
}

/** The canonical form of one raw term; unknown words pass through normalized, with low confidence. */
export function predict(vocabulary: Vocabulary, field: VocabularyField, raw: string): Prediction {
  const term = normalizeTerm(raw);
  return vocabulary[field].get(term) ?? { canonical: term, confidence: 0.5, source: "passthrough" };
}

/** Is `term` a raw synonym (not itself canonical) in this field? Used to catch rules that can never match. */
export function synonymOf(
  vocabulary: Vocabulary,
  field: VocabularyField,
  term: string,
): string | undefined {
  const p = vocabulary[field].get(normalizeTerm(term));
  return p && p.source !== "exact" && p.canonical !== normalizeTerm(term) ? p.canonical : undefined;
}
