// Which agent frameworks a package uses: by declared dependency and by what its sources import.
// Several at once is normal; none means plain Node. Read only.
import { frameworkOfSpec } from "../codemods/modules.js";
import { FRAMEWORK_IDS } from "../frameworks.js";
import type { Framework } from "../codemods/types.js";

export interface FrameworkUse {
  framework: Framework;
  /** "dependency" when package.json declares it, "import" when only a source file imports it. */
  via: ("dependency" | "import")[];
  /** Source files importing it (relative paths as given). */
  files: string[];
}

const IMPORT_RE = /(?:\bfrom\s*|\brequire\(\s*|\bimport\(\s*|^\s*import\s+)["']([^"']+)["']/gm;

export function detectFrameworks(input: {
  dependencies: Record<string, string> | string[];
  sources: { path: string; text: string }[];
}): FrameworkUse[] {
  const found = new Map<Framework, FrameworkUse>();
  const use = (fw: Framework) => {
    if (!found.has(fw)) found.set(fw, { framework: fw, via: [], files: [] });
    return found.get(fw)!;
  };
  const deps = Array.isArray(input.dependencies) ? input.dependencies : Object.keys(input.dependencies);
  for (const dep of deps) {
    const fw = frameworkOfSpec(dep);
    if (fw && !use(fw).via.includes("dependency")) use(fw).via.push("dependency");
  }
  for (const s of input.sources) {
    for (const m of s.text.matchAll(IMPORT_RE)) {
      const fw = frameworkOfSpec(m[1]);
      if (!fw) continue;
      const u = use(fw);
      if (!u.via.includes("import")) u.via.push("import");
      if (!u.files.includes(s.path)) u.files.push(s.path);
    }
  }
  return FRAMEWORK_IDS.filter((f) => found.has(f)).map((f) => found.get(f)!);
}
