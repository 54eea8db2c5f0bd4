// runtime.edge: no Edge-runtime route reaches tools. governor needs Node.js, so such a route either
// fails to load the gate or runs its tools ungated; init refuses it unless --allow-edge.
import { findEdgeRoutes, toolsReached, type ToolAt } from "../detectors/edge-routes.js";
import type { ProjectDetection } from "../detectors/project.js";
import type { GateSourcesLike } from "./repo.js";
import { fail, pass, skip, type CheckResult } from "./types.js";

const join2 = (dir: string, p: string) => (dir ? `${dir}/${p}` : p);

export function checkEdge(
  project: ProjectDetection,
  gateSources: GateSourcesLike | undefined,
): CheckResult {
  const packages = project.packages.filter((p) => p.name !== "governor");
  const routes = findEdgeRoutes(packages);
  if (!routes.length) return skip("runtime.edge", "no file runs on the Edge runtime");
  // tool definitions in the Edge graphs only: a parse of those files, not every package again
  const inGraphs = new Set(routes.flatMap((r) => r.graph));
  const tools: ToolAt[] = [];
  for (const pkg of packages) {
    const files = pkg.sources.filter((s) => inGraphs.has(join2(pkg.relDir, s.path)));
    if (!files.length || !gateSources) continue;
    try {
      const found = gateSources(files, {
        moduleKind: pkg.moduleKind,
        paths: pkg.pathAliases ?? [],
      }).tools;
      tools.push(...found.map((t) => ({ ...t, file: join2(pkg.relDir, t.file) })));
    } catch {
      // the governor imports alone still decide; tools.governed names the file it cannot read
    }
  }
  const bad = routes
    .map((r) => ({ file: r.file, why: r.why, tools: toolsReached(r, tools), governor: r.governor }))
    .filter((r) => r.tools.length || r.governor.length);
  if (!bad.length)
    return pass(
      "runtime.edge",
      `${routes.length} Edge runtime file(s), none reaches tools or governor`,
    );
  const few = (xs: string[]) => xs.slice(0, 3).join(", ") + (xs.length > 3 ? ", ..." : "");
  const what = (b: (typeof bad)[number]) =>
    `${b.file} (${[b.tools.length ? `tools ${few(b.tools)}` : "", b.governor.length ? `governor imported by ${few(b.governor)}` : ""].filter(Boolean).join("; ")})`;
  return fail(
    "runtime.edge",
    `${bad.length} Edge runtime file(s) reach tools, which governor cannot gate there (it needs Node.js): ${bad.slice(0, 3).map(what).join(", ")}${bad.length > 3 ? ", ..." : ""}`,
    'Set `export const runtime = "nodejs"` in each (or have it call a Node.js route that runs the tools).',
    { routes: bad },
  );
}
