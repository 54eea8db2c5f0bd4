// Read-only view of the tool definitions in a set of sources: what `governor init` would gate,
// without producing any edit (the codemod core run, its rewritten text dropped).
import { gateSources } from "../codemods/index.js";
import type { Framework, SourceInput, ToolFinding } from "../codemods/types.js";

export function detectTools(
  inputs: SourceInput[],
  options: { frameworks?: Framework[] } = {},
): { tools: ToolFinding[]; warnings: string[] } {
  const r = gateSources(inputs, { frameworks: options.frameworks, moduleKind: () => "esm" });
  return { tools: r.tools, warnings: r.warnings };
}
