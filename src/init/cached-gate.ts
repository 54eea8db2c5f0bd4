// The codemod is a pure function of its inputs (texts, paths, module kinds, options): its answer
// for a package that did not change comes from the result cache (cli-support/result-cache.ts).
import type { Hash } from "node:crypto";
import { lookup } from "../cli-support/result-cache.js";
import {
  gateSources as gateUncached,
  type GateOptions,
  type GateResult,
  type SourceInput,
} from "../codemods/index.js";
import type { LineMove } from "../codemods/line-after.js";

type GateSources = (inputs: SourceInput[], options: GateOptions) => GateResult;

/** A changed file as one splice of its input: what differs between the first and last edit. */
interface Splice {
  path: string;
  head: number;
  tail: number;
  middle: string;
  moves: LineMove[];
}

interface Stored {
  files: Splice[];
  tools: GateResult["tools"];
  warnings: string[];
}

function feed(h: Hash, inputs: SourceInput[], options: GateOptions): void {
  h.update(JSON.stringify([options.frameworks ?? null, options.paths ?? []]));
  for (const i of inputs) {
    h.update(`\0${i.path}\0${options.moduleKind(i.path)}\0${i.text.length}\0`);
    h.update(i.text);
  }
}

function splice(path: string, before: string, after: string, moves: LineMove[]): Splice {
  let head = 0;
  const max = Math.min(before.length, after.length);
  while (head < max && before.charCodeAt(head) === after.charCodeAt(head)) head++;
  let tail = 0;
  while (
    tail < max - head &&
    before.charCodeAt(before.length - 1 - tail) === after.charCodeAt(after.length - 1 - tail)
  )
    tail++;
  return { path, head, tail, middle: after.slice(head, after.length - tail), moves };
}

function encode(result: GateResult, texts: Map<string, string>): Stored | null {
  const files: Splice[] = [];
  for (const f of result.files) {
    // only files whose text before is the input's can be rebuilt from the inputs
    if (texts.get(f.path) !== f.before) return null;
    files.push(splice(f.path, f.before, f.after, f.moves));
  }
  return { files, tools: result.tools, warnings: result.warnings };
}

function decode(stored: Stored, texts: Map<string, string>): GateResult | null {
  const files: GateResult["files"] = [];
  for (const s of stored.files) {
    const before = texts.get(s.path);
    if (before === undefined || s.head + s.tail > before.length) return null;
    files.push({
      path: s.path,
      before,
      after: before.slice(0, s.head) + s.middle + before.slice(before.length - s.tail),
      moves: s.moves,
    });
  }
  return { files, tools: stored.tools, warnings: stored.warnings };
}

/** `gate` with its answers kept between runs. */
function cachedGateSources(gate: GateSources): GateSources {
  return (inputs, options) => {
    const entry = lookup<Stored>("gate", `${inputs.length} files`, (h) => feed(h, inputs, options));
    const texts = new Map(inputs.map((i) => [i.path, i.text]));
    const hit = entry.value && decode(entry.value, texts);
    if (hit) return hit;
    const result = gate(inputs, options);
    const stored = encode(result, texts);
    if (stored) entry.save(stored);
    return result;
  };
}

/** The codemod, answered from the result cache when its inputs and governor's build are unchanged. */
export const gateSources = cachedGateSources(gateUncached);
