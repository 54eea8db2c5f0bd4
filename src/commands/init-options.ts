// init's options without zod when they plainly pass its schema (init-schema.ts); anything else goes
// to the schema, so every refusal still carries zod's message.
import { PACKAGE_MANAGERS } from "../detectors/package-manager.js";
import { FRAMEWORK_IDS } from "../frameworks.js";
import type { InitActionOptions } from "./init-schema.js";

const FLAGS = [
  "yes",
  "dryRun",
  "json",
  "install",
  "allowDirty",
  "undo",
  "typecheck",
  "debug",
  "allowEdge",
] as const;
const LISTS = ["include", "exclude"] as const;

const strings = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((x) => typeof x === "string");

/** What initOptionsSchema.parse(raw) returns, when it surely would; undefined when the schema must say. */
export function plainInitOptions(raw: Record<string, unknown>): InitActionOptions | undefined {
  if (typeof raw.cwd !== "string") return undefined;
  const out: Record<string, unknown> = { cwd: raw.cwd };
  for (const k of FLAGS) {
    if (typeof raw[k] !== "boolean") return undefined;
    out[k] = raw[k];
  }
  for (const k of LISTS) {
    if (raw[k] === undefined) continue;
    if (!strings(raw[k])) return undefined;
    out[k] = raw[k];
  }
  const pm = raw.packageManager;
  if (pm !== undefined) {
    if (!(PACKAGE_MANAGERS as readonly unknown[]).includes(pm)) return undefined;
    out.packageManager = pm;
  }
  const fw = raw.framework;
  if (fw !== undefined) {
    if (!strings(fw) || !fw.every((f) => (FRAMEWORK_IDS as readonly string[]).includes(f)))
      return undefined;
    out.framework = fw;
  }
  if (raw.governorSpec !== undefined) {
    if (typeof raw.governorSpec !== "string") return undefined;
    out.governorSpec = raw.governorSpec;
  }
  return out as InitActionOptions;
}

export type ParsedInit =
  | { success: true; data: InitActionOptions }
  | { success: false; issue: { path: string; message: string } };

/** The options as init runs with them: plainly valid ones without zod, the rest through the schema. */
export async function parseInitOptions(raw: Record<string, unknown>): Promise<ParsedInit> {
  const plain = plainInitOptions(raw);
  if (plain) return { success: true, data: plain };
  const { initOptionsSchema } = await import("./init-schema.js");
  const r = initOptionsSchema.safeParse(raw);
  if (r.success) return { success: true, data: r.data };
  const issue = r.error.issues[0];
  return {
    success: false,
    issue: { path: issue?.path.join(".") ?? "", message: issue?.message ?? "" },
  };
}
