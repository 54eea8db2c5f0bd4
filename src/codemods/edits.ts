// Text edits on the original source: touched ranges change, every other byte stays as it was.
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

/** Start of the line holding `pos`, and that line's indentation. */
export function lineStartOf(text: string, pos: number): { start: number; indent: string } {
  const start = text.lastIndexOf("\n", pos - 1) + 1;
  const indent = /^[ \t]*/.exec(text.slice(start))![0];
  return { start, indent };
}
