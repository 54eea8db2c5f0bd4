// Tools init cannot rewrite or claim at a wrapper it adds (prebuilt library tools, MCP clients, asTool, hosted
// tools, unsupported frameworks): which layer gates each once init's edits are in, or what would.
// Computed from the detectors' facts (doctor's coverage over the package as init leaves it); nothing
// here writes or prints.
import { packageCoverage } from "../detectors/coverage.js";
import { detectInstrumentation, type Instrumentation } from "../detectors/instrumentation.js";
import type { PackageProject } from "../detectors/project.js";
import type { RuntimeToolKind } from "../detectors/runtime-tools.js";
import { scanRuntimeTools } from "./cached-scan.js";
import type { ToolFinding } from "../codemods/types.js";
import type { ScriptReport } from "./start-scripts.js";

export interface RuntimeToolReport {
  /** Relative to the run root, posix. */
  file: string;
  line: number;
  /** The line once init's edits are written. */
  lineAfter?: number;
  /** Package directory relative to the run root ("." for the root). */
  package: string;
  /** "manual": a site the codemod marked (it cannot rewrite it) that a run-time layer gates. */
  kind: RuntimeToolKind | "manual";
  framework: string | null;
  /** The name the model calls it by, when the source shows it. */
  name: string | null;
  /** `new TavilySearch() from @langchain/tavily`, `MCP client createMCPClient()`. */
  what: string;
  gatedBy: "registration" | "instrumentation" | null;
  /** gatedBy instrumentation: how governor/register is loaded (`import "governor/register" in src/index.ts`). */
  loadedBy?: string;
  /** Not gated: what would gate it. */
  fix?: string;
  /** Only a person can gate it (hosted tools, unsupported frameworks). */
  byHand?: boolean;
  /** Not gated yet, gated by instrumentation once the offered start-script change is accepted: how it is loaded then. */
  byScripts?: string;
}

// The app's own start: init reads what the project shows, not the NODE_OPTIONS of the shell it runs in.
const NO_ENV: NodeJS.ProcessEnv = {};

function loadedBy(inst: Instrumentation, prefix: string): string {
  switch (inst.mode) {
    case "import-flag":
      return `--import governor/register in ${inst.where}`;
    case "require-flag":
      return `-r governor/register in ${inst.where}`;
    default:
      return `${inst.mode === "entry-require" ? 'require("governor/register")' : 'import "governor/register"'} in ${prefix}${inst.where}`;
  }
}

/**
 * `after`: the package's files as init leaves them (root-relative path -> text); `definitions`: the
 * codemod's findings (root-relative), so a tool it reported already (asTool) is not listed twice;
 * `scripts`: the start-script changes init offers for this package; `lineAfter`: where a line
 * lands once the rewrite is written (from the edits' offsets).
 */
export function planRuntimeTools(
  pkg: PackageProject,
  definitions: ToolFinding[],
  after: Map<string, string>,
  scripts: ScriptReport[],
  lineAfter: (file: string, line: number) => number = (_, line) => line,
): RuntimeToolReport[] {
  const prefix = pkg.relDir ? `${pkg.relDir}/` : "";
  const own = (p: string) => (prefix && p.startsWith(prefix) ? p.slice(prefix.length) : p);
  const sourcesAfter = pkg.sources.map((s) => ({
    path: s.path,
    text: after.get(prefix + s.path) ?? s.text,
  }));
  const scan = scanRuntimeTools(pkg.sources, pkg.pathAliases ?? []);
  const defs = definitions
    .filter((d) => d.file.startsWith(prefix))
    .map((d) => ({ ...d, file: own(d.file) }));

  const edited: PackageProject = { ...pkg, sources: sourcesAfter };
  const inst = detectInstrumentation(edited, NO_ENV);
  // Beside what the scan finds: the codemod's manual sites (asTool, a name built at run time) that
  // a run-time layer gates once init's edits are in. Manual sites nothing gates stay manual.
  const manual = new Map(
    defs.filter((d) => d.status === "manual").map((d) => [`${d.file}:${d.line}`, d]),
  );
  const keep = (i: { kind: string; file: string; line: number; gatedBy: string | null }) =>
    i.kind !== "definition" ||
    (manual.has(`${i.file}:${i.line}`) &&
      (i.gatedBy === "instrumentation" || i.gatedBy === "registration"));
  const items = packageCoverage(pkg, defs, NO_ENV, { instrumentation: inst, scan }).items.filter(
    keep,
  );
  // once the offered --import is in the start scripts
  const withScripts = scripts.length
    ? detectInstrumentation(
        {
          ...edited,
          packageJson: {
            ...pkg.packageJson,
            scripts: {
              ...(pkg.packageJson.scripts as object),
              ...Object.fromEntries(scripts.map((s) => [s.script, s.after])),
            },
          },
        },
        NO_ENV,
      )
    : null;
  const preloaded = withScripts
    ? packageCoverage(pkg, defs, NO_ENV, { instrumentation: withScripts, scan }).items.filter(keep)
    : [];

  return items.map((item, i) => {
    const site = item.kind === "definition" ? manual.get(`${item.file}:${item.line}`) : undefined;
    const r: RuntimeToolReport = {
      file: prefix + item.file,
      line: item.line,
      package: pkg.relDir || ".",
      kind: site ? (site.form === "asTool" ? "as-tool" : "manual") : (item.kind as RuntimeToolKind),
      framework: item.framework,
      name: item.name,
      what: item.what,
      gatedBy: item.gatedBy === "definition" ? null : item.gatedBy,
    };
    r.lineAfter = lineAfter(prefix + item.file, item.line);
    if (item.gatedBy === "instrumentation") r.loadedBy = loadedBy(inst, prefix);
    if (!item.gatedBy) {
      r.fix = item.fix;
      if (item.byHand) r.byHand = true;
      if (withScripts && preloaded[i]?.gatedBy === "instrumentation")
        r.byScripts = loadedBy(withScripts, prefix);
    }
    return r;
  });
}
