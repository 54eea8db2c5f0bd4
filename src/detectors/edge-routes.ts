import { ts } from "ts-morph";
import { declaresEdgeRuntime, resolveSpec, type PathAlias } from "./modules.js";

// Which files run on the Edge runtime (Next.js / Vercel), and what their module graph holds: governor
// needs Node.js, so an Edge route that reaches tools can neither load the gate nor run them gated.
// Read only; shared by init (refuses, edge_route) and doctor (runtime.edge).

export interface EdgeRoute {
  /** The route, page or middleware, relative to the run root. */
  file: string;
  /** Why it runs on Edge, for people. */
  why: string;
  /** Every source file it imports, itself first, transitively, into workspace packages too (type-only
   *  imports left out); paths relative to the run root. */
  graph: string[];
  /** Files of the graph that import governor (the gate, its runtime or register). */
  governor: string[];
}

/** What the walk needs of a package (a PackageProject fits). */
export interface EdgePackage {
  /** Relative to the run root, posix ("" for the root). */
  relDir: string;
  name: string | null;
  sources: { path: string; text: string }[];
  pathAliases?: PathAlias[];
  nextjs: boolean;
  /** Files its package.json points at (main, exports): where an import of the package lands. */
  entrypoints: { file: string; reason: string }[];
}

export interface ToolAt {
  file: string;
  line: number;
  name: string | null;
}

const NODE_RUNTIME =
  /\bexport\s+const\s+(?:runtime\s*(?::[^=;]*)?=|config\s*=\s*\{[^}]*\bruntime\s*:)\s*["'`]nodejs["'`]/;
const ANY_RUNTIME = /\bexport\s+const\s+runtime\s*(?::[^=;]*)?=/;
// what a layout's segment config reaches (route handlers are not rendered inside layouts)
const SEGMENT_FILE = /(?:^|\/)(?:page|layout|template|default)\.[mc]?[jt]sx?$/;
const LAYOUT = /^((?:src\/)?app(?:\/.*)?)\/layout\.[mc]?[jt]sx?$/;
const MIDDLEWARE = /^(?:src\/)?middleware\.[mc]?[jt]s$/;
const TYPE_ONLY = /\b(?:import|export)\s+type\s+[\w\s{},*$]*?\bfrom\s*["']([^"']+)["']/g;

const isEdge = (s: { path: string; text: string }) => declaresEdgeRuntime(s.text, s.path);
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
function edgeRoots(
  sources: { path: string; text: string }[],
  nextjs: boolean,
): Map<string, string> {
  const roots = new Map<string, string>();
  for (const s of sources) if (isEdge(s)) roots.set(s.path, 'it exports runtime "edge"');
  if (!nextjs) return roots;
  for (const s of sources) {
    const m = LAYOUT.exec(s.path);
    if (!m || !isEdge(s)) continue;
    for (const t of sources) {
      if (
        t.path.startsWith(`${m[1]}/`) &&
        SEGMENT_FILE.test(t.path) &&
        !roots.has(t.path) &&
        !ANY_RUNTIME.test(t.text)
      ) {
        roots.set(t.path, `its layout ${s.path} exports runtime "edge"`);
      }
    }
  }
  for (const s of sources) {
    if (MIDDLEWARE.test(s.path) && !roots.has(s.path) && !NODE_RUNTIME.test(s.text))
      roots.set(
        s.path,
        "Next.js middleware runs on the Edge runtime unless its config says nodejs",
      );
  }
  return roots;
}

const join2 = (dir: string, p: string) => (dir ? `${dir}/${p}` : p);
const packageName = (spec: string) =>
  (spec.startsWith("@") ? spec.split("/").slice(0, 2) : spec.split("/").slice(0, 1)).join("/");

/** Every Edge file of every package with its module graph. `text(pkg, path)` is the file as it is (or
 *  as init would leave it). */
export function findEdgeRoutes(
  packages: EdgePackage[],
  text?: (pkg: EdgePackage, path: string) => string,
): EdgeRoute[] {
  const texts = new Map(
    packages.flatMap((p) => p.sources.map((s) => [join2(p.relDir, s.path), s.text] as const)),
  );
  text ??= (pkg, path) => texts.get(join2(pkg.relDir, path)) ?? "";
  const textOf = text;
  const known = new Map(packages.map((p) => [p, new Set(p.sources.map((s) => s.path))]));
  const byName = new Map(packages.filter((p) => p.name).map((p) => [p.name!, p]));
  const specs = new Map<string, string[]>();
  const specsOf = (pkg: EdgePackage, path: string) => {
    const key = join2(pkg.relDir, path);
    if (!specs.has(key)) specs.set(key, runtimeSpecs(textOf(pkg, path)));
    return specs.get(key)!;
  };
  /** Where an import of another workspace package lands: its subpath file, its entry files, or (not
   *  knowing) all of its files. */
  const into = (other: EdgePackage, spec: string): string[] => {
    const sub = spec.slice(other.name!.length + 1);
    const files = known.get(other)!;
    if (sub) {
      const hit = resolveSpec("", `./${sub}`, files) ?? resolveSpec("", `./src/${sub}`, files);
      return hit ? [hit] : [...files];
    }
    const entries = other.entrypoints
      .filter((e) => e.reason.startsWith("package.json"))
      .map((e) => e.file);
    return entries.length ? entries : [...files];
  };
  const routes: EdgeRoute[] = [];
  for (const pkg of packages) {
    for (const [file, why] of edgeRoots(
      pkg.sources.map((s) => ({ path: s.path, text: textOf(pkg, s.path) })),
      pkg.nextjs,
    )) {
      const nodes: [EdgePackage, string][] = [[pkg, file]];
      const seen = new Set([join2(pkg.relDir, file)]);
      const governor: string[] = [];
      const visit = (p: EdgePackage, path: string) => {
        const key = join2(p.relDir, path);
        if (!seen.has(key)) {
          seen.add(key);
          nodes.push([p, path]);
        }
      };
      for (let i = 0; i < nodes.length; i++) {
        const [p, path] = nodes[i];
        for (const spec of specsOf(p, path)) {
          if (isGovernor(spec)) {
            const key = join2(p.relDir, path);
            if (!governor.includes(key)) governor.push(key);
            continue;
          }
          const local = resolveSpec(path, spec, known.get(p)!, p.pathAliases ?? []);
          if (local) visit(p, local);
          else if (!spec.startsWith(".")) {
            const other = byName.get(packageName(spec));
            if (other && other !== p) for (const f of into(other, spec)) visit(other, f);
          }
        }
      }
      routes.push({
        file: join2(pkg.relDir, file),
        why,
        graph: nodes.map(([p, f]) => join2(p.relDir, f)),
        governor,
      });
    }
  }
  return routes;
}

/** The tools an Edge route's module graph defines: "lib/tools.ts:5 (refund_payment)" (tool files
 *  relative to the run root, as the graph is). */
export function toolsReached(route: EdgeRoute, tools: ToolAt[]): string[] {
  const inGraph = new Set(route.graph);
  return tools
    .filter((t) => inGraph.has(t.file))
    .map((t) => `${t.file}:${t.line}${t.name ? ` (${t.name})` : ""}`);
}
