// Just enough TOML for one server table in Codex's config.toml: a reader that checks the whole file
// (strings, arrays, inline tables, numbers, dates, comments, duplicate keys) and records where each
// table header and key/value sits, so an edit replaces or inserts lines and leaves the rest as it was.
import { lineColumn } from "../runtime/shared.js";

export class TomlError extends Error {}

export interface Statement {
  kind: "table" | "array-table" | "kv";
  /** The table a key/value belongs to (for a header: its own path). */
  table: string[];
  /** The key path of a key/value, relative to its table. */
  key: string[];
  value?: unknown;
  /** The statement's text, and where its value is (key/values only). */
  start: number;
  end: number;
  valueStart: number;
  valueEnd: number;
}

const BARE = /[A-Za-z0-9_-]/;
const NUMBER =
  /^[+-]?(?:(?:0|[1-9](?:_?\d)*)(?:\.\d(?:_?\d)*)?(?:[eE][+-]?\d(?:_?\d)*)?|0x[\da-fA-F](?:_?[\da-fA-F])*|0o[0-7](?:_?[0-7])*|0b[01](?:_?[01])*|inf|nan)$/;
const DATE =
  /^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:\d{2})?)?$|^\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/;

class Reader {
  i = 0;
  constructor(readonly s: string) {}

  fail(what: string, at = this.i): never {
    throw new TomlError(`${what} (${lineColumn(this.s, at)})`);
  }
  spaces() {
    while (this.s[this.i] === " " || this.s[this.i] === "\t") this.i++;
  }
  comment() {
    if (this.s[this.i] !== "#") return;
    while (this.i < this.s.length && this.s[this.i] !== "\n") this.i++;
  }
  /** Whitespace, newlines and comments (inside arrays, between statements). */
  blank() {
    for (;;) {
      this.spaces();
      this.comment();
      if (this.s[this.i] === "\n") this.i++;
      else if (this.s.startsWith("\r\n", this.i)) this.i += 2;
      else return;
    }
  }
  /** The end of a line: spaces, a comment, then a newline or the end of the file. */
  lineEnd() {
    this.spaces();
    this.comment();
    if (this.i >= this.s.length) return;
    if (this.s[this.i] === "\n") this.i++;
    else if (this.s.startsWith("\r\n", this.i)) this.i += 2;
    else this.fail("expected the end of the line");
  }

  key(): string[] {
    const parts: string[] = [];
    for (;;) {
      this.spaces();
      const c = this.s[this.i];
      if (c === '"' || c === "'") parts.push(this.string(false));
      else {
        const from = this.i;
        while (this.i < this.s.length && BARE.test(this.s[this.i])) this.i++;
        if (from === this.i) this.fail("expected a key");
        parts.push(this.s.slice(from, this.i));
      }
      this.spaces();
      if (this.s[this.i] !== ".") return parts;
      this.i++;
    }
  }

  string(multiAllowed = true): string {
    const q = this.s[this.i];
    const multi = this.s.startsWith(q.repeat(3), this.i);
    if (multi && !multiAllowed) this.fail("a key cannot be a multi-line string");
    const from = this.i;
    this.i += multi ? 3 : 1;
    if (multi && this.s[this.i] === "\n") this.i++;
    else if (multi && this.s.startsWith("\r\n", this.i)) this.i += 2;
    let out = "";
    for (;;) {
      if (this.i >= this.s.length) this.fail("a string is not closed", from);
      const c = this.s[this.i];
      if (multi && this.s.startsWith(q.repeat(3), this.i)) {
        // up to two more quotes next to the closing ones belong to the string
        let n = 3;
        while (this.s[this.i + n] === q) n++;
        if (n > 5) this.fail("too many quotes close a string");
        out += q.repeat(n - 3);
        this.i += n;
        return out;
      }
      if (!multi && c === q) {
        this.i++;
        return out;
      }
      if (!multi && c === "\n") this.fail("a string is not closed", from);
      if (q === '"' && c === "\\") {
        const e = this.s[this.i + 1];
        const simple: Record<string, string> = {
          b: "\b",
          t: "\t",
          n: "\n",
          f: "\f",
          r: "\r",
          e: "\x1b",
          '"': '"',
          "\\": "\\",
        };
        if (e in simple) {
          out += simple[e];
          this.i += 2;
        } else if (e === "u" || e === "U" || e === "x") {
          const n = e === "u" ? 4 : e === "U" ? 8 : 2;
          const hex = this.s.slice(this.i + 2, this.i + 2 + n);
          if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) this.fail("a bad escape in a string");
          out += String.fromCodePoint(parseInt(hex, 16));
          this.i += 2 + n;
        } else if (multi && /[ \t\r\n]/.test(e ?? "")) {
          // a line-ending backslash trims the whitespace that follows
          let j = this.i + 1;
          while (/[ \t]/.test(this.s[j] ?? "")) j++;
          if (this.s[j] !== "\n" && !this.s.startsWith("\r\n", j))
            this.fail("a bad escape in a string");
          while (/[ \t\r\n]/.test(this.s[j] ?? "")) j++;
          this.i = j;
        } else this.fail("a bad escape in a string");
        continue;
      }
      out += c;
      this.i++;
    }
  }

  value(): unknown {
    const c = this.s[this.i];
    if (c === '"' || c === "'") return this.string();
    if (c === "[") {
      this.i++;
      const items: unknown[] = [];
      for (;;) {
        this.blank();
        if (this.s[this.i] === "]") {
          this.i++;
          return items;
        }
        items.push(this.value());
        this.blank();
        if (this.s[this.i] === ",") this.i++;
        else if (this.s[this.i] !== "]") this.fail("expected , or ] in an array");
      }
    }
    if (c === "{") {
      this.i++;
      const table: Record<string, unknown> = {};
      const seen = new Set<string>();
      this.blank();
      if (this.s[this.i] === "}") {
        this.i++;
        return table;
      }
      for (;;) {
        this.blank();
        const key = this.key();
        if (this.s[this.i] !== "=") this.fail("expected = after a key");
        this.i++;
        this.spaces();
        const k = JSON.stringify(key);
        if (seen.has(k)) this.fail("a key is defined twice in an inline table");
        seen.add(k);
        setPath(table, key, this.value());
        this.blank();
        if (this.s[this.i] === "}") {
          this.i++;
          return table;
        }
        if (this.s[this.i] !== ",") this.fail("expected , or } in an inline table");
        this.i++;
      }
    }
    const m = /^[0-9A-Za-z_+\-.:]+/.exec(this.s.slice(this.i));
    if (!m) this.fail("expected a value");
    let token = m[0];
    // a date and a time separated by a space
    const t = /^ \d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:\d{2})?/.exec(
      this.s.slice(this.i + token.length),
    );
    if (/^\d{4}-\d{2}-\d{2}$/.test(token) && t) token += t[0];
    if (token === "true" || token === "false") {
      this.i += token.length;
      return token === "true";
    }
    if (!NUMBER.test(token) && !DATE.test(token)) this.fail("expected a value");
    this.i += token.length;
    return token;
  }
}

function setPath(obj: Record<string, unknown>, key: string[], value: unknown) {
  let o = obj;
  for (const k of key.slice(0, -1)) {
    if (typeof o[k] !== "object" || o[k] === null) o[k] = {};
    o = o[k] as Record<string, unknown>;
  }
  o[key[key.length - 1]] = value;
}

/** Every statement of a TOML document, or a TomlError saying where it breaks (never quoting it). */
export function readToml(text: string): Statement[] {
  const r = new Reader(text);
  const out: Statement[] = [];
  const defined = new Set<string>();
  const tables = new Set<string>();
  let table: string[] = [];
  for (;;) {
    r.blank();
    if (r.i >= text.length) return out;
    const start = r.i;
    if (text[r.i] === "[") {
      const array = text[r.i + 1] === "[";
      r.i += array ? 2 : 1;
      table = r.key();
      if (!text.startsWith(array ? "]]" : "]", r.i)) r.fail("expected ] after a table name");
      r.i += array ? 2 : 1;
      const id = JSON.stringify(table);
      if (!array && (tables.has(id) || defined.has(id))) r.fail("a table is defined twice", start);
      if (!array) tables.add(id);
      const end = r.i;
      r.lineEnd();
      out.push({
        kind: array ? "array-table" : "table",
        table,
        key: [],
        start,
        end,
        valueStart: end,
        valueEnd: end,
      });
      continue;
    }
    const key = r.key();
    if (text[r.i] !== "=") r.fail("expected = after a key");
    r.i++;
    r.spaces();
    const valueStart = r.i;
    const value = r.value();
    const valueEnd = r.i;
    r.lineEnd();
    const id = JSON.stringify([...table, ...key]);
    if (defined.has(id) || tables.has(id)) r.fail("a key is defined twice", start);
    defined.add(id);
    out.push({ kind: "kv", table, key, value, start, end: valueEnd, valueStart, valueEnd });
  }
}

/** A TOML basic string. */
export function tomlString(s: string): string {
  return (
    '"' +
    s.replace(/[\\"\u0000-\u001f\u007f]/g, (c) =>
      c === "\\"
        ? "\\\\"
        : c === '"'
          ? '\\"'
          : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
    ) +
    '"'
  );
}

export function tomlValue(v: unknown): string {
  if (typeof v === "string") return tomlString(v);
  if (Array.isArray(v)) return `[${v.map(tomlValue).join(", ")}]`;
  if (v && typeof v === "object")
    return `{ ${Object.entries(v)
      .map(([k, x]) => `${/^[A-Za-z0-9_-]+$/.test(k) ? k : tomlString(k)} = ${tomlValue(x)}`)
      .join(", ")} }`;
  return String(v);
}
