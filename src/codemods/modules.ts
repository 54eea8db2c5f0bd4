// Which package a module specifier belongs to, and which framework that is.
import { frameworkOf } from "../frameworks.js";
import type { Framework } from "./types.js";

export function frameworkOfSpec(spec: string): Framework | null {
  return frameworkOf(spec);
}

export const isLangChainSpec = (spec: string): boolean => {
  const f = frameworkOfSpec(spec);
  return f === "langchain" || f === "langgraph";
};

export const RUNTIME_SPECS = new Set(["governor/runtime", "governor"]);

/** Cheap text test run before any parsing: could this file define or dispatch a tool? A framework
 *  import, or a member that defines a tool function (`execute:`, `async execute(`, `_call(`; not
 *  `db.execute(...)`), or a tool-call shape. */
const PREFILTER =
  /(?:from\s*|require\(\s*|import\(\s*)["'](?:ai|@ai-sdk\/[^"']+|langchain[^"']*|@langchain\/[^"']+|@openai\/agents[^"']*|@modelcontextprotocol\/[^"']+|openai[^"']*|@anthropic-ai\/sdk[^"']*|@mastra\/[^"']+)["']|(?<![.\w$])(?:execute|func|_call)\s*[:(,}]|\bregisterTool\b|\.tool\s*\(\s*["'`]|\btool_calls\b|\btoolCalls\b|\.function\.name\b|\bgroq-sdk\b|\btool_use\b|\bfunction_call\b|CallToolRequestSchema/;

/** Next.js route segment config for the Edge runtime (`export const runtime = "edge"`, pages-router
 *  `export const config = { runtime: "edge" }`), where governor's runtime (node:fs, node:async_hooks)
 *  cannot load. Lenient on purpose (type annotations, comments, quoted keys, nested objects before
 *  `runtime`): a false match only leaves a tool to the user, by name; a miss gates code that cannot run. */
const COMMENT = String.raw`(?:\/\*[\s\S]*?\*\/\s*)?`;
const EDGE_VALUE = String.raw`\s*${COMMENT}["'\`](?:experimental-)?edge["'\`]`;
const EDGE_SEGMENT = new RegExp(String.raw`\bexport\s+const\s+runtime\s*(?::[^=]+)?=` + EDGE_VALUE);
const EDGE_CONFIG = new RegExp(String.raw`\bexport\s+const\s+config\b[^=]*=\s*\{[\s\S]{0,2000}?["']?\bruntime["']?\s*:` + EDGE_VALUE);

export function declaresEdgeRuntime(text: string): boolean {
  return text.includes("edge") && (EDGE_SEGMENT.test(text) || EDGE_CONFIG.test(text));
}

export function mayHaveTools(text: string): boolean {
  return PREFILTER.test(text);
}

const EXTS = [".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"];

export function isTsPath(p: string): boolean {
  return /\.(?:ts|tsx|mts|cts)$/.test(p) && !p.endsWith(".d.ts");
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
export function resolveSpec(fromPath: string, spec: string, known: Set<string>, aliases: PathAlias[] = []): string | null {
  if (!spec.startsWith(".")) {
    for (const a of aliases) {
      const star = a.pattern.indexOf("*");
      const [pre, post] = star === -1 ? [a.pattern, ""] : [a.pattern.slice(0, star), a.pattern.slice(star + 1)];
      const hit = star === -1 ? spec === a.pattern : spec.length >= pre.length + post.length && spec.startsWith(pre) && spec.endsWith(post);
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
  const candidates = [base, ...EXTS.map((e) => stem + e), ...EXTS.map((e) => `${base}/index${e}`)];
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
