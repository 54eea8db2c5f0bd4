// One walk per file with the compiler API (ts.forEachChild), indexing every node by kind in
// document order; forms ask the index instead of walking ts-morph wrappers, and wrappers are made
// only for the nodes a query returns. Answers are exactly ts-morph's getDescendantsOfKind: token
// kinds (identifiers, string literals) include JSDoc, as ts-morph's token search does; node kinds
// do not.
import { ts, SyntaxKind, type KindToNodeMappings, type Node } from "ts-morph";
import { indexOf, type Index } from "../detectors/syntax-index.js";

/** The range of `nodes` positions that are descendants of `scope` (not `scope` itself). */
function rangeOf(idx: Index, scope: Node): [number, number] {
  const c = scope.compilerNode;
  if (c.kind === SyntaxKind.SourceFile) return [0, idx.nodes.length - 1];
  // the first node at that pos, then on through the ones sharing it (a node and its first child)
  let lo = 0;
  let hi = idx.pos.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (idx.pos[mid] < c.pos) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < idx.nodes.length && idx.pos[i] === c.pos; i++)
    if (idx.nodes[i] === c) return [i + 1, idx.last[i]];
  // a node the walk never met (a SyntaxList): the caller asks ts-morph instead
  return [-1, -1];
}

/** First position in the sorted `list` that is >= `from`. */
function lowerBound(list: number[], from: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid] < from) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function positions(
  idx: Index,
  [from, to]: [number, number],
  kinds: readonly SyntaxKind[],
): number[] {
  const out: number[] = [];
  for (const k of kinds) {
    const list = idx.byKind.get(k);
    if (!list) continue;
    for (let j = lowerBound(list, from); j < list.length && list[j] <= to; j++) out.push(list[j]);
  }
  if (kinds.length > 1) out.sort((a, b) => a - b);
  return out;
}

/** ts-morph's wrapper for a compiler node of `scope`'s file. */
export const wrap = (scope: Node, c: ts.Node): Node =>
  (scope as unknown as { _getNodeFromCompilerNode(n: ts.Node): Node })._getNodeFromCompilerNode(c);

/** Wrappers for the indexed nodes at `at` that `keep` takes. */
function kept(scope: Node, idx: Index, at: number[], keep?: (n: ts.Node) => boolean): Node[] {
  const out: Node[] = [];
  for (const i of at) if (!keep || keep(idx.nodes[i])) out.push(wrap(scope, idx.nodes[i]));
  return out;
}

/** `scope.getDescendantsOfKind(kind)`, from the file's index; `keep`, when given, looks at the
 *  compiler node first, so the ones it turns down never get a wrapper. */
export function descendantsOfKind<K extends SyntaxKind>(
  scope: Node,
  kind: K,
  keep?: (n: ts.Node) => boolean,
): KindToNodeMappings[K][] {
  const idx = indexOf(scope.getSourceFile().compilerNode);
  const range = rangeOf(idx, scope);
  if (range[0] < 0)
    return scope.getDescendantsOfKind(kind).filter((n) => !keep || keep(n.compilerNode));
  return kept(scope, idx, positions(idx, range, [kind]), keep) as KindToNodeMappings[K][];
}

/** The descendants of `scope` of any of `kinds`, in document order (getDescendants() filtered);
 *  `keep` as for descendantsOfKind. */
export function descendantsOfKinds(
  scope: Node,
  kinds: readonly SyntaxKind[],
  keep?: (n: ts.Node) => boolean,
): Node[] {
  const idx = indexOf(scope.getSourceFile().compilerNode);
  const range = rangeOf(idx, scope);
  if (range[0] < 0)
    return scope
      .getDescendants()
      .filter((d) => kinds.includes(d.getKind()) && (!keep || keep(d.compilerNode)));
  return kept(scope, idx, positions(idx, range, kinds), keep);
}

/** The text of every identifier in the file outside JSDoc (what forEachDescendant visits). */
export function identifierTexts(sf: ts.SourceFile): Set<string> {
  const idx = indexOf(sf);
  const out = new Set<string>();
  for (const i of idx.byKind.get(SyntaxKind.Identifier) ?? [])
    if (!idx.inDoc[i]) out.add(idx.nodes[i].getText(sf));
  return out;
}
