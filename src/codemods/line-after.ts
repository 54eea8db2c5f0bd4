// Where a definition's line lands once the edits are applied, from the edit offsets alone: no second
// codemod run over the rewritten text.
import { posOfLine } from "../runtime/shared.js";
import type { Edit } from "./edits.js";

const newlines = (s: string) => {
  let n = 0;
  for (let i = s.indexOf("\n"); i !== -1; i = s.indexOf("\n", i + 1)) n++;
  return n;
};

/** An edit as where it ends in the original text and the line breaks it adds (fewer: removes). */
export type LineMove = [end: number, lines: number];

/** The edits that move lines, as moves (kept with a changed file: where its lines land). */
export function lineMoves(text: string, edits: readonly Edit[]): LineMove[] {
  const moves: LineMove[] = [];
  for (const e of edits) {
    const lines = newlines(e.text) - newlines(text.slice(e.start, e.end));
    if (lines) moves.push([e.end, lines]);
  }
  return moves;
}

/** The 1-based line `line` of `text` becomes after the edits `moves` stand for: each that ends at
 *  or before the line's start (an insertion at its start included, e.g. a marker line above it)
 *  moves it by the line breaks it adds minus those it removes. */
export function lineAfterMoves(text: string, moves: readonly LineMove[], line: number): number {
  const at = posOfLine(text, line);
  let shift = 0;
  for (const [end, lines] of moves) if (end <= at) shift += lines;
  return line + shift;
}

/** lineAfterMoves, from the edits themselves. */
export function lineAfterEdits(text: string, edits: readonly Edit[], line: number): number {
  return lineAfterMoves(text, lineMoves(text, edits), line);
}
