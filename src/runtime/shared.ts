// Small helpers the runtime and the CLI share, one per idea. No imports and nothing runs at load,
// so every layer may import this file and each bundle keeps only what it uses.

/** A JSON object: not null, not an array. */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The extensions of the JS/TS source files governor reads, in the order a bare path tries them. */
export const SOURCE_EXTENSIONS = [".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"];

/** A JS/TS source file: one of SOURCE_EXTENSIONS, not a declaration file (`x.d.ts`). */
export function isSourcePath(p: string): boolean {
  return SOURCE_EXTENSIONS.some((e) => p.endsWith(e)) && !/\.d\.[^./]+$/.test(p);
}

/** The file's line break: CRLF if it uses any, else LF. */
export function eolOf(text: string): string {
  return text.includes("\r\n") ? "\r\n" : "\n";
}

/** Start of the line holding `pos`, and that line's indentation. */
export function lineStartOf(text: string, pos: number): { start: number; indent: string } {
  const start = text.lastIndexOf("\n", pos - 1) + 1;
  const indent = /^[ \t]*/.exec(text.slice(start))![0];
  return { start, indent };
}

/** Where 1-based `line` starts, counting "\n" line breaks. */
export function posOfLine(text: string, line: number): number {
  let pos = 0;
  for (let i = 1; i < line; i++) pos = text.indexOf("\n", pos) + 1;
  return pos;
}

/** "line L, column C" (both 1-based) of the offset `pos`, for an error that must not quote the text. */
export function lineColumn(text: string, pos: number): string {
  const before = text.slice(0, pos);
  return `line ${before.split("\n").length}, column ${pos - before.lastIndexOf("\n")}`;
}

/** JSON.parse's message without the excerpt of the text it quotes: the file may be a link to a secret. */
export function jsonErrorText(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(
    /,?\s*"(?:[^"\\]|\\.)*"(?:\.\.\.)?/g,
    "",
  );
}

/** Why a file could not be read, in words: "does not exist", "cannot be read (permission denied)". */
export function whyUnreadable(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "does not exist";
  if (code === "EACCES") return "cannot be read (permission denied)";
  if (code === "EISDIR") return "is a directory";
  return `cannot be read (${code ?? (err as Error).message})`;
}
