import { descendantsOfKind } from "./walk.js";
// A project's own tool factory: a function or method that builds a framework tool under a name it is
// handed (`registerTool(name, description, schema, func)` -> `new DynamicStructuredTool({ name, ... })`).
// The definition is gated under that parameter; each call of the factory the project makes is one
// tool, reported where it is called with the name it passes, so the report and the intent map list
// it. Only calls that surely reach the factory are claimed: a free function through its imports, a
// method through `this`, or a receiver whose declared type (or `new`) is the factory's own class.
import { isSourcePath } from "../runtime/shared.js";
import { Node, SyntaxKind, type CallExpression, type ClassDeclaration } from "ts-morph";
import type { FileCtx } from "./context.js";
import type { Run } from "./forms/types.js";
import { declaresEdgeRuntime } from "../detectors/modules.js";
import { constString, lineOf, unwrapExpr } from "./nodes.js";
import type { ToolFinding } from "./types.js";

// Method names an MCP server registers tools with: in a file that may hold one, leave them to the MCP form.
const MCP_METHODS = new Set(["registerTool", "tool"]);

type FnLike = Node & { getParameters(): import("ts-morph").ParameterDeclaration[] };

/** Where the factory's name comes from: its index-th argument, or that argument's `key` field. */
interface NameParam {
  index: number;
  key?: string;
  label: string;
}

type Target =
  | { kind: "function"; symbol: string; name: string }
  | { kind: "method"; cls: ClassDeclaration; clsSymbol: string; name: string; isStatic: boolean }
  | { kind: "object"; symbol: string; obj: string; name: string };

/**
 * After the definition at `at` was gated under the run-time name `nameExpr` (the last finding in
 * `ctx`): when that name is a parameter of a project factory, the definition's finding is replaced
 * by one per call site found (same status). They stay in this file's findings, so they share its
 * fate: if this file is left unchanged, so are they. A factory some of whose calls could not be
 * resolved keeps its own finding too (those tools are gated under names known at run time only).
 */
export function reportFactoryCalls(
  ctx: FileCtx,
  run: Run | undefined,
  at: Node,
  nameExpr: string,
): void {
  const def = ctx.findings[ctx.findings.length - 1];
  if (!run || !def || def.status === "manual" || declaresEdgeRuntime(ctx.text)) return;
  const fn = at.getFirstAncestor(
    (a) =>
      Node.isFunctionDeclaration(a) ||
      Node.isFunctionExpression(a) ||
      Node.isArrowFunction(a) ||
      Node.isMethodDeclaration(a),
  ) as FnLike | undefined;
  if (!fn) return;
  const param = nameParam(fn, nameExpr);
  if (!param) return;
  const target = targetOf(ctx, fn);
  if (!target) return;
  const calls: ToolFinding[] = [];
  let unresolved = 0;
  const word = new RegExp(`\\b${target.name.replace(/\$/g, "\\$")}\\s*\\(`);
  for (const [path, text] of run.prog.texts) {
    if (!isSourcePath(path) || !word.test(text)) continue;
    const c = run.prog.get(path);
    if (!c) continue;
    for (const call of descendantsOfKind(c.sf, SyntaxKind.CallExpression)) {
      const callee = unwrapExpr(call.getExpression());
      const named = Node.isIdentifier(callee)
        ? callee.getText()
        : Node.isPropertyAccessExpression(callee)
          ? callee.getName()
          : null;
      if (named !== target.name) continue;
      if (!reaches(run, c, call, target)) {
        unresolved++;
        continue;
      }
      calls.push(callFinding(c, call, param, def, `${target.name} (${ctx.path}:${def.line})`));
    }
  }
  if (calls.length === 0) return;
  if (unresolved === 0) ctx.findings.pop();
  ctx.findings.push(...calls);
}

/** `name` (a parameter), `opts.name` or a destructured `{ name }` parameter; never one reassigned. */
function nameParam(fn: FnLike, nameExpr: string): NameParam | null {
  const m = /^([A-Za-z_$][\w$]*)(?:\.([A-Za-z_$][\w$]*))?$/.exec(nameExpr);
  if (!m) return null;
  const [, id, key] = m;
  const params = fn.getParameters();
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    if (p.isRestParameter()) return null;
    const n = p.getNameNode();
    if (Node.isIdentifier(n) && n.getText() === id)
      return reassigned(fn, id, key) ? null : { index: i, key, label: nameExpr };
    if (!key && Node.isObjectBindingPattern(n))
      for (const e of n.getElements()) {
        if (e.getDotDotDotToken() || e.getNameNode().getText() !== id) continue;
        const k = e.getPropertyNameNode()?.getText() ?? id;
        return reassigned(fn, id) || !/^[A-Za-z_$][\w$]*$/.test(k)
          ? null
          : { index: i, key: k, label: id };
      }
  }
  return null;
}

/** Assigned, or declared again inside the factory (a nested binding could be the one the tool reads). */
function reassigned(fn: Node, id: string, key?: string): boolean {
  if (
    key &&
    descendantsOfKind(fn, SyntaxKind.BinaryExpression).some(
      (b) =>
        b.getOperatorToken().getText().endsWith("=") &&
        !/^[=!<>]=/.test(b.getOperatorToken().getText()) &&
        unwrapExpr(b.getLeft()).getText().replace(/\s/g, "") === `${id}.${key}`,
    )
  )
    return true;
  let declared = 0;
  for (const i of descendantsOfKind(fn, SyntaxKind.Identifier)) {
    if (i.getText() !== id) continue;
    const p = i.getParentOrThrow();
    if (
      Node.isBinaryExpression(p) &&
      p.getLeft() === i &&
      /^(?:[-+*/%&|^?]|\*\*|<<|>>>?|&&|\|\|)?=$/.test(p.getOperatorToken().getText())
    )
      return true;
    if (
      (Node.isPrefixUnaryExpression(p) || Node.isPostfixUnaryExpression(p)) &&
      /\+\+|--/.test(p.getText())
    )
      return true;
    if (
      (Node.isVariableDeclaration(p) ||
        Node.isParameterDeclaration(p) ||
        Node.isBindingElement(p) ||
        Node.isFunctionDeclaration(p)) &&
      p.getNameNode() === i
    )
      declared++;
  }
  return declared !== 1;
}

/** The factory as something callers name: a top-level function or const, a class method, an object's method. */
function targetOf(ctx: FileCtx, fn: FnLike): Target | null {
  const top = (n: Node | undefined) => !!n && Node.isSourceFile(n.getParent());
  if (Node.isFunctionDeclaration(fn)) {
    const name = fn.getName();
    return name && top(fn) ? { kind: "function", symbol: `${ctx.path}#${name}`, name } : null;
  }
  if (Node.isMethodDeclaration(fn)) {
    const name = Node.isIdentifier(fn.getNameNode()) ? fn.getName() : null;
    const owner = fn.getParent();
    if (name && Node.isClassDeclaration(owner) && owner.getName() && top(owner))
      return {
        kind: "method",
        cls: owner,
        clsSymbol: `${ctx.path}#${owner.getName()}`,
        name,
        isStatic: fn.isStatic(),
      };
    if (name && Node.isObjectLiteralExpression(owner)) return objectTarget(ctx, owner, name);
    return null;
  }
  const holder = fn.getParent();
  if (
    Node.isVariableDeclaration(holder) &&
    (holder.getInitializer() as Node | undefined) === fn &&
    Node.isIdentifier(holder.getNameNode()) &&
    constAtTop(holder)
  )
    return { kind: "function", symbol: `${ctx.path}#${holder.getName()}`, name: holder.getName() };
  if (
    Node.isPropertyAssignment(holder) &&
    Node.isIdentifier(holder.getNameNode()) &&
    Node.isObjectLiteralExpression(holder.getParent())
  )
    return objectTarget(ctx, holder.getParent() as Node, holder.getName());
  return null;
}

function constAtTop(d: Node): boolean {
  const list = d.getParent();
  return (
    !!list &&
    Node.isVariableDeclarationList(list) &&
    list.getDeclarationKind() === "const" &&
    Node.isSourceFile(list.getParent()?.getParent())
  );
}

// export const registry = { register(name, fn) { ... } }
function objectTarget(ctx: FileCtx, obj: Node, name: string): Target | null {
  const holder = obj.getParent();
  if (
    !holder ||
    !Node.isVariableDeclaration(holder) ||
    !Node.isIdentifier(holder.getNameNode()) ||
    !constAtTop(holder)
  )
    return null;
  return { kind: "object", symbol: `${ctx.path}#${holder.getName()}`, obj: holder.getName(), name };
}

/** Does this call surely run the factory? */
function reaches(run: Run, c: FileCtx, call: CallExpression, t: Target): boolean {
  const callee = unwrapExpr(call.getExpression());
  if (t.kind === "function") {
    if (Node.isIdentifier(callee))
      return (
        run.prog.symbolOf(c, callee.getText()) === t.symbol && boundOnlyAtTop(c, callee.getText())
      );
    if (!Node.isPropertyAccessExpression(callee)) return false;
    const ns = unwrapExpr(callee.getExpression());
    return (
      Node.isIdentifier(ns) &&
      run.prog.memberSymbol(c, ns.getText(), t.name) === t.symbol &&
      boundOnlyAtTop(c, ns.getText())
    );
  }
  if (!Node.isPropertyAccessExpression(callee)) return false;
  // server.registerTool(...) in a file that may hold an MCP server: the MCP form's to take.
  if (MCP_METHODS.has(t.name) && (c.frameworks.has("mcp") || run.projectUsesMcp)) return false;
  const recv = unwrapExpr(callee.getExpression());
  if (t.kind === "object")
    return (
      Node.isIdentifier(recv) &&
      run.prog.symbolOf(c, recv.getText()) === t.symbol &&
      boundOnlyAtTop(c, recv.getText())
    );
  if (t.isStatic)
    return (
      Node.isIdentifier(recv) &&
      run.prog.symbolOf(c, recv.getText()) === t.clsSymbol &&
      boundOnlyAtTop(c, recv.getText())
    );
  if (Node.isThisExpression(recv)) return thisClass(call) === t.cls;
  const isClass = (typeName: string | null) =>
    !!typeName && run.prog.symbolOf(c, typeName) === t.clsSymbol && boundOnlyAtTop(c, typeName);
  // this.registry.registerTool(...): a field of the caller's class declared as (or made with) the class.
  if (
    Node.isPropertyAccessExpression(recv) &&
    Node.isThisExpression(unwrapExpr(recv.getExpression()))
  ) {
    const cls = thisClass(call);
    const types = cls ? fieldTypes(cls, recv.getName()) : [];
    return types.length > 0 && types.every(isClass);
  }
  // registry.registerTool(...): a parameter or const bound once in the file, declared as (or made with) the class.
  if (Node.isIdentifier(recv)) {
    const decls = declarationsOf(c, recv.getText());
    if (decls.length !== 1) return false;
    const d = decls[0];
    if (Node.isParameterDeclaration(d)) return isClass(typeRef(d.getTypeNode()));
    if (Node.isVariableDeclaration(d) && constAtAnyLevel(d))
      return isClass(typeRef(d.getTypeNode()) ?? newOf(d.getInitializer()));
  }
  return false;
}

/** The class `this` means at `n`: the nearest non-arrow function must be a member of that class. */
function thisClass(n: Node): ClassDeclaration | undefined {
  for (let p = n.getParent(); p; p = p.getParent()) {
    if (Node.isArrowFunction(p)) continue;
    if (
      Node.isMethodDeclaration(p) ||
      Node.isConstructorDeclaration(p) ||
      Node.isPropertyDeclaration(p) ||
      Node.isGetAccessorDeclaration(p) ||
      Node.isSetAccessorDeclaration(p)
    ) {
      const cls = p.getParent();
      return Node.isClassDeclaration(cls) && !(Node.isMethodDeclaration(p) && p.isStatic())
        ? cls
        : undefined;
    }
    if (
      Node.isFunctionDeclaration(p) ||
      Node.isFunctionExpression(p) ||
      Node.isClassDeclaration(p) ||
      Node.isClassExpression(p) ||
      Node.isSourceFile(p)
    )
      return undefined;
  }
  return undefined;
}

/** Every class name a field is declared as or assigned with (`null` for anything else). */
function fieldTypes(cls: ClassDeclaration, field: string): (string | null)[] {
  const out: (string | null)[] = [];
  for (const ctor of cls.getConstructors())
    for (const p of ctor.getParameters())
      if (p.isParameterProperty() && p.getName() === field) out.push(typeRef(p.getTypeNode()));
  const prop = cls.getProperty(field);
  if (prop) {
    const t = typeRef(prop.getTypeNode());
    if (prop.getTypeNode()) out.push(t);
    else if (prop.getInitializer()) out.push(newOf(prop.getInitializer()));
  }
  // Assignments matter only where no type is declared (JavaScript): each must make the class.
  if (
    out.length === 0 ||
    !cls
      .getSourceFile()
      .getFilePath()
      .match(/\.[cm]?tsx?$/)
  )
    for (const b of descendantsOfKind(cls, SyntaxKind.BinaryExpression)) {
      const l = unwrapExpr(b.getLeft());
      if (
        b.getOperatorToken().getKind() !== SyntaxKind.EqualsToken ||
        !Node.isPropertyAccessExpression(l) ||
        l.getName() !== field ||
        !Node.isThisExpression(l.getExpression())
      )
        continue;
      out.push(newOf(b.getRight()));
    }
  return out;
}

const typeRef = (t: Node | undefined): string | null =>
  t && Node.isTypeReference(t) && Node.isIdentifier(t.getTypeName()) && !t.getTypeArguments().length
    ? t.getTypeName().getText()
    : null;
const newOf = (e: Node | undefined): string | null => {
  const n = e && unwrapExpr(e);
  return n && Node.isNewExpression(n) && Node.isIdentifier(n.getExpression())
    ? n.getExpression().getText()
    : null;
};

function constAtAnyLevel(d: Node): boolean {
  const list = d.getParent();
  return !!list && Node.isVariableDeclarationList(list) && list.getDeclarationKind() === "const";
}

/** The declarations binding `name` anywhere in the file (imports not counted). */
function declarationsOf(c: FileCtx, name: string): Node[] {
  const out: Node[] = [];
  for (const i of descendantsOfKind(c.sf, SyntaxKind.Identifier)) {
    if (i.getText() !== name) continue;
    const p = i.getParentOrThrow();
    const binds =
      Node.isVariableDeclaration(p) ||
      Node.isParameterDeclaration(p) ||
      Node.isBindingElement(p) ||
      Node.isFunctionDeclaration(p) ||
      Node.isClassDeclaration(p) ||
      Node.isFunctionExpression(p) ||
      Node.isEnumDeclaration(p);
    if (binds && (p as unknown as { getNameNode(): Node }).getNameNode() === i) out.push(p);
  }
  return out;
}

/** `name` means the top-level binding everywhere in the file: nothing nested declares it again. */
function boundOnlyAtTop(c: FileCtx, name: string): boolean {
  return declarationsOf(c, name).every((d) => {
    const st = Node.isVariableDeclaration(d) ? d.getParent()?.getParent() : d;
    return !!st && Node.isSourceFile(st.getParent());
  });
}

function callFinding(
  c: FileCtx,
  call: CallExpression,
  param: NameParam,
  def: ToolFinding,
  where: string,
): ToolFinding {
  const args = call.getArguments();
  const spread = args.slice(0, param.index + 1).some((a) => Node.isSpreadElement(a));
  let arg: Node | undefined = spread ? undefined : args[param.index];
  if (arg && param.key) {
    const obj = unwrapExpr(arg);
    const p = Node.isObjectLiteralExpression(obj) ? obj.getProperty(param.key) : undefined;
    arg =
      p && Node.isPropertyAssignment(p)
        ? p.getInitializer()
        : p && Node.isShorthandPropertyAssignment(p)
          ? p.getNameNode()
          : undefined;
  }
  const name = constString(c, arg);
  const shown = arg?.getText().replace(/\s+/g, " ");
  return {
    file: c.path,
    line: lineOf(call),
    name,
    nameConfidence: name !== null ? "high" : "low",
    framework: def.framework,
    form: "factory-call",
    status: def.status,
    reason:
      name !== null
        ? `gated inside the factory ${where} under its ${param.label} parameter`
        : `gated inside the factory ${where} under its ${param.label} parameter, whose value here${shown ? ` (${shown.length > 40 ? `${shown.slice(0, 37)}...` : shown})` : ""} is known only at run time`,
  };
}
