// Where a definition's line lands once the edits are applied, from the edit offsets alone: no second
// codemod run over the rewritten text.
import { posOfLine } from "../runtime/shared.js";
import type { Edit } from "./edits.js";

const newlines = (s: string) => {
  let n = 0;
  for (let i = s.indexOf("\n"); i !== -1; i = s.indexOf("\n", i + 1)) n++;
  return n;
};

/** The 1-based line `line` of `text` becomes after `edits`: each edit that ends at or before the
 *  line's start (an insertion at its start included, e.g. a marker line above it) moves it by the
 *  line breaks it adds minus those it removes. */
export function lineAfterEdits(text: string, edits: readonly Edit[], line: number): number {
  const at = posOfLine(text, line);
  let shift = 0;
  for (const e of edits)
    if (e.end <= at) shift += newlines(e.text) - newlines(text.slice(e.start, e.end));
  return line + shift;
}
