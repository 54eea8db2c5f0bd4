// Text edits on the original source: touched ranges change, every other byte stays as it was.
import { eolOf, lineStartOf } from "../runtime/shared.js";

/** What a site the codemod leaves to the user is marked with, on a line of its own above it. */
export const MARKER = "// governor:";

/** Is this edit one that adds a marker? */
export const isMarkerEdit = (e: Edit): boolean => e.text.includes(MARKER);

export interface Edit {
  start: number;
  end: number;
  text: string;
}

/** Applies edits (insertions have start === end). Overlapping replacements are a bug in a transform. */
export function applyEdits(text: string, edits: Edit[]): string {
  if (edits.length === 0) return text;
  const sorted = edits
    .map((e, i) => ({ ...e, i }))
    .sort((a, b) => a.start - b.start || closerRank(a.text) - closerRank(b.text) || a.i - b.i);
  let out = "";
  let pos = 0;
  for (const e of sorted) {
    if (e.start < pos) throw new Error(`overlapping edits at ${e.start}`);
    out += text.slice(pos, e.start) + e.text;
    pos = e.end;
  }
  return out + text.slice(pos);
}

// At one position, closing an inner wrapper (")...") must come before opening an outer one.
function closerRank(t: string): number {
  return /^[)}]/.test(t) ? 0 : 1;
}

/** `// governor: <msg>` (MARKER) on its own line above the line holding `pos`; null when a marker is there
 *  already, in the text or among `edits` (a second run adds nothing). */
export function markerEdit(
  text: string,
  pos: number,
  msg: string,
  edits: readonly Edit[],
): Edit | null {
  const { start, indent } = lineStartOf(text, pos);
  const prevStart = text.lastIndexOf("\n", start - 2) + 1;
  if (
    start > 1 &&
    text
      .slice(prevStart, start - 1)
      .trimStart()
      .startsWith(MARKER)
  )
    return null;
  if (edits.some((e) => e.start === start && isMarkerEdit(e))) return null;
  return { start, end: start, text: `${indent}${MARKER} ${msg}${eolOf(text)}` };
}

/**
 * One level of the file's indentation: a tab if most indented lines start with one, else the most
 * common step (2, 4, ...) between a line and a deeper next line. 2 spaces when nothing says otherwise.
 */
let lastText: string | undefined;
let lastUnit = "  ";
export function indentUnit(text: string): string {
  // Asked once per rewritten tool; a file with many tools is scanned once.
  if (text === lastText) return lastUnit;
  lastText = text;
  return (lastUnit = measureIndent(text));
}

function measureIndent(text: string): string {
  let tabs = 0;
  let spaces = 0;
  let prev = 0;
  const steps = new Map<number, number>();
  for (const line of text.split("\n")) {
    const indent = /^[ \t]*/.exec(line)![0];
    const rest = line.slice(indent.length);
    if (!rest.trim() || rest.startsWith("*")) continue; // blank, or inside a block comment
    if (indent.startsWith("\t")) tabs++;
    else if (indent.length > 0) spaces++;
    if (indent.includes("\t")) continue;
    const step = indent.length - prev;
    if (step >= 2 && step <= 8) steps.set(step, (steps.get(step) ?? 0) + 1);
    prev = indent.length;
  }
  if (tabs > spaces) return "\t";
  let best = 2;
  let count = 0;
  for (const [step, n] of steps)
    if (n > count || (n === count && step < best)) [best, count] = [step, n];
  return " ".repeat(best);
}

/**
 * Insertions of `unit` at the start of every line that begins inside (from, to), so a block moved one
 * level deeper keeps its shape. Blank lines and lines inside multi-line strings or templates (in
 * `keep`) stay as they are: indenting those would change a value.
 */
export function reindentEdits(
  text: string,
  from: number,
  to: number,
  unit: string,
  keep: [number, number][],
): Edit[] {
  const out: Edit[] = [];
  for (
    let nl = text.indexOf("\n", from);
    nl !== -1 && nl + 1 < to;
    nl = text.indexOf("\n", nl + 1)
  ) {
    const start = nl + 1;
    const lineEnd = text.indexOf("\n", start);
    const line = text.slice(start, lineEnd === -1 ? text.length : lineEnd);
    if (!line.trim()) continue;
    if (keep.some(([s, e]) => start > s && start < e)) continue;
    out.push({ start, end: start, text: unit });
  }
  return out;
}

/** The file's line break, the indentation of the line a moved block starts on, and one level. */
export interface Layout {
  nl: string;
  indent: string;
  unit: string;
}

/**
 * Moves the block [from, to) into a gate call: `open` goes in at `from` (replacing the text up to
 * `openEnd`, if given), every line that begins inside moves one level deeper (those in `keep`, inside
 * multi-line strings, stay), and `close` goes in at `to`. `write` gets the layout to write them in.
 */
export function gateBlockEdits(
  text: string,
  block: { from: number; to: number; openEnd?: number; keep: [number, number][] },
  write: (l: Layout) => [open: string, close: string],
): Edit[] {
  const { from, to } = block;
  const unit = indentUnit(text);
  const [open, close] = write({ nl: eolOf(text), indent: lineStartOf(text, from).indent, unit });
  return [
    { start: from, end: block.openEnd ?? from, text: open },
    ...reindentEdits(text, from, to, unit, block.keep),
    { start: to, end: to, text: close },
  ];
}
