// LangChain classes: `class X extends StructuredTool | Tool` (directly or through a base class of the
// project) with `_call`. The body is gated in place so `this` and `super` keep working.
import { Node, SyntaxKind, type ClassDeclaration, type ClassExpression } from "ts-morph";
import type { FileCtx } from "../../context.js";
import { calleeBinding, constString } from "../../nodes.js";
import { frameworkOfSpec, isLangChainSpec } from "../../modules.js";
import type { Program } from "../../program.js";
import { manual, wrapMethodBody, type Site } from "../../wrap.js";
import { LANGCHAIN_GATE_OPTS } from "./tool.js";

type Cls = ClassDeclaration | ClassExpression;
const BASES = new Set(["Tool", "StructuredTool", "DynamicTool", "DynamicStructuredTool"]);

export function gateLangChainClasses(prog: Program, ctx: FileCtx): void {
  const classes = [...ctx.sf.getDescendantsOfKind(SyntaxKind.ClassDeclaration), ...ctx.sf.getDescendantsOfKind(SyntaxKind.ClassExpression)];
  for (const cls of classes) {
    const chain = toolChain(prog, ctx, cls, 0);
    if (!chain) continue;
    const call = cls.getInstanceMethod("_call");
    const site: Site = { framework: chain.framework, form: chain.depth > 1 ? "class-indirect" : "class", name: null, nameConfidence: "low", at: cls };
    if (!call) {
      // invoke/call overridden without _call: the work happens where no gate of ours can sit.
      const own = cls.getInstanceMethod("invoke") ?? cls.getInstanceMethod("call");
      if (own) {
        const n = classToolName(ctx, cls);
        Object.assign(site, { name: n, nameConfidence: n ? "high" : "low" });
        manual(ctx, site, `this tool overrides ${own.getName()}(); wrap its work in gate("${n ?? "<tool name>"}", fn) by hand`);
      }
      continue;
    }
    const name = classToolName(ctx, cls) ?? chain.inheritedName;
    if (name !== null) {
      site.name = name;
      site.nameConfidence = "high";
    } else {
      // The instance knows its own name; reading it at call time is exact, not a guess.
      site.nameExpr = "this.name";
      site.nameConfidence = "medium";
    }
    if (call.isAbstract()) continue;
    if (call.isStatic()) {
      manual(ctx, site, "_call is static; gate the tool by hand");
      continue;
    }
    wrapMethodBody(ctx, site, call, LANGCHAIN_GATE_OPTS);
    if (name === null) ctx.findings[ctx.findings.length - 1].reason = "name read from this.name when the tool runs";
  }
}

interface Chain {
  framework: "langchain" | "langgraph";
  depth: number;
  inheritedName: string | null;
}

/** Walks `extends` up to a LangChain tool base (same file or another project file). */
function toolChain(prog: Program, ctx: FileCtx, cls: Cls, depth: number): Chain | null {
  if (depth > 6) return null;
  const ext = cls.getExtends()?.getExpression();
  if (!ext) return null;
  const b = calleeBinding(ctx, ext);
  if (b && isLangChainSpec(b.spec)) {
    if (!BASES.has(b.name)) return null;
    return { framework: frameworkOfSpec(b.spec) === "langgraph" ? "langgraph" : "langchain", depth: depth + 1, inheritedName: null };
  }
  if (!Node.isIdentifier(ext)) return null;
  const sym = prog.symbolOf(ctx, ext.getText());
  if (!sym) return null;
  const target = prog.get(sym.slice(0, sym.lastIndexOf("#")));
  const base = target?.sf.getClass(sym.slice(sym.lastIndexOf("#") + 1));
  if (!target || !base) return null;
  const up = toolChain(prog, target, base, depth + 1);
  return up ? { ...up, inheritedName: classToolName(target, base) ?? up.inheritedName } : null;
}

/** `name = "x"`, `name: string = "x"`, `get name() { return "x" }` or `this.name = "x"` in the constructor. */
function classToolName(ctx: FileCtx, cls: Cls): string | null {
  const prop = cls.getInstanceProperty("name");
  if (prop && Node.isPropertyDeclaration(prop) && prop.getInitializer()) return constString(ctx, prop.getInitializer());
  if (prop && Node.isGetAccessorDeclaration(prop)) {
    const ret = prop.getBody()?.getFirstDescendantByKind(SyntaxKind.ReturnStatement);
    return constString(ctx, ret?.getExpression());
  }
  for (const ctor of cls.getConstructors()) {
    for (const st of ctor.getStatements()) {
      if (!Node.isExpressionStatement(st)) continue;
      const e = st.getExpression();
      if (Node.isBinaryExpression(e) && e.getLeft().getText().replace(/\s/g, "") === "this.name") return constString(ctx, e.getRight());
    }
  }
  return null;
}
