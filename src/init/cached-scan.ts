// The run-time tool scan is a pure function of a package's texts and tsconfig paths: its answer for
// a package that did not change comes from the result cache (cli-support/result-cache.ts).
import { lookup } from "../cli-support/result-cache.js";
import type { PathAlias } from "../detectors/modules.js";
import {
  scanRuntimeTools as scanUncached,
  type RuntimeScan,
  type RuntimeTool,
} from "../detectors/runtime-tools.js";

interface Stored {
  tools: RuntimeTool[];
  ranges: RuntimeScan["registration"]["ranges"];
  identifiers: [string, string[]][];
}

export function scanRuntimeTools(
  sources: { path: string; text: string }[],
  paths: PathAlias[] = [],
): RuntimeScan {
  const entry = lookup<Stored>("scan", `${sources.length} files`, (h) => {
    h.update(JSON.stringify(paths));
    for (const s of sources) h.update(`\0${s.path}\0${s.text.length}\0`).update(s.text);
  });
  if (entry.value) {
    const { tools, ranges, identifiers } = entry.value;
    return {
      tools,
      registration: { ranges, identifiers: new Map(identifiers.map(([k, v]) => [k, new Set(v)])) },
    };
  }
  const scan = scanUncached(sources, paths);
  entry.save({
    tools: scan.tools,
    ranges: scan.registration.ranges,
    identifiers: [...scan.registration.identifiers].map(([k, v]) => [k, [...v]]),
  });
  return scan;
}
