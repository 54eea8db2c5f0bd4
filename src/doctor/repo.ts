// Is the gate wired into this repo? The runtime package installed, the register import in an entrypoint,
// and every tool definition gated. Uses init's detectors (read only).
import { createRequire } from "node:module";
import path from "node:path";
import type { PackageProject, ProjectDetection } from "../detectors/project.js";
import { hasRegisterImport } from "../init/register-import.js";
import type { gateSources } from "../codemods/index.js";
import { fail, pass, skip, warn, type CheckResult } from "./types.js";

/** The codemod core (src/codemods), injected so these checks stay testable on their own. */
export type GateSourcesLike = typeof gateSources;

const rel = (root: string, pkg: PackageProject, file: string) => path.relative(root, path.join(pkg.dir, file)) || file;

export function checkInstalled(project: ProjectDetection): CheckResult {
  if (project.packages.every((p) => p.name === "governor")) return skip("runtime.installed", "this is the governor package itself");
  const missing: string[] = [];
  for (const pkg of project.packages) {
    if (pkg.name === "governor") continue; // governor's own repo
    const deps = { ...(pkg.packageJson.dependencies as object), ...(pkg.packageJson.devDependencies as object) } as Record<string, string>;
    const declared = "governor" in deps;
    let resolvable = false;
    try {
      createRequire(path.join(pkg.dir, "package.json")).resolve("governor/runtime");
      resolvable = true;
    } catch {
      resolvable = false;
    }
    if (!declared || !resolvable) missing.push(`${pkg.name ?? pkg.relDir ?? "."}${declared ? " (declared, not installed)" : ""}`);
  }
  if (missing.length)
    return fail("runtime.installed", `governor is not installed in ${missing.join(", ")}`, `Run \`${project.packageManager.name} ${project.packageManager.name === "npm" ? "install" : "add"} governor\` (or \`governor init\`, which also wires it in).`);
  const n = project.packages.filter((p) => p.name !== "governor").length;
  return pass("runtime.installed", `governor/runtime resolves in ${n} package${n === 1 ? "" : "s"}`);
}

export function checkEntrypoint(project: ProjectDetection, env: NodeJS.ProcessEnv): CheckResult {
  if (/governor\/register/.test(env.NODE_OPTIONS ?? "")) return pass("runtime.entrypoint", "NODE_OPTIONS loads governor/register");
  const missing: string[] = [];
  const found: string[] = [];
  for (const pkg of project.packages) {
    if (pkg.name === "governor") continue;
    const scripts = Object.values((pkg.packageJson.scripts as Record<string, unknown>) ?? {}).filter((s): s is string => typeof s === "string");
    if (scripts.some((s) => /--(import|require|r)[ =]governor\/register/.test(s))) {
      found.push(`${pkg.name ?? pkg.relDir}: package.json scripts`);
      continue;
    }
    const texts = new Map(pkg.sources.map((s) => [s.path, s.text]));
    const hit = pkg.entrypoints.find((e) => hasRegisterImport(texts.get(e.file) ?? ""));
    if (hit) found.push(rel(project.root, pkg, hit.file));
    else if (pkg.entrypoints.length) missing.push(pkg.entrypoints.map((e) => rel(project.root, pkg, e.file)).join(", "));
    else missing.push(`${pkg.name ?? pkg.relDir} (no entrypoint found)`);
  }
  if (missing.length)
    return warn("runtime.entrypoint", `no import of governor/register in ${missing.join("; ")}`, 'Add `import "governor/register"` as the first import of your entrypoint, or start node with `--import governor/register` (`governor init` does this).', { missing, found });
  if (!found.length) return skip("runtime.entrypoint", "no package to check");
  return pass("runtime.entrypoint", `governor/register is loaded from ${found.join(", ")}`);
}

export function checkGoverned(project: ProjectDetection, gateSources: GateSourcesLike | undefined): CheckResult {
  if (!gateSources) return skip("tools.governed", "no tool-definition detector was given, so this check cannot run", "Review your tool definitions by hand, or run `governor init --dry-run` to list ungated ones.");
  const ungated: string[] = [];
  const manual: string[] = [];
  let total = 0;
  for (const pkg of project.packages) {
    let result: ReturnType<GateSourcesLike>;
    try {
      result = gateSources(pkg.sources, { moduleKind: pkg.moduleKind });
    } catch (err) {
      // One file the detectors cannot read must not take the whole report down (doctor would exit 2).
      const why = err instanceof Error ? err.message.split("\n")[0] : String(err);
      return warn("tools.governed", `could not look for tool definitions in ${pkg.name ?? pkg.relDir ?? "."}: ${why}`, "Run `governor init --dry-run` to see which file it fails on, and report it; check the tools by hand meanwhile.");
    }
    for (const t of result.tools) {
      total++;
      const where = `${rel(project.root, pkg, t.file)}:${t.line}${t.name ? ` (${t.name})` : ""}`;
      if (t.status === "gated") ungated.push(where);
      else if (t.status === "manual") manual.push(where);
    }
  }
  const details = { tools: total, ungated, manual };
  if (ungated.length)
    return fail("tools.governed", `${ungated.length} of ${total} tool definition(s) not gated: ${ungated.slice(0, 5).join(", ")}${ungated.length > 5 ? ", ..." : ""}`, "Run `governor init` to gate them (see the diff first with --dry-run).", details);
  if (manual.length)
    return warn("tools.governed", `${manual.length} tool definition(s) need gating by hand: ${manual.slice(0, 5).join(", ")}`, "Wrap each with gate(\"<name>\", fn) from governor/runtime; `governor init --dry-run` says why it could not.", details);
  if (total === 0) return skip("tools.governed", "no tool definitions found in this repo");
  return pass("tools.governed", `all ${total} tool definition(s) are gated`, details);
}
