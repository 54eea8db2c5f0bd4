// How a project's modules name each other, read from their text: which specifiers are LangChain's,
// where a relative or tsconfig-aliased import leads among the known paths (no fs), which files could
// hold tools, which run on the Edge runtime. The detectors and the codemods both read these.
import { ts } from "ts-morph";
import { frameworkOf, LIBRARY_TOOL_PACKAGES } from "../frameworks.js";
import { SOURCE_EXTENSIONS } from "../runtime/shared.js";

export const isLangChainSpec = (spec: string): boolean => {
  const f = frameworkOf(spec);
  return f === "langchain" || f === "langgraph";
};

/** Cheap text test run before any parsing: could this file define or dispatch a tool? A framework
 *  import beside a word every tool form needs (`tool`, `execute`, `_call`, `func`, an MCP `Client`),
 *  or a member that defines a tool function (`execute:`, `async execute(`, `_call(`; not
 *  `db.execute(...)`), or a tool-call shape. A framework file without any of those words (types,
 *  a model client, a prompt) holds nothing a form rewrites, and is parsed only if another file
 *  leads to it. */
const FRAMEWORK_IMPORT =
  /(?:from\s*|require\(\s*|import\(\s*)["'](?:ai|@ai-sdk\/[^"']+|langchain[^"']*|@langchain\/[^"']+|@openai\/agents[^"']*|@modelcontextprotocol\/[^"']+|openai[^"']*|@anthropic-ai\/sdk[^"']*|@mastra\/[^"']+)["']/;
const TOOL_WORD = /tool|execute|_call|\bfunc\b|function_call|function\.name/i;
// an MCP client made here (`new Client`, `createMCPClient`), a prebuilt tool's module
// (`new TavilySearch()`): neither need say any of the words
const CLIENT_OR_PREBUILT = new RegExp(
  `Client|${LIBRARY_TOOL_PACKAGES.map((p) => p.replace(/[/.-]/g, "\\$&")).join("|")}`,
);
const TOOL_SHAPE =
  /(?<![.\w$])(?:execute|func|_call)\s*[:(,}]|\bregisterTool\b|\.tool\s*\(\s*["'`]|\btool_calls\b|\btoolCalls\b|\.function\.name\b|\bgroq-sdk\b|\btool_use\b|\bfunction_call\b|CallToolRequestSchema/;
const MCP_IMPORT = /(?:from\s*|require\(\s*|import\(\s*)["']@modelcontextprotocol\//;

/** Next.js route segment config for the Edge runtime, read as Next.js reads it, from the AST: a
 *  top-level `export const runtime = "edge"` or `export const config = { runtime: "edge" }`, whatever
 *  the comments, types, quoting or other keys around it. Governor's runtime (node:fs,
 *  node:async_hooks) cannot load there. Files without an "edge" literal and the word runtime are
 *  never parsed. */
export function declaresEdgeRuntime(text: string, path = "route.ts"): boolean {
  if (!EDGE_LITERAL.test(text) || !/\bruntime\b/.test(text)) return false;
  const key = path + "\0" + text;
  let edge = edgeCache.get(key);
  if (edge === undefined) {
    if (edgeCache.size > 64) edgeCache.clear();
    edgeCache.set(key, (edge = edgeExport(path, text)));
  }
  return edge;
}

// The value Next.js reads, as it is written (one spelt with escapes is not looked for).
const EDGE_LITERAL = /["'`](?:experimental-)?edge["'`]/;

// The forms ask once per file each; the answer is the text's.
const edgeCache = new Map<string, boolean>();

function edgeExport(path: string, text: string): boolean {
  const kind = /\.[mc]?tsx$|\.[mc]?jsx?$/.test(path) ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const sf = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, false, kind);
  const unwrap = (e: ts.Expression | undefined): ts.Expression | undefined => {
    while (
      e &&
      (ts.isParenthesizedExpression(e) ||
        ts.isAsExpression(e) ||
        ts.isSatisfiesExpression(e) ||
        ts.isTypeAssertionExpression(e))
    )
      e = e.expression;
    return e;
  };
  const isEdge = (e: ts.Expression | undefined) => {
    const v = unwrap(e);
    return (
      !!v &&
      (ts.isStringLiteral(v) || ts.isNoSubstitutionTemplateLiteral(v)) &&
      /^(?:experimental-)?edge$/.test(v.text)
    );
  };
  for (const st of sf.statements) {
    if (
      !ts.isVariableStatement(st) ||
      !st.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)
    )
      continue;
    if (!(st.declarationList.flags & ts.NodeFlags.Const)) continue;
    for (const d of st.declarationList.declarations) {
      if (!ts.isIdentifier(d.name)) continue;
      if (d.name.text === "runtime" && isEdge(d.initializer)) return true;
      const obj = d.name.text === "config" ? unwrap(d.initializer) : undefined;
      if (!obj || !ts.isObjectLiteralExpression(obj)) continue;
      for (const p of obj.properties) {
        if (
          ts.isPropertyAssignment(p) &&
          (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) &&
          p.name.text === "runtime" &&
          isEdge(p.initializer)
        )
          return true;
      }
    }
  }
  return false;
}

export function mayHaveTools(text: string): boolean {
  return (
    TOOL_SHAPE.test(text) ||
    (FRAMEWORK_IMPORT.test(text) && (TOOL_WORD.test(text) || CLIENT_OR_PREBUILT.test(text)))
  );
}

/** Does this text import the MCP SDK (a file that does not may still register tools on its server)? */
export function importsMcp(text: string): boolean {
  return MCP_IMPORT.test(text);
}

/**
 * A tsconfig `paths` entry, targets relative to the inputs' root: `"@/*": ["./src/*"]` is
 * { pattern: "@/*", targets: ["src/*"] }.
 */
export interface PathAlias {
  pattern: string;
  targets: string[];
}

/** Resolves a relative or tsconfig-aliased specifier to one of the known input paths (no fs). */
export function resolveSpec(
  fromPath: string,
  spec: string,
  known: Set<string>,
  aliases: PathAlias[] = [],
): string | null {
  if (!spec.startsWith(".")) {
    for (const a of aliases) {
      const star = a.pattern.indexOf("*");
      const [pre, post] =
        star === -1 ? [a.pattern, ""] : [a.pattern.slice(0, star), a.pattern.slice(star + 1)];
      const hit =
        star === -1
          ? spec === a.pattern
          : spec.length >= pre.length + post.length && spec.startsWith(pre) && spec.endsWith(post);
      if (!hit) continue;
      const captured = star === -1 ? "" : spec.slice(pre.length, spec.length - post.length);
      for (const t of a.targets) {
        const r = candidatesIn(normalize(t.replace("*", captured)), known);
        if (r) return r;
      }
    }
    return null;
  }
  const dir = fromPath.includes("/") ? fromPath.slice(0, fromPath.lastIndexOf("/")) : "";
  return candidatesIn(normalize(dir ? `${dir}/${spec}` : spec), known);
}

function candidatesIn(base: string, known: Set<string>): string | null {
  const stem = base.replace(/\.(?:js|jsx|mjs|cjs)$/, "");
  const candidates = [
    base,
    ...SOURCE_EXTENSIONS.map((e) => stem + e),
    ...SOURCE_EXTENSIONS.map((e) => `${base}/index${e}`),
  ];
  for (const c of candidates) if (known.has(c)) return c;
  return null;
}

export function normalize(p: string): string {
  const abs = p.startsWith("/");
  const out: string[] = [];
  for (const part of p.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === ".." && out.length && out[out.length - 1] !== "..") out.pop();
    else out.push(part);
  }
  return (abs ? "/" : "") + out.join("/");
}
