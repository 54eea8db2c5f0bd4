// One parse per file text for a whole run: the codemod, the run-time tool scan, the entrypoint
// checks and doctor all read the same trees. Keyed by the text (and how it is parsed), so an
// edited file is parsed again and an unchanged one never is.
import { ts } from "ts-morph";
import { indexOf } from "./syntax-index.js";

/** How TypeScript reads a file of this name (what its extension says). */
export function scriptKindOf(path: string): ts.ScriptKind {
  if (/\.tsx$/.test(path)) return ts.ScriptKind.TSX;
  if (/\.[mc]?ts$/.test(path)) return ts.ScriptKind.TS;
  if (/\.jsx$/.test(path)) return ts.ScriptKind.JSX;
  return ts.ScriptKind.JS;
}

const EXT: Partial<Record<ts.ScriptKind, string>> = {
  [ts.ScriptKind.TSX]: ".tsx",
  [ts.ScriptKind.TS]: ".ts",
  [ts.ScriptKind.JSX]: ".jsx",
  [ts.ScriptKind.JS]: ".js",
};

// A long-running server (governor mcp --dev) keeps at most this much text's trees between runs.
const MAX_TEXT = 16 << 20;
const cache = new Map<string, Map<ts.ScriptKind, ts.SourceFile>>();
let cachedText = 0;
let n = 0;

/**
 * The file's syntax tree (parent pointers set). Each tree gets a name of its own, so a ts-morph
 * project can hold any number of them without two sharing a path.
 */
export function parseSource(path: string, text: string): ts.SourceFile {
  const kind = scriptKindOf(path);
  const hit = cache.get(text)?.get(kind);
  if (hit) return hit;
  const sf = ts.createSourceFile(
    `/governor-parse/${n++}${EXT[kind]}`,
    text,
    ts.ScriptTarget.Latest,
    false,
    kind,
  );
  // the index's walk sets the parent pointers (a second walk when the parser does it)
  indexOf(sf);
  if (cachedText + text.length > MAX_TEXT) releaseParses();
  cachedText += text.length;
  const kinds = cache.get(text);
  if (kinds) kinds.set(kind, sf);
  else cache.set(text, new Map([[kind, sf]]));
  return sf;
}

/** The tree of a text parsed already this run, without parsing it. */
export function parsedAlready(path: string, text: string): ts.SourceFile | undefined {
  return cache.get(text)?.get(scriptKindOf(path));
}

/** Forgets every tree: the end of a run. */
export function releaseParses(): void {
  cache.clear();
  cachedText = 0;
}
