// init's offer to preload governor/register in package.json start scripts: computed in the plan,
// written only once accepted, through package.json's planned file (so backup and --undo cover it).
import { ts } from "ts-morph";
import type { PackageProject } from "../detectors/project.js";
import { startScriptChanges, type ScriptChange } from "../detectors/start-scripts.js";
import { findObjectProperty, parseJsonObject, propName } from "./json-edit.js";

export interface ScriptReport extends ScriptChange {
  /** Package directory relative to the run root ("." for the root). */
  package: string;
  /** proposed: shown, not written (--yes, --dry-run, or declined); added: written. */
  status: "proposed" | "added" | "declined";
}

/** Next.js bundles server code, where the hooks cannot reach: nothing to offer there. */
export function planScripts(pkg: PackageProject): ScriptReport[] {
  if (pkg.nextjs) return [];
  const scripts = pkg.packageJson.scripts as Record<string, unknown> | undefined;
  return startScriptChanges(scripts).map((c) => ({
    ...c,
    package: pkg.relDir || ".",
    status: "proposed",
  }));
}

/** package.json text with scripts[name] set to `value`, everything else byte for byte. */
export function setScript(text: string, name: string, value: string): string {
  const { sf, root } = parseJsonObject("package.json", text);
  const scripts = findObjectProperty(root, "scripts");
  const prop = scripts?.properties.find((p) => propName(p) === name);
  if (!prop || !ts.isPropertyAssignment(prop) || !ts.isStringLiteral(prop.initializer)) return text;
  const v = prop.initializer;
  return text.slice(0, v.getStart(sf)) + JSON.stringify(value) + text.slice(v.getEnd());
}
