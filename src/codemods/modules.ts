// Which framework a module specifier belongs to, and which specifiers are governor's own runtime.
import { frameworkOf } from "../frameworks.js";
import type { Framework } from "./types.js";

export function frameworkOfSpec(spec: string): Framework | null {
  return frameworkOf(spec);
}

export const RUNTIME_SPECS = new Set(["governor/runtime", "governor"]);

export function isTsPath(p: string): boolean {
  return /\.(?:ts|tsx|mts|cts)$/.test(p) && !p.endsWith(".d.ts");
}

// Moved to the detectors (which may not import the codemods); re-exported for codemods/index.ts,
// codemods/types.ts and init/plan.ts until they import it from there.
export {
  declaresEdgeRuntime,
  mayHaveTools,
  normalize,
  type PathAlias,
} from "../detectors/modules.js";
