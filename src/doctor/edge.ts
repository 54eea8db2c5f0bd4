// runtime.edge: no Edge-runtime route reaches tools. governor needs Node.js, so such a route either
// fails to load the gate or runs its tools ungated; init refuses it unless --allow-edge.
import path from "node:path";
import { findEdgeRoutes, toolsReached } from "../detectors/edge-routes.js";
import type { ProjectDetection } from "../detectors/project.js";
import type { GateSourcesLike } from "./repo.js";
import { fail, pass, skip, type CheckResult } from "./types.js";

export function checkEdge(project: ProjectDetection, gateSources: GateSourcesLike | undefined): CheckResult {
  const bad: { file: string; why: string; tools: string[]; governor: string[] }[] = [];
  let edge = 0;
  for (const pkg of project.packages) {
    if (pkg.name === "governor") continue;
    const routes = findEdgeRoutes(pkg);
    if (!routes.length) continue;
    edge += routes.length;
    // tool definitions in the Edge graphs only: a parse of those files, not the whole package again
    const inGraphs = new Set(routes.flatMap((r) => r.graph));
    let tools: ReturnType<GateSourcesLike>["tools"] = [];
    try {
      tools = gateSources ? gateSources(pkg.sources.filter((s) => inGraphs.has(s.path)), { moduleKind: pkg.moduleKind, paths: pkg.pathAliases ?? [] }).tools : [];
    } catch {
      // the governor imports alone still decide; tools.governed names the file it cannot read
    }
    const relDir = path.relative(project.root, pkg.dir).split(path.sep).join("/");
    const rel = (f: string) => (relDir ? `${relDir}/${f}` : f);
    for (const r of routes) {
      const reached = toolsReached(r, tools);
      if (reached.length || r.governor.length) bad.push({ file: rel(r.file), why: r.why, tools: reached.map(rel), governor: r.governor.map(rel) });
    }
  }
  if (edge === 0) return skip("runtime.edge", "no file runs on the Edge runtime");
  if (!bad.length) return pass("runtime.edge", `${edge} Edge runtime file(s), none reaches tools or governor`);
  const what = (b: (typeof bad)[number]) =>
    `${b.file} (${[b.tools.length ? `tools ${b.tools.slice(0, 3).join(", ")}` : "", b.governor.length ? `governor imported by ${b.governor.slice(0, 3).join(", ")}` : ""].filter(Boolean).join("; ")})`;
  return fail(
    "runtime.edge",
    `${bad.length} Edge runtime file(s) reach tools, which governor cannot gate there (it needs Node.js): ${bad.slice(0, 3).map(what).join(", ")}${bad.length > 3 ? ", ..." : ""}`,
    'Set `export const runtime = "nodejs"` in each (or have it call a Node.js route that runs the tools).',
    { routes: bad },
  );
}
