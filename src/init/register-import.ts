import { eolOf } from "../runtime/shared.js";
import { ts } from "ts-morph";
import { hasRegisterImport } from "../detectors/instrumentation.js";
import { parsedAlready, parseSource, scriptKindOf } from "../detectors/parse.js";
import type { Edit } from "../codemods/edits.js";
import type { ModuleKind } from "../detectors/project.js";

// Puts `import "governor/register"` (or the require) first in an entrypoint, so the default governor
// exists before any tool module loads. Text in, text out.

// Comments that must stay on top: compiler/linter pragmas and license headers.
const PRAGMA = /@ts-|@jsx|eslint-disable|@flow|@license|@format|@preserve|^\/\*!/;

// Statements that load .env into process.env. governor/register reads the environment when it
// loads, so it has to come after them.
const ENV_SPEC = /^(?:dotenv|@dotenvx\/dotenvx|dotenv-flow|dotenv-expand)(?:\/config(?:\.js)?)?$/;
const ENV_CALL =
  /^(?:require\(\s*["'](?:dotenv|@dotenvx\/dotenvx|dotenv-flow)["']\s*\)\s*\.\s*config|require\(\s*["'](?:dotenv|@dotenvx\/dotenvx|dotenv-flow)\/config["']\s*\)|(?:dotenv|dotenvx|dotenvFlow)\s*\.\s*config|process\s*\.\s*loadEnvFile)(?![\w$])/;

function loadsEnv(st: ts.Statement, sf: ts.SourceFile): "import" | "call" | null {
  if (
    ts.isImportDeclaration(st) &&
    !st.importClause &&
    ts.isStringLiteral(st.moduleSpecifier) &&
    ENV_SPEC.test(st.moduleSpecifier.text) &&
    /\/config/.test(st.moduleSpecifier.text)
  )
    return "import";
  if (ts.isExpressionStatement(st) && ENV_CALL.test(st.expression.getText(sf))) return "call";
  return null;
}

const isImportLike = (st: ts.Statement, sf: ts.SourceFile) =>
  ts.isImportDeclaration(st) ||
  ts.isImportEqualsDeclaration(st) ||
  (ts.isVariableStatement(st) &&
    /^\s*(?:const|let|var)\b[^=]*=\s*(?:await\s+)?(?:require|import)\s*\(/.test(st.getText(sf))) ||
  (ts.isExpressionStatement(st) && /^require\s*\(/.test(st.expression.getText(sf)));

/**
 * The last statement among the leading imports/requires that loads .env (`import "dotenv/config"`,
 * `require("dotenv").config()`), or null. In ESM a `dotenv.config()` call runs only after every
 * import, so only `import "dotenv/config"` counts there.
 */
function envLoaderEnd(sf: ts.SourceFile, kind: ModuleKind): number | null {
  let end: number | null = null;
  for (const st of sf.statements) {
    const how = loadsEnv(st, sf);
    if (how === "import" || (how === "call" && kind === "cjs")) end = st.getEnd();
    else if (
      !isImportLike(st, sf) &&
      !(ts.isExpressionStatement(st) && ts.isStringLiteral(st.expression))
    )
      break;
  }
  return end;
}

// An entrypoint is often long, and edited by the codemod (a text no parse has seen): its head is
// enough when it holds the first statement the register import stops at. Heads grow: most
// entrypoints' imports end within their first kilobytes.
const HEADS = [2 * 1024, 16 * 1024];

const isDirective = (st: ts.Statement) =>
  ts.isExpressionStatement(st) && ts.isStringLiteral(st.expression);

/**
 * A tree whose leading statements are the file's: the file's own when it was parsed already, else a
 * parse of its head when the first statement that is not an import, require, directive or .env
 * load ends inside it and is not its last (a statement cut short is the only one a head can parse
 * differently), else of the file.
 */
function headOf(path: string, text: string, kind: ModuleKind): ts.SourceFile {
  const whole = parsedAlready(path, text);
  if (whole) return whole;
  for (const size of HEADS) {
    if (text.length <= size) break;
    const cut = text.lastIndexOf("\n", size) + 1 || size;
    const head = ts.createSourceFile(
      path,
      text.slice(0, cut),
      ts.ScriptTarget.Latest,
      false,
      scriptKindOf(path),
    );
    const sts = head.statements;
    const stop = sts.findIndex(
      (st) =>
        !isImportLike(st, head) &&
        !isDirective(st) &&
        !(kind === "cjs" && loadsEnv(st, head) === "call"),
    );
    if (stop >= 0 && stop < sts.length - 1) return head;
  }
  return parseSource(path, text);
}

/**
 * A warning when the entrypoint loads .env with a call that runs after the imports (ESM
 * `dotenv.config()`): governor/register would read the environment before it is loaded.
 */
export function envOrderWarning(path: string, text: string, kind: ModuleKind): string | null {
  // every ENV_CALL says one of these: a file that does not is not parsed
  if (kind !== "esm" || !/config|loadEnvFile/.test(text)) return null;
  const sf = parseSource(path, text);
  const late = sf.statements.find((st) => loadsEnv(st, sf) === "call");
  if (!late) return null;
  return (
    `${path} loads .env with \`${late.getText(sf).replace(/\s+/g, " ").slice(0, 40)}\`, which runs after every import, so governor/register ` +
    `reads the environment before it: put \`import "dotenv/config";\` above \`import "governor/register";\` instead, or set GOVERNOR_* in the real environment.`
  );
}

/** Returns the text with the register import added, or the same text when it is already there. */
export function addRegisterImport(path: string, text: string, kind: ModuleKind): string {
  const e = registerImportEdit(path, text, kind);
  return e ? text.slice(0, e.start) + e.text + text.slice(e.start) : text;
}

/** The register import as one insertion into `text` (null when it is already there), so the lines
 *  it moves are known from its offset. */
export function registerImportEdit(
  path: string,
  text: string,
  kind: ModuleKind,
  tree?: ts.SourceFile,
): Edit | null {
  if (hasRegisterImport(text)) return null;
  const eol = eolOf(text);
  const line = kind === "cjs" ? `require("governor/register");` : `import "governor/register";`;
  const sf = tree ?? headOf(path, text, kind);
  const insert = (at: number, t: string): Edit => ({ start: at, end: at, text: t });

  // after the statements that load .env, on the line after them (a trailing comment stays put)
  const envEnd = envLoaderEnd(sf, kind);
  if (envEnd !== null) {
    const nl = text.indexOf("\n", envEnd);
    return nl === -1 ? insert(text.length, eol + line + eol) : insert(nl + 1, line + eol);
  }

  // after "use strict" / "use server" / "use client" directives: they must stay first to count
  let directiveEnd = -1;
  for (const st of sf.statements) {
    if (ts.isExpressionStatement(st) && ts.isStringLiteral(st.expression))
      directiveEnd = st.getEnd();
    else break;
  }
  if (directiveEnd >= 0) return insert(directiveEnd, eol + line);

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
    return insert(pos, sep + line + eol);
  }
  // keep the header's own line break, then the import on the next line
  let lineEnd = insertAt;
  while (lineEnd < text.length && (text[lineEnd] === " " || text[lineEnd] === "\t")) lineEnd++;
  if (text.startsWith("\r\n", lineEnd)) lineEnd += 2;
  else if (text[lineEnd] === "\n") lineEnd += 1;
  else return insert(insertAt, eol + line + eol);
  return insert(lineEnd, line + eol);
}
