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
