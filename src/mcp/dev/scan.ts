// governor_scan: doctor's coverage (src/detectors/coverage.ts) as data, with init's view of each
// definition (gates it / cannot, and why). Read only; loaded inside the handler (ts-morph).
import path from "node:path";
import { gateSources } from "../../init/cached-gate.js";
import { scanRuntimeTools } from "../../init/cached-scan.js";
import { packageCoverage, skippedItems, type CoverageItem } from "../../detectors/coverage.js";
import { detectProject, frameworkSourcesOf } from "../../detectors/project.js";
import { FRAMEWORKS } from "../../frameworks.js";

export interface ScannedTool {
  /** Relative to the project directory. */
  file: string;
  line: number;
  name: string | null;
  framework: string | null;
  kind: string;
  what: string;
  gated: boolean;
  gatedBy: string | null;
  /** For definitions: "gates" when `governor init` would gate it, "cannot" (see `why`), or "already-gated". */
  init?: "gates" | "cannot" | "already-gated";
  /** Not gated: what would gate it. */
  fix?: string;
  /** Only a person can gate it. */
  byHand?: boolean;
}

export function scanProject(cwd: string, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const project = detectProject(cwd);
  const tools: ScannedTool[] = [];
  const unreadable: { file: string; why: string; fix?: string }[] = [];
  for (const pkg of project.packages) {
    const rel = (file: string) =>
      path.relative(project.root, path.join(pkg.dir, file)).split(path.sep).join("/") || file;
    // exactly what doctor's tools.governed check runs (src/doctor/repo.ts checkGoverned)
    const result = gateSources(pkg.sources, {
      moduleKind: pkg.moduleKind,
      paths: pkg.pathAliases ?? [],
    });
    const scan = scanRuntimeTools(pkg.sources, pkg.pathAliases ?? []);
    const cov = packageCoverage(pkg, result.tools, env, { scan });
    const status = new Map(result.tools.map((t) => [`${t.file}:${t.line}`, t.status]));
    for (const item of cov.items) tools.push(scanned(item, rel(item.file), status));
    for (const s of skippedItems(pkg))
      unreadable.push({ file: rel(s.file), why: s.what.replace(/^not read: /, ""), fix: s.fix });
  }
  const open = tools.filter((t) => !t.gated);
  const groups = new Map<string, ScannedTool[]>();
  for (const t of tools) {
    const key = t.framework ?? (t.kind === "unsupported" ? "unsupported" : "other");
    groups.set(key, [...(groups.get(key) ?? []), t]);
  }
  const label = (id: string) =>
    FRAMEWORKS.find((f) => f.id === id)?.label ??
    (id === "unsupported" ? "frameworks governor does not support yet" : "other");
  return {
    root: project.root,
    summary: { tools: tools.length, gated: tools.length - open.length, notGated: open.length },
    frameworks: [...groups].map(([id, list]) => ({
      framework: id,
      label: label(id),
      tools: list.length,
      gated: list.filter((t) => t.gated).length,
      notGated: list.filter((t) => !t.gated).length,
    })),
    tools,
    notCovered: open.map((t) => ({
      where: `${t.file}:${t.line}`,
      name: t.name,
      framework: t.framework,
      what: t.what,
      why: t.fix ?? "no layer gates it",
      byHand: Boolean(t.byHand),
      initGates: t.init === "gates",
    })),
    unreadable,
    // a framework's own packages (its monorepo): not read, not gated, by design
    frameworkSources: frameworkSourcesOf(project),
  };
}

function scanned(
  item: CoverageItem,
  file: string,
  status: Map<string, "gated" | "already-gated" | "manual">,
): ScannedTool {
  // init's "gated" means "init would gate it": only a layer found in the code makes it gated now
  const s = item.kind === "definition" ? status.get(`${item.file}:${item.line}`) : undefined;
  return {
    file,
    line: item.line,
    name: item.name,
    framework: item.framework,
    kind: item.kind,
    what: item.what,
    gated: item.gatedBy !== null,
    gatedBy: item.gatedBy,
    ...(s && { init: s === "gated" ? "gates" : s === "manual" ? "cannot" : "already-gated" }),
    ...(item.fix !== undefined && { fix: item.fix }),
    ...(item.byHand && { byHand: true }),
  };
}
