// One parsed file plus what the transforms need to know about it: import bindings, exports, the
// gate binding, and the edits and findings collected so far.
import { ts, type Project, type SourceFile } from "ts-morph";
import { parseSource } from "../detectors/parse.js";
import type { Edit } from "./edits.js";
import { frameworkOfSpec, isTsPath, RUNTIME_SPECS } from "./modules.js";
import { freshName } from "./nodes.js";
import { requireSpecRaw } from "./raw.js";
import { syntaxProblem } from "./syntax.js";
import type { Framework, ToolFinding } from "./types.js";

export interface Binding {
  spec: string;
  /** Imported name, "default", or "*" for a namespace / whole-module require. */
  name: string;
}

export interface ExportEntry {
  local?: string;
  from?: { spec: string; name: string };
}

export interface FileCtx {
  path: string;
  text: string;
  sf: SourceFile;
  isTs: boolean;
  imports: Map<string, Binding>;
  exports: Map<string, ExportEntry>;
  starExports: string[];
  topLevel: Set<string>;
  /** Local names bound to governor's gate (import or require). */
  gateLocals: Set<string>;
  /** Framework specs this file imports. */
  frameworks: Set<Framework>;
  usesEsm: boolean;
  usesRequire: boolean;
  edits: Edit[];
  /** In a form's view: the edits earlier forms made to this file (read-only). */
  earlierEdits?: readonly Edit[];
  findings: ToolFinding[];
  needsGate: boolean;
  /** The identifier the inserted code calls: an existing gate binding or a fresh, clash-free name. */
  readonly gateId: string;
  /** Positions already reported, so two transforms never claim one site. */
  claimed: Set<number>;
}

/** ts-morph's view of a tree parsed once for the whole run (detectors/parse.ts), not a parse of its own. */
function wrapSourceFile(project: Project, compiler: ts.SourceFile): SourceFile {
  const factory = (
    project as unknown as {
      _context: {
        compilerFactory: {
          getSourceFile(sf: ts.SourceFile, o: { markInProject: boolean }): SourceFile;
        };
      };
    }
  )._context.compilerFactory;
  return factory.getSourceFile(compiler, { markInProject: false });
}

export function parseFile(
  project: Project,
  path: string,
  text: string,
): FileCtx | { error: string } {
  const compiler = parseSource(path, text);
  const broken = syntaxProblem(path, text, compiler);
  if (broken) return { error: `line ${broken.line ?? 0}: ${broken.message}` };
  const sf = wrapSourceFile(project, compiler);
  const ctx = {
    path,
    text,
    sf,
    isTs: isTsPath(path),
    imports: new Map(),
    exports: new Map(),
    starExports: [],
    topLevel: new Set(),
    gateLocals: new Set(),
    frameworks: new Set(),
    usesEsm: false,
    usesRequire: false,
    edits: [],
    findings: [],
    needsGate: false,
    claimed: new Set(),
  } as unknown as FileCtx;
  collectModuleShape(ctx);
  // Worked out on first use: walking every identifier costs more than the rest of a clean file.
  let gateId: string | undefined;
  Object.defineProperty(ctx, "gateId", {
    get: () => (gateId ??= ctx.gateLocals.values().next().value ?? freshName(ctx, "gate")),
  });
  return ctx;
}

function bind(ctx: FileCtx, local: string, spec: string, name: string): void {
  ctx.imports.set(local, { spec, name });
  const fw = frameworkOfSpec(spec);
  if (fw) ctx.frameworks.add(fw);
  if (RUNTIME_SPECS.has(spec) && name === "gate") ctx.gateLocals.add(local);
}

// Read from the compiler's tree (ts-morph wrappers for every statement of every candidate were
// most of this walk's cost); names as their source text spells them, as the wrappers gave them.
function collectModuleShape(ctx: FileCtx): void {
  const sf = ctx.sf.compilerNode;
  const text = (n: ts.Node) => n.getText(sf);
  // an import or export name: a string literal's value, an identifier's text
  const nameOf = (n: ts.ModuleExportName) => (ts.isStringLiteral(n) ? n.text : text(n));
  const has = (st: ts.Statement, kind: ts.SyntaxKind) =>
    (st as { modifiers?: ts.NodeArray<ts.ModifierLike> }).modifiers?.some((m) => m.kind === kind) ??
    false;
  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st)) {
      ctx.usesEsm = true;
      const spec = ts.isStringLiteral(st.moduleSpecifier) ? st.moduleSpecifier.text : "";
      const clause = st.importClause;
      if (clause?.name) bind(ctx, text(clause.name), spec, "default");
      const nb = clause?.namedBindings;
      if (nb && ts.isNamespaceImport(nb)) bind(ctx, text(nb.name), spec, "*");
      if (nb && ts.isNamedImports(nb))
        for (const n of nb.elements)
          bind(ctx, text(n.name), spec, nameOf(n.propertyName ?? n.name));
      const fw = frameworkOfSpec(spec);
      if (fw) ctx.frameworks.add(fw);
      continue;
    }
    if (ts.isExportDeclaration(st)) {
      ctx.usesEsm = true;
      const ms = st.moduleSpecifier;
      const spec = ms && ts.isStringLiteral(ms) ? ms.text : undefined;
      if (spec && frameworkOfSpec(spec)) ctx.frameworks.add(frameworkOfSpec(spec)!);
      if (spec && !st.exportClause) ctx.starExports.push(spec);
      if (st.exportClause && ts.isNamedExports(st.exportClause)) {
        for (const n of st.exportClause.elements) {
          const name = nameOf(n.propertyName ?? n.name);
          const exported = n.propertyName ? text(n.name) : name;
          ctx.exports.set(exported, spec ? { from: { spec, name } } : { local: name });
        }
      }
      continue;
    }
    if (ts.isExportAssignment(st)) {
      ctx.usesEsm = true;
      const e = st.expression;
      ctx.exports.set("default", { local: ts.isIdentifier(e) ? text(e) : "default" });
      continue;
    }
    const exported = has(st, ts.SyntaxKind.ExportKeyword);
    const isDefault = has(st, ts.SyntaxKind.DefaultKeyword);
    if (exported) ctx.usesEsm = true;
    if (ts.isVariableStatement(st)) {
      for (const d of st.declarationList.declarations) {
        const nameNode = d.name;
        const req = d.initializer ? requireSpecRaw(d.initializer) : null;
        if (req !== null) {
          ctx.usesRequire = true;
          if (ts.isIdentifier(nameNode)) bind(ctx, text(nameNode), req, "*");
          else if (ts.isObjectBindingPattern(nameNode))
            for (const el of nameNode.elements)
              bind(ctx, text(el.name), req, text(el.propertyName ?? el.name));
          continue;
        }
        if (ts.isIdentifier(nameNode)) {
          ctx.topLevel.add(text(nameNode));
          if (exported) ctx.exports.set(text(nameNode), { local: text(nameNode) });
        }
      }
    } else if (ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st)) {
      const n = st.name && text(st.name);
      if (n) ctx.topLevel.add(n);
      if (exported)
        ctx.exports.set(isDefault ? "default" : (n ?? "default"), { local: n ?? "default" });
    } else if (ts.isExpressionStatement(st)) {
      collectCjsExport(ctx, st.expression, text);
    }
  }
  if (!ctx.usesRequire && /\brequire\s*\(/.test(ctx.text)) ctx.usesRequire = true;
}

// module.exports = { a, b: c } / module.exports = x / exports.a = b
function collectCjsExport(ctx: FileCtx, e: ts.Expression, text: (n: ts.Node) => string): void {
  if (!ts.isBinaryExpression(e) || e.operatorToken.kind !== ts.SyntaxKind.EqualsToken) return;
  const left = text(e.left).replace(/\s/g, "");
  const right = e.right;
  if (left === "module.exports") {
    ctx.usesRequire = true;
    if (ts.isObjectLiteralExpression(right)) {
      for (const p of right.properties) {
        if (ts.isShorthandPropertyAssignment(p))
          ctx.exports.set(text(p.name), { local: text(p.name) });
        else if (ts.isPropertyAssignment(p) && ts.isIdentifier(p.initializer))
          ctx.exports.set(text(p.name), { local: text(p.initializer) });
        // module.exports = { weather: tool({...}) }: the export is known by its key.
        else if (ts.isPropertyAssignment(p) && ts.isIdentifier(p.name))
          ctx.exports.set(text(p.name), { local: text(p.name) });
      }
    } else if (ts.isIdentifier(right)) ctx.exports.set("default", { local: text(right) });
  } else {
    const m = /^(?:module\.)?exports\.([A-Za-z_$][\w$]*)$/.exec(left);
    if (m) {
      ctx.usesRequire = true;
      ctx.exports.set(m[1], { local: ts.isIdentifier(right) ? text(right) : m[1] });
    }
  }
}
