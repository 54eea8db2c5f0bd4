// Adds governor's bindings once per file: ESM import or CJS require, after the file's own imports.
// `gate` when a form gated a definition; the registration wrappers (governTools, governMcpServer)
// a form asked for with runtimeId().
import { Node, type SourceFile } from "ts-morph";
import type { FileCtx } from "./context.js";
import { eolOf } from "../runtime/shared.js";
import { RUNTIME_SPECS } from "./modules.js";
import { freshName, requireSpec } from "./nodes.js";

// Per parsed file (shared by every form's view): runtime export -> the local name the edits call.
const wanted = new WeakMap<SourceFile, Map<string, string>>();

/** The local a file's existing import or require binds to governor/runtime's `name`, if any. */
export function runtimeLocal(ctx: FileCtx, name: string): string | null {
  for (const [local, b] of ctx.imports)
    if (RUNTIME_SPECS.has(b.spec) && b.name === name) return local;
  return null;
}

/** The identifier to call governor/runtime's `name` by in this file; the import is added if missing. */
export function runtimeId(ctx: FileCtx, name: string): string {
  const have = runtimeLocal(ctx, name);
  if (have) return have;
  let m = wanted.get(ctx.sf);
  if (!m) wanted.set(ctx.sf, (m = new Map()));
  let id = m.get(name);
  if (!id) m.set(name, (id = freshName(ctx, name)));
  return id;
}

/** Is `n` a call of governor/runtime's `name` (`governTools(x)`)? */
export function isRuntimeCall(ctx: FileCtx, n: Node | undefined, name: string): boolean {
  if (!n || !Node.isCallExpression(n)) return false;
  const c = n.getExpression();
  return Node.isIdentifier(c) && runtimeLocal(ctx, name) === c.getText();
}

/** `at` becomes `name(at)` (the import added if missing); the name node of a `{ tools }` shorthand
 *  becomes `tools: name(tools)`. */
export function wrapInRuntime(ctx: FileCtx, name: string, at: Node, shorthand = false): void {
  const id = runtimeId(ctx, name);
  if (shorthand)
    ctx.edits.push({ start: at.getEnd(), end: at.getEnd(), text: `: ${id}(${at.getText()})` });
  else {
    ctx.edits.push({ start: at.getStart(), end: at.getStart(), text: `${id}(` });
    ctx.edits.push({ start: at.getEnd(), end: at.getEnd(), text: ")" });
  }
}

export function addGateImport(ctx: FileCtx, kind: "esm" | "cjs"): void {
  const names: [string, string][] = [];
  if (ctx.needsGate && ctx.gateLocals.size === 0) names.push(["gate", ctx.gateId]);
  for (const [name, id] of wanted.get(ctx.sf) ?? [])
    if (!runtimeLocal(ctx, name)) names.push([name, id]);
  if (!names.length) return;
  const esm = ctx.usesEsm || (!ctx.usesRequire && kind === "esm");
  const stmt = esm
    ? `import { ${names.map(([n, id]) => (id === n ? n : `${n} as ${id}`)).join(", ")} } from "governor/runtime";`
    : `const { ${names.map(([n, id]) => (id === n ? n : `${n}: ${id}`)).join(", ")} } = require("governor/runtime");`;
  const nl = eolOf(ctx.text);
  const statements = ctx.sf.getStatements();
  let last: Node | undefined;
  for (const st of statements) {
    if (Node.isImportDeclaration(st) || Node.isImportEqualsDeclaration(st)) last = st;
    else if (
      !esm &&
      Node.isVariableStatement(st) &&
      st
        .getDeclarations()
        .some((d) => d.getInitializer() && requireSpec(d.getInitializer()!) !== null)
    )
      last = st;
    else if (Node.isExpressionStatement(st) && Node.isStringLiteral(st.getExpression()) && !last)
      last = st; // "use strict" / "use client"
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
