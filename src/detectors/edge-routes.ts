import { ts } from "ts-morph";
import { declaresEdgeRuntime, resolveSpec, type PathAlias } from "../codemods/modules.js";

// Which files run on the Edge runtime (Next.js / Vercel), and what their module graph holds: governor
// needs Node.js, so an Edge route that reaches tools can neither load the gate nor run them gated.
// Read only; shared by init (refuses, edge_route) and doctor (runtime.edge).

export interface EdgeRoute {
  /** The route, page or middleware, relative to the package. */
  file: string;
  /** Why it runs on Edge, for people. */
  why: string;
  /** Every source file it imports, itself first, transitively (type-only imports left out). */
  graph: string[];
  /** Files of the graph that import governor (the gate, its runtime or register). */
  governor: string[];
}

export interface ToolAt {
  file: string;
  line: number;
  name: string | null;
}

// `export const runtime: string = "edge"` too, which the codemod's test does not read
const TYPED_EDGE = /\bexport\s+const\s+runtime\s*:[^=;]*=\s*["'`](?:experimental-)?edge["'`]/;
const NODE_RUNTIME = /\bexport\s+const\s+(?:runtime\s*(?::[^=;]*)?=|config\s*=\s*\{[^}]*\bruntime\s*:)\s*["'`]nodejs["'`]/;
const ANY_RUNTIME = /\bexport\s+const\s+runtime\s*(?::[^=;]*)?=/;
// what a layout's segment config reaches (route handlers are not rendered inside layouts)
const SEGMENT_FILE = /(?:^|\/)(?:page|layout|template|default)\.[mc]?[jt]sx?$/;
const LAYOUT = /^((?:src\/)?app(?:\/.*)?)\/layout\.[mc]?[jt]sx?$/;
const MIDDLEWARE = /^(?:src\/)?middleware\.[mc]?[jt]s$/;
const TYPE_ONLY = /\b(?:import|export)\s+type\s+[\w\s{},*$]*?\bfrom\s*["']([^"']+)["']/g;

const isEdge = (text: string) => declaresEdgeRuntime(text) || TYPED_EDGE.test(text);
const isGovernor = (spec: string) => spec === "governor" || spec.startsWith("governor/");

/** The specifiers a file loads at run time: imports, re-exports, require() and import(). */
function runtimeSpecs(text: string): string[] {
  const all = ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
  const typeOnly = new Map<string, number>();
  for (const m of text.matchAll(TYPE_ONLY)) typeOnly.set(m[1], (typeOnly.get(m[1]) ?? 0) + 1);
  return all.filter((spec) => {
    const left = typeOnly.get(spec) ?? 0;
    if (left === 0) return true;
    typeOnly.set(spec, left - 1);
    return false;
  });
}

/** Edge entry files: a runtime = "edge" export; with Next.js, the segment files below an Edge
 *  layout (unless they choose their own runtime) and middleware (Edge unless it says nodejs). */
function edgeRoots(sources: { path: string; text: string }[], nextjs: boolean): Map<string, string> {
  const roots = new Map<string, string>();
  for (const s of sources) if (isEdge(s.text)) roots.set(s.path, 'it exports runtime "edge"');
  if (!nextjs) return roots;
  for (const s of sources) {
    const m = LAYOUT.exec(s.path);
    if (!m || !isEdge(s.text)) continue;
    for (const t of sources) {
      if (t.path.startsWith(`${m[1]}/`) && SEGMENT_FILE.test(t.path) && !roots.has(t.path) && !ANY_RUNTIME.test(t.text)) {
        roots.set(t.path, `its layout ${s.path} exports runtime "edge"`);
      }
    }
  }
  for (const s of sources) {
    if (MIDDLEWARE.test(s.path) && !roots.has(s.path) && !NODE_RUNTIME.test(s.text)) roots.set(s.path, "Next.js middleware runs on the Edge runtime unless its config says nodejs");
  }
  return roots;
}

export function findEdgeRoutes(pkg: { sources: { path: string; text: string }[]; pathAliases?: PathAlias[]; nextjs: boolean }): EdgeRoute[] {
  const texts = new Map(pkg.sources.map((s) => [s.path, s.text]));
  const known = new Set(texts.keys());
  const specs = new Map<string, string[]>();
  const specsOf = (file: string) => {
    if (!specs.has(file)) specs.set(file, runtimeSpecs(texts.get(file) ?? ""));
    return specs.get(file)!;
  };
  const routes: EdgeRoute[] = [];
  for (const [file, why] of edgeRoots(pkg.sources, pkg.nextjs)) {
    const graph = [file];
    const governor: string[] = [];
    for (let i = 0; i < graph.length; i++) {
      for (const spec of specsOf(graph[i])) {
        if (isGovernor(spec)) {
          if (!governor.includes(graph[i])) governor.push(graph[i]);
          continue;
        }
        const next = resolveSpec(graph[i], spec, known, pkg.pathAliases ?? []);
        if (next && !graph.includes(next)) graph.push(next);
      }
    }
    routes.push({ file, why, graph, governor });
  }
  return routes;
}

/** The tools an Edge route's module graph defines: "lib/tools.ts:5 (refund_payment)". */
export function toolsReached(route: EdgeRoute, tools: ToolAt[]): string[] {
  const inGraph = new Set(route.graph);
  return tools.filter((t) => inGraph.has(t.file)).map((t) => `${t.file}:${t.line}${t.name ? ` (${t.name})` : ""}`);
}
