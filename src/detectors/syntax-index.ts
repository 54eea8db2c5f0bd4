// One walk per file with the compiler API (ts.forEachChild), indexing every node by kind in
// document order: the codemod's forms (through codemods/walk.ts) and the run-time tool scan ask it
// instead of walking the tree again. Token kinds (identifiers, string literals) include JSDoc, as
// ts-morph's token search does; node kinds do not, as ts.forEachChild does not.
import { ts } from "ts-morph";

const { SyntaxKind } = ts;
type SyntaxKind = ts.SyntaxKind;

export interface Index {
  /** Every node, pre-order (a node's JSDoc before its children). */
  nodes: ts.Node[];
  /** Position in `nodes` of each node's last descendant. */
  last: Int32Array;
  /** Set for nodes inside a JSDoc comment. */
  inDoc: Uint8Array;
  /** Each node's search key (its pos; see build): never decreasing in pre-order. */
  pos: Int32Array;
  /** Positions in `nodes`, ascending, per kind. */
  byKind: Map<SyntaxKind, number[]>;
}

const indexes = new WeakMap<ts.SourceFile, Index>();

function build(sf: ts.SourceFile): Index {
  const nodes: ts.Node[] = [];
  const lastOf: number[] = [];
  const doc: number[] = [];
  const keys: number[] = [];
  const byKind = new Map<SyntaxKind, number[]>();
  // `key`: the node's pos, or for a node inside JSDoc its owner's (a JSDoc comment starts after
  // its owner's first child does), so keys never decrease in pre-order. The walk also sets every
  // parent pointer, as a parse with setParentNodes does (JSDoc included): one walk, not two.
  const visit = (n: ts.Node, parent: ts.Node, inDoc: boolean, key: number): void => {
    (n as { parent: ts.Node }).parent = parent;
    const i = nodes.length;
    nodes.push(n);
    lastOf.push(i);
    doc.push(inDoc ? 1 : 0);
    keys.push(key);
    // ts-morph searches token kinds through getChildren(), which holds JSDoc; node kinds it
    // searches through forEachChild, which does not.
    if (!inDoc || n.kind < SyntaxKind.FirstNode) {
      let list = byKind.get(n.kind);
      if (!list) byKind.set(n.kind, (list = []));
      list.push(i);
    }
    const jsDoc = (n as { jsDoc?: ts.Node[] }).jsDoc;
    if (jsDoc && !inDoc) for (const d of jsDoc) visit(d, n, true, key);
    ts.forEachChild(n, (c) => void visit(c, n, inDoc, inDoc ? key : c.pos));
    lastOf[i] = nodes.length - 1;
  };
  ts.forEachChild(sf, (c) => void visit(c, sf, false, c.pos));
  return {
    nodes,
    last: Int32Array.from(lastOf),
    inDoc: Uint8Array.from(doc),
    pos: Int32Array.from(keys),
    byKind,
  };
}

/** The file's index, built on first use (parseSource builds it at once: it sets the parents). */
export function indexOf(sf: ts.SourceFile): Index {
  let idx = indexes.get(sf);
  if (!idx) indexes.set(sf, (idx = build(sf)));
  return idx;
}

/** Compiler nodes of any of `kinds` in the whole file, in document order (a pre-order walk's). */
export function compilerNodesOfKinds(sf: ts.SourceFile, kinds: readonly SyntaxKind[]): ts.Node[] {
  const idx = indexOf(sf);
  const at: number[] = [];
  for (const k of kinds) for (const i of idx.byKind.get(k) ?? []) at.push(i);
  if (kinds.length > 1) at.sort((a, b) => a - b);
  return at.map((i) => idx.nodes[i]);
}
