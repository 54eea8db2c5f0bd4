// Adds the gate binding once per file: ESM import or CJS require, after the file's own imports.
import { Node } from "ts-morph";
import type { FileCtx } from "./context.js";
import { requireSpec } from "./nodes.js";

export function addGateImport(ctx: FileCtx, kind: "esm" | "cjs"): void {
  if (!ctx.needsGate || ctx.gateLocals.size > 0) return;
  const esm = ctx.usesEsm || (!ctx.usesRequire && kind === "esm");
  const id = ctx.gateId;
  const stmt = esm
    ? `import { ${id === "gate" ? "gate" : `gate as ${id}`} } from "governor/runtime";`
    : `const { ${id === "gate" ? "gate" : `gate: ${id}`} } = require("governor/runtime");`;
  const nl = ctx.text.includes("\r\n") ? "\r\n" : "\n";
  const statements = ctx.sf.getStatements();
  let last: Node | undefined;
  for (const st of statements) {
    if (Node.isImportDeclaration(st) || (Node.isImportEqualsDeclaration(st))) last = st;
    else if (!esm && Node.isVariableStatement(st) && st.getDeclarations().some((d) => d.getInitializer() && requireSpec(d.getInitializer()!) !== null)) last = st;
    else if (Node.isExpressionStatement(st) && Node.isStringLiteral(st.getExpression()) && !last) last = st; // "use strict" / "use client"
    else if (last || !isDirective(st)) break;
  }
  if (last) {
    ctx.edits.push({ start: last.getEnd(), end: last.getEnd(), text: `${nl}${stmt}` });
    return;
  }
  const first = statements[0];
  const pos = first ? first.getStart() : ctx.text.length;
  ctx.edits.push({ start: pos, end: pos, text: first ? `${stmt}${nl}` : `${nl}${stmt}${nl}` });
}

function isDirective(st: Node): boolean {
  return Node.isExpressionStatement(st) && Node.isStringLiteral(st.getExpression());
}
