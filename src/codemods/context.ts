// One parsed file plus what the transforms need to know about it: import bindings, exports, the
// gate binding, and the edits and findings collected so far.
import { Node, SyntaxKind, ts, type Project, type SourceFile } from "ts-morph";
import { parseSource } from "../detectors/parse.js";
import type { Edit } from "./edits.js";
import { frameworkOfSpec, isTsPath, RUNTIME_SPECS } from "./modules.js";
import { freshName, requireSpec } from "./nodes.js";
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

function collectModuleShape(ctx: FileCtx): void {
  for (const st of ctx.sf.getStatements()) {
    if (Node.isImportDeclaration(st)) {
      ctx.usesEsm = true;
      const spec = st.getModuleSpecifierValue();
      const def = st.getDefaultImport();
      if (def) bind(ctx, def.getText(), spec, "default");
      const ns = st.getNamespaceImport();
      if (ns) bind(ctx, ns.getText(), spec, "*");
      for (const n of st.getNamedImports())
        bind(ctx, n.getAliasNode()?.getText() ?? n.getName(), spec, n.getName());
      const fw = frameworkOfSpec(spec);
      if (fw) ctx.frameworks.add(fw);
      continue;
    }
    if (Node.isExportDeclaration(st)) {
      ctx.usesEsm = true;
      const spec = st.getModuleSpecifierValue();
      if (spec && frameworkOfSpec(spec)) ctx.frameworks.add(frameworkOfSpec(spec)!);
      if (spec && st.isNamespaceExport() && !st.getNamespaceExport()) ctx.starExports.push(spec);
      for (const n of st.getNamedExports()) {
        const exported = n.getAliasNode()?.getText() ?? n.getName();
        ctx.exports.set(
          exported,
          spec ? { from: { spec, name: n.getName() } } : { local: n.getName() },
        );
      }
      continue;
    }
    if (Node.isExportAssignment(st)) {
      ctx.usesEsm = true;
      const e = st.getExpression();
      ctx.exports.set("default", { local: Node.isIdentifier(e) ? e.getText() : "default" });
      continue;
    }
    const exported = Node.isModifierable(st) && st.hasModifier(SyntaxKind.ExportKeyword);
    const isDefault = Node.isModifierable(st) && st.hasModifier(SyntaxKind.DefaultKeyword);
    if (exported) ctx.usesEsm = true;
    if (Node.isVariableStatement(st)) {
      for (const d of st.getDeclarations()) {
        const nameNode = d.getNameNode();
        const init = d.getInitializer();
        const req = init ? requireSpec(init) : null;
        if (req !== null) {
          ctx.usesRequire = true;
          if (Node.isIdentifier(nameNode)) bind(ctx, nameNode.getText(), req, "*");
          else if (Node.isObjectBindingPattern(nameNode))
            for (const el of nameNode.getElements())
              bind(
                ctx,
                el.getNameNode().getText(),
                req,
                el.getPropertyNameNode()?.getText() ?? el.getNameNode().getText(),
              );
          continue;
        }
        if (Node.isIdentifier(nameNode)) {
          ctx.topLevel.add(nameNode.getText());
          if (exported) ctx.exports.set(nameNode.getText(), { local: nameNode.getText() });
        }
      }
    } else if (Node.isFunctionDeclaration(st) || Node.isClassDeclaration(st)) {
      const n = st.getName();
      if (n) ctx.topLevel.add(n);
      if (exported)
        ctx.exports.set(isDefault ? "default" : (n ?? "default"), { local: n ?? "default" });
    } else if (Node.isExpressionStatement(st)) {
      collectCjsExport(ctx, st.getExpression());
    }
  }
  if (!ctx.usesRequire && /\brequire\s*\(/.test(ctx.text)) ctx.usesRequire = true;
}

// module.exports = { a, b: c } / module.exports = x / exports.a = b
function collectCjsExport(ctx: FileCtx, e: Node): void {
  if (!Node.isBinaryExpression(e) || e.getOperatorToken().getKind() !== SyntaxKind.EqualsToken)
    return;
  const left = e.getLeft().getText().replace(/\s/g, "");
  const right = e.getRight();
  if (left === "module.exports") {
    ctx.usesRequire = true;
    if (Node.isObjectLiteralExpression(right)) {
      for (const p of right.getProperties()) {
        if (Node.isShorthandPropertyAssignment(p))
          ctx.exports.set(p.getName(), { local: p.getName() });
        else if (Node.isPropertyAssignment(p) && Node.isIdentifier(p.getInitializer()))
          ctx.exports.set(p.getName(), { local: p.getInitializer()!.getText() });
        // module.exports = { weather: tool({...}) }: the export is known by its key.
        else if (Node.isPropertyAssignment(p) && Node.isIdentifier(p.getNameNode()))
          ctx.exports.set(p.getName(), { local: p.getName() });
      }
    } else if (Node.isIdentifier(right)) ctx.exports.set("default", { local: right.getText() });
  } else {
    const m = /^(?:module\.)?exports\.([A-Za-z_$][\w$]*)$/.exec(left);
    if (m) {
      ctx.usesRequire = true;
      ctx.exports.set(m[1], { local: Node.isIdentifier(right) ? right.getText() : m[1] });
    }
  }
}
