// Removing secrets from text that leaves the process: errors, audit lines, the refusal the model reads,
// what check() hands the app. Always redact the whole text first, then cut it (clip): a secret that
// straddles the cut is no longer whole, so redacting after cutting would miss it and leak a prefix.

const MARK = "[redacted]";
/** Any run this long of a configured secret counts as the secret (a server may echo a cut copy). */
const FRAGMENT = 8;

// Credentials nobody configured here but that a server may echo (an upstream's key, a token).
// A scheme's token has a digit or symbol, or is long: "Basic authentication failed" keeps its words.
const AUTH_SCHEME =
  /\b(bearer|basic)(\s+)(?=[A-Za-z0-9._~+/=-]{8,})(?:[A-Za-z-]*[0-9._~+/=][A-Za-z0-9._~+/=-]*|[A-Za-z-]{20,})/gi;
const KEY_SHAPES =
  /\b(?:sk-[A-Za-z0-9_-]{16,}|(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{20,}|xox[abposr]-[A-Za-z0-9-]{10,}|(?:AKIA|ASIA)[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{35}|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*)|-----BEGIN[A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END[A-Z ]*PRIVATE KEY-----|$)/g;
const NAMED_VALUE =
  /\b((?:api[_-]?key|access[_-]?token|refresh[_-]?token|client[_-]?secret|secret|password|passwd|token)["']?\s*[:=]\s*["']?)[^\s"'&,;)}\]]{8,}/gi;
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi;

/** A URL as shown to people: userinfo and query string replaced, fragment dropped. Works on text
 *  that does not parse as a URL too (it is shown in the error saying so): all up to its last "@" goes. */
export function safeUrl(url: string | URL): string {
  const s = String(url);
  const scheme = /^[a-z][a-z0-9+.-]*:[\\/]{2}/i.exec(s);
  const start = scheme ? scheme[0].length : 0;
  const rest = s.slice(start);
  // An "@" in the path may end a password with an unescaped "/" ("u:1/ss@host" parses); in text that
  // does not parse (a "?" or "#" in it too) where the authority ends is a guess: the last "@" counts.
  const authEnd = URL.canParse(s) ? rest.search(/[?#]/) : -1;
  const authority = authEnd === -1 ? rest : rest.slice(0, authEnd);
  const at = authority.lastIndexOf("@");
  let out = s.slice(0, start) + (at === -1 ? rest : MARK + rest.slice(at));
  out = out.replace(/#[\s\S]*$/, "");
  return out.replace(/\?[\s\S]*$/, (q) => (q.length > 1 ? "?" + MARK : ""));
}

/** Cut text to `max` characters. Only ever on text already redacted. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

export type Redactor = (text: string) => string;

/** Forms a secret may be echoed in besides itself: URL- and JSON-escaped, hex, and base64 at each
 *  of the three byte alignments it may have inside a longer encoded text (only the characters that
 *  depend on the secret alone: its 8+ character runs are then found wherever it sits). */
function forms(secret: string): string[] {
  const bytes = Buffer.from(secret, "utf8");
  const hex = bytes.toString("hex");
  const encoded = [hex, hex.toUpperCase()];
  for (let pad = 0; pad < 3; pad++) {
    const b64 = Buffer.concat([Buffer.alloc(pad), bytes])
      .toString("base64")
      .replace(/=+$/, "");
    const inner = b64.slice(pad ? 4 : 0, b64.length - 4);
    encoded.push(inner, inner.replace(/\+/g, "-").replace(/\//g, "_"));
  }
  // A short encoded form is too likely to be ordinary text to be removed wherever it appears.
  const all = [
    secret,
    encodeURIComponent(secret),
    JSON.stringify(secret).slice(1, -1),
    ...encoded.filter((e) => e.length >= FRAGMENT),
  ];
  return all.filter((s, i) => all.indexOf(s) === i);
}

/** A redactor for these secrets. `strong` ones (keys) are removed whole and as any run of 8+ of their
 *  characters; `exact` ones (header values that may be ordinary words) only whole. Secrets shorter than
 *  4 characters are ignored: removing them would wreck the text and hide nothing. Known credential
 *  shapes, URL userinfo and query strings are removed whatever was configured. */
export function makeRedactor(
  strong: (string | undefined)[],
  exact: (string | undefined)[] = [],
): Redactor {
  const grams = new Set<string>();
  const whole: string[] = [];
  for (const s of strong) {
    if (typeof s !== "string" || s.length < 4) continue;
    for (const f of forms(s)) {
      if (f.length < FRAGMENT) whole.push(f);
      else for (let i = 0; i + FRAGMENT <= f.length; i++) grams.add(f.slice(i, i + FRAGMENT));
    }
  }
  for (const s of exact) if (typeof s === "string" && s.length >= 4) whole.push(...forms(s));
  whole.sort((a, b) => b.length - a.length);
  // A decision's keys and trace values repeat check after check: their answers are kept (bounded).
  const seen = new Map<string, string>();
  return (text) => {
    const hit = seen.get(text);
    if (hit !== undefined) return hit;
    let out = grams.size && text.length >= FRAGMENT ? dropFragments(text, grams) : text;
    for (const s of whole) if (out.includes(s)) out = out.split(s).join(MARK);
    out = redactShapes(out);
    if (text.length <= 200) {
      if (seen.size >= 512) seen.clear();
      seen.set(text, out);
    }
    return out;
  };
}

/** Replace every run of text made of overlapping FRAGMENT-long pieces found in `grams`. */
function dropFragments(text: string, grams: Set<string>): string {
  let out = "";
  let from = 0;
  let end = -1;
  for (let i = 0; i + FRAGMENT <= text.length; i++) {
    if (!grams.has(text.slice(i, i + FRAGMENT))) continue;
    if (i > end) out += text.slice(from, i) + MARK;
    end = i + FRAGMENT;
    from = end;
  }
  return end < 0 ? text : out + text.slice(from);
}

function redactShapes(text: string): string {
  if (text.length < 8) return text;
  return text
    .replace(URL_IN_TEXT, (u) => safeUrl(u))
    .replace(AUTH_SCHEME, `$1$2${MARK}`)
    .replace(KEY_SHAPES, MARK)
    .replace(NAMED_VALUE, `$1${MARK}`);
}

/** Remove these secrets (and known credential shapes) from text. */
export function redact(text: string, ...secrets: (string | undefined)[]): string {
  return makeRedactor(secrets)(text);
}

/** A copy of JSON data with every string and key redacted; nesting past 32 levels is cut off. */
export function redactJson(value: unknown, scrub: Redactor, depth = 0): unknown {
  if (typeof value === "string") return scrub(value);
  if (value === null || typeof value !== "object") return value;
  if (depth >= 32) return "[nested too deep]";
  if (Array.isArray(value)) return value.map((v) => redactJson(v, scrub, depth + 1));
  const out: Record<string, unknown> = {};
  // defineProperty: a "__proto__" key stays a key, not the copy's prototype.
  for (const [k, v] of Object.entries(value))
    Object.defineProperty(out, scrub(k), {
      value: redactJson(v, scrub, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return out;
}

/** Header names whose values are credentials: redacted like keys, not only when whole. */
export const CREDENTIAL_HEADER = /auth|key|token|secret|pass|cookie|session|signature|credential/i;
