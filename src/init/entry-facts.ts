// What init decides for each entrypoint: does it parse, does it run on the Edge runtime, where the
// register import goes and whether .env loads too late. Pure in the texts, so a package whose
// entrypoints did not change is answered from the result cache (cli-support/result-cache.ts).
import { lookup } from "../cli-support/result-cache.js";
import type { Edit } from "../codemods/edits.js";
import { syntaxError } from "../codemods/syntax.js";
import { declaresEdgeRuntime } from "../detectors/modules.js";
import type { ModuleKind } from "../detectors/project.js";
import { envOrderWarning, registerImportEdit } from "./register-import.js";

export interface EntryInput {
  path: string;
  /** The file as it is. */
  original: string;
  /** The file once the codemod's edits are applied. */
  current: string;
  kind: ModuleKind;
}

export interface EntryFacts {
  broken: string | null;
  edge: boolean;
  edit: Edit | null;
  envWarning: string | null;
}

export function factsOf(e: EntryInput): EntryFacts {
  const broken = syntaxError(e.path, e.original);
  if (broken) return { broken, edge: false, edit: null, envWarning: null };
  if (declaresEdgeRuntime(e.original, e.path))
    return { broken: null, edge: true, edit: null, envWarning: null };
  return {
    broken: null,
    edge: false,
    edit: registerImportEdit(e.path, e.current, e.kind),
    envWarning: envOrderWarning(e.path, e.current, e.kind),
  };
}

/** One answer per entrypoint, in order. */
export function entryFacts(entries: EntryInput[]): EntryFacts[] {
  if (!entries.length) return [];
  const entry = lookup<EntryFacts[]>("entries", `${entries.length} entrypoints`, (h) => {
    for (const e of entries) {
      h.update(`\0${e.path}\0${e.kind}\0${e.original.length}\0`).update(e.original);
      h.update(`\0${e.current === e.original ? "=" : e.current.length}\0`);
      if (e.current !== e.original) h.update(e.current);
    }
  });
  if (entry.value?.length === entries.length) return entry.value;
  const facts = entries.map(factsOf);
  entry.save(facts);
  return facts;
}
