// How governor/register is loaded in a package, and so which frameworks its hooks reach. Read only.
import {
  ENTRY_IMPORT_REACHES,
  FRAMEWORKS,
  frameworkInfo,
  type FrameworkId,
} from "../frameworks.js";
import { APP_SCRIPT } from "./entrypoints.js";
import type { PackageProject } from "./project.js";

/** Does this entrypoint's text already import or require governor/register? */
export function hasRegisterImport(text: string): boolean {
  return /(?:\bimport\s*(?:\(\s*)?|\brequire\s*\(\s*)["']governor\/register["']/.test(text);
}

export type InstrumentationMode =
  /** `--import governor/register` (script or NODE_OPTIONS): every hooked module, ESM and CJS. */
  | "import-flag"
  /** `-r governor/register`: CommonJS `require` only. */
  | "require-flag"
  /** `import "governor/register"` in an ESM entrypoint: runs after the static graph is linked. */
  | "entry-import"
  /** `require("governor/register")` first in a CJS entrypoint: every later require. */
  | "entry-require"
  | "none";

export interface Instrumentation {
  mode: InstrumentationMode;
  /** Where it was seen: `scripts.start`, `NODE_OPTIONS`, an entry file. */
  where: string | null;
  /** Frameworks whose tool calls the hooks gate in this mode. */
  reaches: FrameworkId[];
  /** Why the hooks cannot see this package's code at all (Next.js bundles it), or null. */
  unreachable: string | null;
}

export { APP_SCRIPT };
const PRELOAD =
  /(?:^|[\s'"=])(--import|--require|-r)(?:\s+|=)["']?governor\/register(?:\.[cm]?js)?(?=["'\s]|$)/;

/** The preload flag a script line (or NODE_OPTIONS) carries, if any. */
export function preloadIn(text: string): "import" | "require" | null {
  const m = PRELOAD.exec(text);
  if (!m) return null;
  return m[1] === "--import" ? "import" : "require";
}

/** Frameworks governor/register has hooks for (LangGraph runs its tools through @langchain/core). */
export const INSTRUMENTED: readonly FrameworkId[] = FRAMEWORKS.filter(
  (f) => f.instrument.length > 0 || f.id === "langgraph",
).map((f) => f.id);

export const NEXT_UNREACHABLE =
  "Next.js bundles this package's server code (webpack/Turbopack, and Edge routes), so governor/register's module hooks never see the frameworks it inlines";

export function detectInstrumentation(
  pkg: PackageProject,
  env: NodeJS.ProcessEnv,
): Instrumentation {
  const unreachable = pkg.nextjs ? NEXT_UNREACHABLE : null;
  const entrypoints = pkg.entrypoints ?? [];
  const done = (
    mode: InstrumentationMode,
    where: string | null,
    reaches: FrameworkId[],
  ): Instrumentation => ({ mode, where, reaches: unreachable ? [] : reaches, unreachable });
  const esmApp =
    pkg.moduleType === "esm" || entrypoints.some((e) => pkg.moduleKind(e.file) === "esm");
  const flag = (how: "import" | "require", where: string) =>
    how === "import"
      ? done("import-flag", where, [...INSTRUMENTED])
      : done("require-flag", where, esmApp ? [] : [...INSTRUMENTED]);

  const fromEnv = preloadIn(env.NODE_OPTIONS ?? "");
  if (fromEnv) return flag(fromEnv, "NODE_OPTIONS");
  const scripts = (pkg.packageJson?.scripts ?? {}) as Record<string, unknown>;
  let required: string | null = null;
  for (const [name, s] of Object.entries(scripts)) {
    if (typeof s !== "string" || !APP_SCRIPT.test(name)) continue;
    const how = preloadIn(s);
    if (how === "import") return flag("import", `scripts.${name}`);
    if (how === "require") required ??= `scripts.${name}`;
  }
  if (required) return flag("require", required);
  const texts = new Map(pkg.sources.map((s) => [s.path, s.text]));
  const hit = entrypoints.find((e) => hasRegisterImport(texts.get(e.file) ?? ""));
  if (hit)
    return pkg.moduleKind(hit.file) === "cjs"
      ? done("entry-require", hit.file, [...INSTRUMENTED])
      : done("entry-import", hit.file, [...ENTRY_IMPORT_REACHES]);
  return done("none", null, []);
}

/** One line per framework the package uses: does this mode's instrumentation gate its tools? */
export function reachText(inst: Instrumentation, frameworks: FrameworkId[]): string {
  const hooked = frameworks.filter((f) => INSTRUMENTED.includes(f));
  if (!hooked.length) return "";
  if (inst.unreachable)
    return `instrumentation cannot reach ${hooked.map(label).join(", ")} here: ${inst.unreachable}`;
  const yes = hooked.filter((f) => inst.reaches.includes(f));
  const no = hooked.filter((f) => !inst.reaches.includes(f));
  const parts: string[] = [];
  if (yes.length) parts.push(`instrumentation covers ${yes.map(label).join(", ")}`);
  if (no.length)
    parts.push(
      `${yes.length ? "not" : "instrumentation does not reach"} ${no.map(label).join(", ")}: ${whyNot(inst)}`,
    );
  return parts.join("; ");
}

function whyNot(inst: Instrumentation): string {
  switch (inst.mode) {
    case "entry-import":
      return "the entrypoint's static imports are linked before governor/register runs; start node with --import governor/register";
    case "require-flag":
      return "-r only hooks require() and this is an ES module app; use --import governor/register";
    default:
      return "governor/register is not loaded";
  }
}

const label = (f: FrameworkId) => frameworkInfo(f).label;
