// Public shapes of the codemod core (contract in docs/ARCHITECTURE.md).
import type { PathAlias } from "../detectors/modules.js";
import type { LineMove } from "./line-after.js";

export type { PathAlias };
export type { FrameworkId as Framework } from "../frameworks.js";
import type { FrameworkId as Framework } from "../frameworks.js";

export type ToolStatus = "gated" | "already-gated" | "manual";

export interface ToolFinding {
  file: string;
  /** 1-based line where the definition (or dispatch site) starts. */
  line: number;
  /** The same line once this run's edits are written (imports and markers shift lines). */
  lineAfter?: number;
  /** The name the model calls the tool by; null when it is only known at run time (or not at all). */
  name: string | null;
  /**
   * high: a name field or the key of a tools object; medium: derived (a factory's key, an imported
   * execute's function name, this.name read at run time); low: the variable name, or no name.
   */
  nameConfidence: "high" | "medium" | "low";
  framework: Framework;
  form: string;
  status: ToolStatus;
  reason?: string;
}

export interface SourceInput {
  path: string;
  text: string;
}

export interface GateOptions {
  /** Restrict to these frameworks (--framework); default: all. */
  frameworks?: Framework[];
  /** How to add the gate import when the file itself does not show it. */
  moduleKind(path: string): "esm" | "cjs";
  /** tsconfig `paths` (targets relative to the inputs' root), so `@/lib/tools` imports are followed. */
  paths?: PathAlias[];
}

export interface GateResult {
  /** `moves`: the edits, for where each line of `before` lands in `after` (line-after.ts). */
  files: { path: string; before: string; after: string; moves: LineMove[] }[];
  tools: ToolFinding[];
  warnings: string[];
}
