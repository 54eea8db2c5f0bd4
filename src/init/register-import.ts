import { ts } from "ts-morph";
import type { ModuleKind } from "../detectors/project.js";

// Puts `import "governor/register"` (or the require) first in an entrypoint, so the default governor
// exists before any tool module loads. Text in, text out.

const ALREADY = /(?:\bimport\s*(?:\(\s*)?|\brequire\s*\(\s*)["']governor\/register["']/;
// Comments that must stay on top: compiler/linter pragmas and license headers.
const PRAGMA = /@ts-|@jsx|eslint-disable|@flow|@license|@format|@preserve|^\/\*!/;

export function hasRegisterImport(text: string): boolean {
  return ALREADY.test(text);
}

function scriptKind(path: string): ts.ScriptKind {
  if (/\.tsx$/.test(path)) return ts.ScriptKind.TSX;
  if (/\.[mc]?ts$/.test(path)) return ts.ScriptKind.TS;
  if (/\.jsx$/.test(path)) return ts.ScriptKind.JSX;
  return ts.ScriptKind.JS;
}

/** Returns the text with the register import added, or the same text when it is already there. */
export function addRegisterImport(path: string, text: string, kind: ModuleKind): string {
  if (hasRegisterImport(text)) return text;
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const line = kind === "cjs" ? `require("governor/register");` : `import "governor/register";`;
  const sf = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, false, scriptKind(path));

  // after "use strict" / "use server" / "use client" directives: they must stay first to count
  let directiveEnd = -1;
  for (const st of sf.statements) {
    if (ts.isExpressionStatement(st) && ts.isStringLiteral(st.expression)) directiveEnd = st.getEnd();
    else break;
  }
  if (directiveEnd >= 0) {
    return text.slice(0, directiveEnd) + eol + line + text.slice(directiveEnd);
  }

  // otherwise at the top: after a shebang and after pragma or detached header comments
  let pos = 0;
  const shebang = ts.getShebang(text);
  if (shebang) {
    pos = shebang.length;
    while (text[pos] === "\r" || text[pos] === "\n") pos++;
  }
  const comments = ts.getLeadingCommentRanges(text, pos) ?? [];
  let insertAt = pos;
  for (const c of comments) {
    const body = text.slice(c.pos, c.end);
    const after = text.slice(c.end, c.end + 4);
    const detached = /^\r?\n\s*\r?\n/.test(after) || /^[ \t]*\r?\n[ \t]*\r?\n/.test(after);
    if (PRAGMA.test(body) || detached) insertAt = c.end;
  }
  if (insertAt === pos) {
    const sep = pos > 0 && text[pos - 1] !== "\n" ? eol : "";
    return text.slice(0, pos) + sep + line + eol + text.slice(pos);
  }
  // keep the header's own line break, then the import on the next line
  let lineEnd = insertAt;
  while (lineEnd < text.length && (text[lineEnd] === " " || text[lineEnd] === "\t")) lineEnd++;
  if (text.startsWith("\r\n", lineEnd)) lineEnd += 2;
  else if (text[lineEnd] === "\n") lineEnd += 1;
  else return text.slice(0, insertAt) + eol + line + eol + text.slice(insertAt);
  return text.slice(0, lineEnd) + line + eol + text.slice(lineEnd);
}
