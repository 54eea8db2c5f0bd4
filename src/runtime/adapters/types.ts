// The contract between the instrumentation core (../instrument.ts) and each framework's adapter.
import type { FrameworkId } from "../../frameworks.js";
import type { GateHost } from "../gate.js";

export interface PatchInfo {
  /** The hooked specifier, as in src/frameworks.ts (`@langchain/core/tools`). */
  specifier: string;
  /** "esm" from import-in-the-middle (exports may be assigned), "cjs" from require-in-the-middle. */
  format: "esm" | "cjs";
  /** The installed package's version, when its package.json could be read. */
  version: string | null;
  /** The default governor, created at the first call. */
  host: () => GateHost;
}

export interface PatchResult {
  /** What was patched, for the debug line ("StructuredTool.prototype.call"). */
  patched: string[];
  /** What was expected and not found: the framework version is one the adapter does not know. Each
   *  becomes a warning naming what is not gated. */
  missing?: string[];
  /** CJS only: exports to hand the app instead (when the module's own cannot be changed in place). */
  exports?: unknown;
}

export interface InstrumentationAdapter {
  framework: FrameworkId;
  /** Patch one hooked module. Called once per module instance (ESM and CJS copies are separate).
   *  Must not throw for an unknown shape: report it in `missing`. */
  patch(exports: any, info: PatchInfo): PatchResult;
}
