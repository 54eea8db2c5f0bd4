// Which agent frameworks a package uses: by declared dependency and by what its sources import.
// Several at once is normal; none means plain Node. Read only.
import {
  FRAMEWORK_IDS,
  frameworkOf,
  UNSUPPORTED_FRAMEWORKS,
  unsupportedFrameworkOf,
  type FrameworkId as Framework,
} from "../frameworks.js";
import { splitSpecifier } from "../runtime/resolve-app.js";

export interface FrameworkUse {
  framework: Framework;
  /** "dependency" when package.json declares it, "import" when only a source file imports it. */
  via: ("dependency" | "import")[];
  /** Source files importing it (relative paths as given). */
  files: string[];
}

const IMPORT_RE = /(?:\bfrom\s*|\brequire\(\s*|\bimport\(\s*|^\s*import\s+)["']([^"']+)["']/gm;

export interface FrameworkInput {
  dependencies: Record<string, string> | string[];
  sources: { path: string; text: string }[];
  /** sourceImports(sources), when the caller runs both detectors: the sources are scanned once. */
  imports?: SourceImports[];
}

export interface SourceImports {
  path: string;
  specs: string[];
}

/** Each source file's import specifiers, in order. */
export function sourceImports(sources: { path: string; text: string }[]): SourceImports[] {
  return sources.map((s) => ({
    path: s.path,
    specs: Array.from(s.text.matchAll(IMPORT_RE), (m) => m[1]),
  }));
}

export function detectFrameworks(input: FrameworkInput): FrameworkUse[] {
  const found = new Map<Framework, FrameworkUse>();
  const use = (fw: Framework) => {
    if (!found.has(fw)) found.set(fw, { framework: fw, via: [], files: [] });
    return found.get(fw)!;
  };
  const deps = Array.isArray(input.dependencies)
    ? input.dependencies
    : Object.keys(input.dependencies);
  for (const dep of deps) {
    const fw = frameworkOf(dep);
    if (fw && !use(fw).via.includes("dependency")) use(fw).via.push("dependency");
  }
  for (const s of input.imports ?? sourceImports(input.sources)) {
    for (const spec of s.specs) {
      const fw = frameworkOf(spec);
      if (!fw) continue;
      const u = use(fw);
      if (!u.via.includes("import")) u.via.push("import");
      if (!u.files.includes(s.path)) u.files.push(s.path);
    }
  }
  return FRAMEWORK_IDS.filter((f) => found.has(f)).map((f) => found.get(f)!);
}

/** An agent framework governor has no codemod, wrapper or instrumentation for (frameworks.ts
 *  UNSUPPORTED_FRAMEWORKS): its tools run ungated unless each is wrapped in gate() by hand. */
export interface UnsupportedUse {
  label: string;
  /** Its packages this package declares or imports (`@inngest/agent-kit`). */
  packages: string[];
  via: ("dependency" | "import")[];
  /** Source files importing it. */
  files: string[];
  /** How its tools are declared, for the fix. */
  tools: string;
}

export function detectUnsupportedFrameworks(input: FrameworkInput): UnsupportedUse[] {
  const found = new Map<string, UnsupportedUse>();
  const see = (spec: string, how: "dependency" | "import", file?: string) => {
    const f = unsupportedFrameworkOf(spec);
    if (!f) return;
    const u = found.get(f.label) ?? {
      label: f.label,
      packages: [],
      via: [],
      files: [],
      tools: f.tools,
    };
    found.set(f.label, u);
    const name = splitSpecifier(spec).name;
    if (!u.packages.includes(name)) u.packages.push(name);
    if (!u.via.includes(how)) u.via.push(how);
    if (file && !u.files.includes(file)) u.files.push(file);
  };
  const deps = Array.isArray(input.dependencies)
    ? input.dependencies
    : Object.keys(input.dependencies);
  for (const dep of deps) see(dep, "dependency");
  for (const s of input.imports ?? sourceImports(input.sources))
    for (const spec of s.specs) see(spec, "import", s.path);
  // registry order, so reports list them the same way every run
  return UNSUPPORTED_FRAMEWORKS.filter((f) => found.has(f.label)).map((f) => {
    const u = found.get(f.label)!;
    return { ...u, via: u.via.sort(), packages: u.packages.sort() };
  });
}
