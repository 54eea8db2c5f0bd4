import { eolOf } from "../runtime/shared.js";
import { readToml, tomlValue, TomlError, type Statement } from "./toml.js";

// Sets one `[mcp_servers.<name>]` table (and its `.env` sub-table) in Codex's config.toml as line edits:
// other tables, keys, comments and formatting stay as they were, and a second run changes nothing.

export interface CodexServer {
  /** Keys of the server table, in the order they are written (command, args, env_vars). */
  keys: Record<string, unknown>;
  /** Variables of its env table, merged key by key. */
  env: Record<string, string>;
}

const eq = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((x, i) => x === b[i]);
const startsWith = (a: readonly string[], b: readonly string[]) => eq(a.slice(0, b.length), b);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Where the line holding offset `pos` ends (after its newline), for inserting a line after it. */
function afterLine(text: string, pos: number): number {
  const nl = text.indexOf("\n", pos);
  return nl < 0 ? text.length : nl + 1;
}

function insertLines(text: string, at: number, lines: string[], eol: string): string {
  const lead = at > 0 && text[at - 1] !== "\n" ? eol : "";
  return text.slice(0, at) + lead + lines.join(eol) + eol + text.slice(at);
}

export function setCodexServer(text: string, name: string, server: CodexServer): string {
  const eol = eolOf(text);
  const base = ["mcp_servers", name];
  const envPath = [...base, "env"];
  const header = `[mcp_servers.${/^[A-Za-z0-9_-]+$/.test(name) ? name : JSON.stringify(name)}]`;
  const line = (k: string, v: unknown) =>
    `${/^[A-Za-z0-9_-]+$/.test(k) ? k : JSON.stringify(k)} = ${tomlValue(v)}`;

  const state = () => {
    const all = readToml(text);
    const body = all.filter((s) => s.kind === "kv" && eq(s.table, base));
    return {
      all,
      head: all.find((s) => s.kind === "table" && eq(s.table, base)),
      envHead: all.find((s) => s.kind === "table" && eq(s.table, envPath)),
      body,
      envBody: all.filter((s) => s.kind === "kv" && eq(s.table, envPath)),
    };
  };
  const lastLine = (head: Statement, body: Statement[]) =>
    afterLine(text, (body.length ? body[body.length - 1] : head).end);

  let s = state();
  for (const st of s.all) {
    const full = [...st.table, ...st.key];
    const ours =
      (st.kind === "table" && (eq(st.table, base) || startsWith(st.table, envPath))) ||
      (st.kind === "kv" && (eq(st.table, base) || startsWith(st.table, envPath)));
    // `mcp_servers = { ... }` or `[[mcp_servers]]`: a [mcp_servers.<name>] table after it would make
    // the file invalid TOML (an inline table cannot be extended) and Codex would not start at all
    if (
      (st.kind === "kv" && full.length < base.length && startsWith(base, full)) ||
      (st.kind === "array-table" && startsWith(base, st.table))
    )
      throw new TomlError(
        `it defines ${full.join(".")} as ${st.kind === "kv" ? "a value (an inline table)" : "an array of tables"}, so a [mcp_servers.${name}] table cannot be added`,
      );
    if (startsWith(full, base) && !ours)
      throw new TomlError(
        `it defines mcp_servers.${name} in a form mcp init does not edit (an array of tables, an inline table or dotted keys from another table)`,
      );
  }

  if (!s.head) {
    const lines = [header, ...Object.entries(server.keys).map(([k, v]) => line(k, v))];
    const hasEnv = s.envHead || s.body.some((b) => b.key[0] === "env");
    if (!hasEnv)
      lines.push(
        "",
        `[mcp_servers.${name}.env]`,
        ...Object.entries(server.env).map(([k, v]) => line(k, v)),
      );
    if (s.envHead) text = insertLines(text, s.envHead.start, [...lines, ""], eol);
    else {
      const sep =
        text.trim() === ""
          ? ""
          : text.endsWith(eol + eol)
            ? ""
            : text.endsWith("\n")
              ? eol
              : eol + eol;
      text = text.trim() === "" ? lines.join(eol) + eol : text + sep + lines.join(eol) + eol;
    }
    s = state();
  }

  for (const [k, v] of Object.entries(server.keys)) {
    const kv = s.body.find((b) => eq(b.key, [k]));
    if (kv && same(kv.value, v)) continue;
    text = kv
      ? text.slice(0, kv.valueStart) + tomlValue(v) + text.slice(kv.valueEnd)
      : insertLines(text, lastLine(s.head!, s.body), [line(k, v)], eol);
    s = state();
  }

  for (const [k, v] of Object.entries(server.env)) {
    const inline = s.body.find((b) => eq(b.key, ["env"]));
    const dotted = s.body.find((b) => eq(b.key, ["env", k]));
    const inTable = s.envBody.find((b) => eq(b.key, [k]));
    if (inline) {
      if (!inline.value || typeof inline.value !== "object" || Array.isArray(inline.value))
        throw new TomlError(`its mcp_servers.${name}.env is not a table`);
      const merged = { ...(inline.value as Record<string, unknown>), [k]: v };
      if (!same(inline.value, merged))
        text = text.slice(0, inline.valueStart) + tomlValue(merged) + text.slice(inline.valueEnd);
    } else if (dotted || inTable) {
      const at = (dotted ?? inTable)!;
      if (!same(at.value, v))
        text = text.slice(0, at.valueStart) + tomlValue(v) + text.slice(at.valueEnd);
    } else if (s.envHead) {
      text = insertLines(text, lastLine(s.envHead, s.envBody), [line(k, v)], eol);
    } else if (s.body.some((b) => b.key[0] === "env")) {
      text = insertLines(text, lastLine(s.head!, s.body), [`env.${line(k, v)}`], eol);
    } else {
      text = insertLines(
        text,
        lastLine(s.head!, s.body),
        ["", `[mcp_servers.${name}.env]`, line(k, v)],
        eol,
      );
    }
    s = state();
  }
  return text;
}

/** The server table as Codex would read it (for reports and tests). */
export function readCodexServer(text: string, name: string): Record<string, unknown> | undefined {
  const base = ["mcp_servers", name];
  let found: Record<string, unknown> | undefined;
  for (const st of readToml(text)) {
    if (st.kind === "table" && eq(st.table, base)) found ??= {};
    if (st.kind !== "kv") continue;
    const full = [...st.table, ...st.key];
    if (!startsWith(full, base) || full.length === base.length) continue;
    found ??= {};
    let o = found;
    for (const k of full.slice(base.length, -1)) o = (o[k] ??= {}) as Record<string, unknown>;
    o[full[full.length - 1]] = st.value;
  }
  return found;
}
