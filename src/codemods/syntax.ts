import { ts } from "ts-morph";
import { parseSource, scriptKindOf } from "../detectors/parse.js";

// Does this file parse? One answer for the codemod (before it edits a file) and for init (before it
// adds an import, and after it writes). Syntax only, no type-check.

const SCRIPT = /\.[mc]?[jt]sx?$/;

export interface SyntaxProblem {
  /** 1-based, where the position is known. */
  line?: number;
  column?: number;
  message: string;
}

/** The first syntax error in a JS/TS/JSON file, as "line L, column C: message", or null. */
export function syntaxError(path: string, text: string): string | null {
  const p = syntaxProblem(path, text);
  return p && (p.line ? `line ${p.line}, column ${p.column}: ${p.message}` : p.message);
}

/**
 * The first syntax error in a JS/TS/JSON file, or null when it parses. `parsed`: the caller's own
 * parse of `text`, whose diagnostics answer without parsing it again; without it TypeScript reads
 * the file as a compiler would, which also refuses TypeScript-only syntax in a .js file.
 */
export function syntaxProblem(
  path: string,
  text: string,
  parsed?: ts.SourceFile,
): SyntaxProblem | null {
  if (parsed) {
    const diags = (parsed as unknown as { parseDiagnostics: ts.Diagnostic[] }).parseDiagnostics;
    return diags.length ? describe(diags[0], parsed) : null;
  }
  if (path.endsWith(".json")) {
    try {
      JSON.parse(text);
      return null;
    } catch (e) {
      return { message: (e as Error).message };
    }
  }
  if (!SCRIPT.test(path)) return null;
  const sf = parseSource(path, text);
  const kind = scriptKindOf(path);
  if (kind === ts.ScriptKind.TS || kind === ts.ScriptKind.TSX) {
    const first = (sf as unknown as { parseDiagnostics: ts.Diagnostic[] }).parseDiagnostics[0];
    return first ? describe(first, sf) : null;
  }
  // A .js file with TypeScript-only syntax (a type annotation) parses, but a compiler refuses it:
  // asked of a one-file program, without emitting anything.
  const diag = oneFileProgram(sf)
    .getSyntacticDiagnostics(sf)
    .find((d) => d.category === ts.DiagnosticCategory.Error);
  return diag ? describe(diag, sf) : null;
}

function oneFileProgram(sf: ts.SourceFile): ts.Program {
  const host: ts.CompilerHost = {
    getSourceFile: (f) => (f === sf.fileName ? sf : undefined),
    fileExists: (f) => f === sf.fileName,
    readFile: () => undefined,
    writeFile: () => {},
    getDefaultLibFileName: () => "lib.d.ts",
    useCaseSensitiveFileNames: () => true,
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => "/",
    getNewLine: () => "\n",
    directoryExists: () => true,
    getDirectories: () => [],
  };
  return ts.createProgram({
    rootNames: [sf.fileName],
    options: { allowJs: true, noLib: true, noResolve: true, types: [], jsx: ts.JsxEmit.Preserve },
    host,
  });
}

function describe(diag: ts.Diagnostic, file: ts.SourceFile | undefined): SyntaxProblem {
  const message = ts.flattenDiagnosticMessageText(diag.messageText, "\n");
  if (!file || diag.start === undefined) return { message };
  const { line, character } = file.getLineAndCharacterOfPosition(diag.start);
  return { line: line + 1, column: character + 1, message };
}
