// Is the gate wired into this repo? The runtime package installed, the register import in an entrypoint,
// and every tool gated by some layer (definition, registration, instrumentation). Uses init's detectors (read only).
import { createRequire } from "node:module";
import path from "node:path";
import {
  frameworkSourcesOf,
  type PackageProject,
  type ProjectDetection,
} from "../detectors/project.js";
import {
  packageCoverage,
  preloadHint,
  skippedItems,
  type CoverageItem,
  type Layer,
  type PackageCoverage,
} from "../detectors/coverage.js";
import {
  detectInstrumentation,
  NEXT_UNREACHABLE,
  reachText,
} from "../detectors/instrumentation.js";
import type { gateSources } from "../codemods/index.js";
import { scanRuntimeTools } from "../init/cached-scan.js";
import { fail, pass, skip, warn, type CheckResult } from "./types.js";

/** The codemod core (src/codemods), injected so these checks stay testable on their own. */
export type GateSourcesLike = typeof gateSources;

const rel = (root: string, pkg: PackageProject, file: string) =>
  path.relative(root, path.join(pkg.dir, file)) || file;

export function checkInstalled(project: ProjectDetection): CheckResult {
  if (!project.packages.length && project.frameworkSources?.length)
    return skip("runtime.installed", "every package here is a framework's own source, left alone");
  if (project.packages.every((p) => p.name === "governor"))
    return skip("runtime.installed", "this is the governor package itself");
  const missing: string[] = [];
  for (const pkg of project.packages) {
    if (pkg.name === "governor") continue; // governor's own repo
    const deps = {
      ...(pkg.packageJson.dependencies as object),
      ...(pkg.packageJson.devDependencies as object),
    } as Record<string, string>;
    const declared = "governor" in deps;
    let resolvable = false;
    try {
      createRequire(path.join(pkg.dir, "package.json")).resolve("governor/runtime");
      resolvable = true;
    } catch {
      resolvable = false;
    }
    if (!declared || !resolvable)
      missing.push(
        `${pkg.name ?? pkg.relDir ?? "."}${declared ? " (declared, not installed)" : ""}`,
      );
  }
  if (missing.length)
    return fail(
      "runtime.installed",
      `governor is not installed in ${missing.join(", ")}`,
      `Run \`${project.packageManager.name} ${project.packageManager.name === "npm" ? "install" : "add"} governor\` (or \`governor init\`, which also wires it in).`,
    );
  const n = project.packages.filter((p) => p.name !== "governor").length;
  return pass(
    "runtime.installed",
    `governor/runtime resolves in ${n} package${n === 1 ? "" : "s"}`,
  );
}

export function checkEntrypoint(project: ProjectDetection, env: NodeJS.ProcessEnv): CheckResult {
  const missing: string[] = [];
  const found: string[] = [];
  const modes: Record<string, unknown>[] = [];
  for (const pkg of project.packages) {
    if (pkg.name === "governor") continue;
    const inst = detectInstrumentation(pkg, env);
    const label = pkg.name ?? (pkg.relDir || ".");
    const reach = reachText(
      inst,
      pkg.frameworks.map((f) => f.framework),
    );
    modes.push({
      package: label,
      mode: inst.mode,
      where: inst.where,
      reaches: inst.reaches,
      ...(inst.unreachable && { unreachable: inst.unreachable }),
    });
    if (inst.mode === "none") {
      missing.push(
        pkg.entrypoints.length
          ? pkg.entrypoints.map((e) => rel(project.root, pkg, e.file)).join(", ")
          : `${label} (no entrypoint found)`,
      );
      continue;
    }
    const where =
      inst.where === "NODE_OPTIONS"
        ? "NODE_OPTIONS"
        : inst.where!.startsWith("scripts.")
          ? `${label}: package.json ${inst.where}`
          : rel(project.root, pkg, inst.where!);
    found.push(`${where}${reach ? ` (${MODE[inst.mode]}: ${reach})` : ""}`);
  }
  const details = { missing, found, instrumentation: modes };
  if (missing.length) {
    const pkg = project.packages.find(
      (p) => p.name !== "governor" && detectInstrumentation(p, env).mode === "none",
    )!;
    const fix = pkg.nextjs
      ? `Add \`import "governor/register"\` as the first import of each route that runs tools (\`governor init\` does this). ${NEXT_UNREACHABLE}: tools init cannot rewrite need governTools(...) / governMcpClient(...).`
      : `Start your app with governor/register preloaded: ${preloadHint(pkg)}; or add \`import "governor/register"\` as the first import of your entrypoint (\`governor init\` does this and offers the script change).`;
    return warn(
      "runtime.entrypoint",
      `no import of governor/register in ${missing.join("; ")}`,
      fix,
      details,
    );
  }
  if (!found.length) return skip("runtime.entrypoint", "no package to check");
  return pass(
    "runtime.entrypoint",
    `governor/register is loaded from ${found.join(", ")}`,
    details,
  );
}

const MODE: Record<string, string> = {
  "import-flag": "--import",
  "require-flag": "-r",
  "entry-import": "import in an ESM entrypoint",
  "entry-require": "require in a CJS entrypoint",
};

const LAYER_TEXT: Record<Layer, string> = {
  definition: "at their definition",
  registration: "by registration (govern*)",
  instrumentation: "by instrumentation (governor/register)",
};
const spot = (i: CoverageItem, root: string, pkg: PackageProject) =>
  `${rel(root, pkg, i.file)}:${i.line} (${i.kind === "definition" ? (i.name ?? i.what) : i.name ? `${i.name}: ${i.what}` : i.what})`;

export function checkGoverned(
  project: ProjectDetection,
  gateSources: GateSourcesLike | undefined,
  env: NodeJS.ProcessEnv = process.env,
): CheckResult {
  if (!gateSources)
    return skip(
      "tools.governed",
      "no tool-definition detector was given, so this check cannot run",
      "Review your tool definitions by hand, or run `governor init --dry-run` to list ungated ones.",
    );
  const items: { item: CoverageItem; where: string }[] = [];
  const skipped: { item: CoverageItem; where: string }[] = [];
  const unreachable = new Set<string>();
  for (const pkg of project.packages) {
    for (const item of skippedItems(pkg))
      skipped.push({ item, where: rel(project.root, pkg, item.file) });
    let result: ReturnType<GateSourcesLike>;
    let cov: PackageCoverage;
    try {
      // the same tsconfig paths init used, or factories registered through `@/...` imports look unnamed
      result = gateSources(pkg.sources, {
        moduleKind: pkg.moduleKind,
        paths: pkg.pathAliases ?? [],
      });
      cov = packageCoverage(pkg, result.tools, env, {
        scan: scanRuntimeTools(pkg.sources, pkg.pathAliases ?? []),
      });
    } catch (err) {
      // One file the detectors cannot read must not take the whole report down (doctor would exit 2).
      const why = err instanceof Error ? err.message.split("\n")[0] : String(err);
      return warn(
        "tools.governed",
        `could not look for tool definitions in ${pkg.name ?? pkg.relDir ?? "."}: ${why}`,
        "Run `governor init --dry-run` to see which file it fails on, and report it; check the tools by hand meanwhile.",
      );
    }
    if (cov.instrumentation.unreachable)
      unreachable.add(`${pkg.name ?? (pkg.relDir || ".")}: ${cov.instrumentation.unreachable}`);
    for (const item of cov.items) items.push({ item, where: spot(item, project.root, pkg) });
  }
  return withFrameworkSources(withSkipped(governed(items, unreachable), skipped), project);
}

/** A framework's own packages are left alone: said, so a repo that is one is not a silent skip. */
function withFrameworkSources(result: CheckResult, project: ProjectDetection): CheckResult {
  const list = frameworkSourcesOf(project);
  if (!list.length) return result;
  const named = list.map((f) => `${f.package} (${f.name})`);
  const shown = named.slice(0, 3).join(", ") + (named.length > 3 ? ", ..." : "");
  return {
    ...result,
    message: `${result.message}; left alone as a framework's own source: ${shown}`,
    details: { ...result.details, frameworkSources: list },
  };
}

/** Files no check could read that may hold tools: never a pass while there are any. */
function withSkipped(
  result: CheckResult,
  skipped: { item: CoverageItem; where: string }[],
): CheckResult {
  if (!skipped.length) return result;
  const list =
    skipped
      .slice(0, 5)
      .map((s) => s.where)
      .join(", ") + (skipped.length > 5 ? ", ..." : "");
  const note = `${skipped.length} file(s) that may hold tools could not be read: ${list}`;
  const fix = [result.fix, ...skipped.map((s) => `${s.where}: ${s.item.fix}`)]
    .filter(Boolean)
    .join("\n                 ");
  const details = {
    ...result.details,
    skipped: skipped.map((s) => ({
      where: s.where,
      why: s.item.what.replace(/^not read: /, ""),
      fix: s.item.fix,
    })),
  };
  const message = result.status === "skip" ? note : `${result.message}; ${note}`;
  return result.status === "fail"
    ? fail(result.id, message, fix, details)
    : warn(result.id, message, fix, details);
}

function governed(
  items: { item: CoverageItem; where: string }[],
  unreachable: Set<string>,
): CheckResult {
  const open = items.filter((i) => !i.item.gatedBy);
  const byLayer = (l: Layer) => items.filter((i) => i.item.gatedBy === l).map((i) => i.where);
  const onlyDefinitions = items.every((i) => i.item.kind === "definition");
  const noun = onlyDefinitions ? "tool definition(s)" : "tool(s)";
  const details = {
    tools: items.length,
    gated: {
      definition: byLayer("definition"),
      registration: byLayer("registration"),
      instrumentation: byLayer("instrumentation"),
    },
    notGated: open.map((i) => ({
      where: i.where,
      kind: i.item.kind,
      framework: i.item.framework,
      fix: i.item.fix,
      byHand: Boolean(i.item.byHand),
    })),
    ...(unreachable.size && { instrumentationUnreachable: [...unreachable] }),
    // kept from before: what init would gate, and what needs a person
    ungated: open
      .filter((i) => i.item.kind === "definition" && !i.item.byHand)
      .map((i) => i.where.replace(/ \(.*\)$/, "") + (i.item.name ? ` (${i.item.name})` : "")),
    manual: open.filter((i) => i.item.byHand).map((i) => i.where),
  };
  if (items.length === 0) return skip("tools.governed", "no tool definitions found in this repo");
  if (open.length) {
    const list =
      open
        .slice(0, 5)
        .map((i) => i.where)
        .join(", ") + (open.length > 5 ? ", ..." : "");
    const fixes = open.map((i) => `${i.where}: ${i.item.fix}`);
    const fix =
      fixes.slice(0, 8).join("\n                 ") +
      (fixes.length > 8 ? `\n                 ... ${fixes.length - 8} more (see --json)` : "");
    const automatic = open.some((i) => !i.item.byHand);
    const msg =
      onlyDefinitions && open.every((i) => !i.item.byHand)
        ? `${open.length} of ${items.length} tool definition(s) not gated: ${list}`
        : `${open.length} of ${items.length} ${noun} not gated by any layer: ${list}`;
    return automatic
      ? fail(
          "tools.governed",
          msg,
          onlyDefinitions && open.every((i) => !i.item.byHand)
            ? `Run \`governor init\` to gate them (see the diff first with --dry-run).`
            : fix,
          details,
        )
      : warn("tools.governed", msg, fix, details);
  }
  const layers = (["definition", "registration", "instrumentation"] as Layer[])
    .map((l) => [l, byLayer(l).length] as const)
    .filter(([, n]) => n > 0);
  if (layers.length === 1 && layers[0][0] === "definition" && onlyDefinitions)
    return pass("tools.governed", `all ${items.length} tool definition(s) are gated`, details);
  return pass(
    "tools.governed",
    `all ${items.length} ${noun} are gated: ${layers.map(([l, n]) => `${n} ${LAYER_TEXT[l]}`).join(", ")}`,
    details,
  );
}
