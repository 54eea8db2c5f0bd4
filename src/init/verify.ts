import { ts } from "ts-morph";

// Syntax-only checks (no type-check): is this file still parseable after our edit?

const SOURCE = /\.[mc]?[jt]sx?$/;

/** The first syntax error in a JS/TS/JSON file, or null when it parses. */
export function syntaxError(path: string, text: string): string | null {
  if (path.endsWith(".json")) {
    try {
      JSON.parse(text);
      return null;
    } catch (e) {
      return (e as Error).message;
    }
  }
  if (!SOURCE.test(path)) return null;
  const out = ts.transpileModule(text, {
    fileName: path,
    reportDiagnostics: true,
    compilerOptions: {
      allowJs: true,
      jsx: ts.JsxEmit.Preserve,
      noEmit: false,
      target: ts.ScriptTarget.Latest,
    },
  });
  const diag = (out.diagnostics ?? []).find((d) => d.category === ts.DiagnosticCategory.Error);
  if (!diag) return null;
  const message = ts.flattenDiagnosticMessageText(diag.messageText, "\n");
  if (diag.file && diag.start !== undefined) {
    const { line, character } = diag.file.getLineAndCharacterOfPosition(diag.start);
    return `line ${line + 1}, column ${character + 1}: ${message}`;
  }
  return message;
}
