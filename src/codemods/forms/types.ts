// The one shape every codemod form has. A form reads one file (and, through the Program, the files it
// imports) and records edits and findings on the view it is handed; the runner collects them.
import type { FileCtx } from "../context.js";
import type { Program } from "../program.js";
import type { Framework } from "../types.js";

/** What a run knows about the whole project, shared by every form. */
export interface Run {
  prog: Program;
  /** Names AI SDK tools may be imported under elsewhere (drives the cross-file key lookup). */
  aiSdkNames: Set<string>;
  /** Some input file imports the MCP SDK. */
  projectUsesMcp: boolean;
  /** The framework was asked for (--framework; all by default). */
  wanted(f: Framework): boolean;
}

export interface Form {
  /** "<framework>/<shape>", as in debug output. */
  id: string;
  /** The --framework values that enable this form (any one of them). */
  frameworks: readonly Framework[];
  /** Whether to run on this file; by default, when the file imports one of `frameworks` that is wanted. */
  applies?(ctx: FileCtx, run: Run): boolean;
  /** One file's pass; a form with only `finish` has none. */
  run?(ctx: FileCtx, run: Run): void;
  /** After every file ran: a project-wide pass (registration sites) that records on the files
   *  themselves (`ctx.edits`, `ctx.findings`); it must leave Edge-runtime files unchanged. */
  finish?(files: FileCtx[], run: Run): void;
}
