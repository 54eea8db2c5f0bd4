import { descendantsOfKind } from "../../walk.js";
// LangChain classes: `class X extends StructuredTool | Tool` (directly or through base classes of the
// project, in any file) with `_call`. The body is gated in place so `this` and `super` keep working.
// A subclass that only sets its name runs its base's `_call`: that one gate asks under `this.name`
// (the name the model calls), and the subclass is reported as gated there.
import { Node, SyntaxKind } from "ts-morph";
import type { FileCtx } from "../../context.js";
import { calleeBinding, constString } from "../../nodes.js";
import { frameworkOfSpec } from "../../modules.js";
import { isLangChainSpec } from "../../../detectors/modules.js";
import type { Program } from "../../program.js";
import { manual, report, wrapMethodBody, type Site } from "../../wrap.js";
import { baseOf, inheritorsOf, type Cls } from "./subclasses.js";
import { LANGCHAIN_GATE_OPTS } from "./tool.js";

const BASES = new Set(["Tool", "StructuredTool", "DynamicTool", "DynamicStructuredTool"]);

export function gateLangChainClasses(prog: Program, ctx: FileCtx): void {
  const classes = [
    ...descendantsOfKind(ctx.sf, SyntaxKind.ClassDeclaration),
    ...descendantsOfKind(ctx.sf, SyntaxKind.ClassExpression),
  ];
  for (const cls of classes) {
    const chain = toolChain(prog, ctx, cls, 0, new Set());
    if (!chain) continue;
    const call = cls.getInstanceMethod("_call");
    const site: Site = {
      framework: chain.framework,
      form: chain.depth > 1 ? "class-indirect" : "class",
      name: null,
      nameConfidence: "low",
      at: cls,
    };
    if (!call) {
      // invoke/call overridden without _call: the work happens where no gate of ours can sit.
      // (A subclass that inherits _call is reported by the class that defines it.)
      const own = cls.getInstanceMethod("invoke") ?? cls.getInstanceMethod("call");
      if (own) {
        const n = classToolName(ctx, cls);
        Object.assign(site, { name: n, nameConfidence: n ? "high" : "low" });
        manual(
          ctx,
          site,
          `this tool overrides ${own.getName()}(); wrap its work in gate("${n ?? "<tool name>"}", fn) by hand`,
        );
      }
      continue;
    }
    const name = classToolName(ctx, cls) ?? chain.inheritedName;
    const heirs = inheritorsOf(prog, { ctx, cls }).map((h) => {
      const below = nameBelow(prog, h.ctx, h.cls, cls);
      return { ...h, name: below === undefined ? name : below, own: below !== undefined };
    });
    const others = heirs.filter((h) => h.own && h.name !== name);
    if (name !== null) {
      site.name = name;
      site.nameConfidence = "high";
    }
    if (name === null || others.length) {
      // The instance knows its own name; reading it at call time is exact, not a guess.
      site.nameExpr = "this.name";
      if (name === null) site.nameConfidence = "medium";
    }
    if (call.isAbstract()) continue;
    if (call.isStatic()) {
      manual(ctx, site, "_call is static; gate the tool by hand");
      continue;
    }
    wrapMethodBody(ctx, site, call, LANGCHAIN_GATE_OPTS);
    const done = ctx.findings[ctx.findings.length - 1];
    if (site.nameExpr)
      done.reason = others.length
        ? `name read from this.name when the tool runs (${others.map((h) => h.cls.getName() ?? "a subclass").join(", ")} inherit${others.length === 1 ? "s" : ""} this _call)`
        : "name read from this.name when the tool runs";
    for (const h of heirs)
      reportHeir(ctx, h, done.status, chain.framework, cls, site.nameExpr !== undefined);
  }
}

/** A subclass that runs `base`'s gated _call: reported where it is declared, once. */
function reportHeir(
  ctx: FileCtx,
  h: { ctx: FileCtx; cls: Cls; name: string | null },
  status: string,
  framework: Chain["framework"],
  base: Cls,
  byThisName: boolean,
): void {
  const owner = h.ctx.path === ctx.path ? ctx : h.ctx;
  if (owner.claimed.has(h.cls.getStart())) return;
  const where = `${base.getName() ?? "its base class"}${h.ctx.path === ctx.path ? "" : ` (${ctx.path})`}`;
  const site: Site = {
    framework,
    form: "class-inherited",
    name: h.name,
    nameConfidence: h.name ? "high" : "medium",
    at: h.cls,
  };
  if (status === "manual")
    return manual(
      owner,
      site,
      `it runs the _call of ${where}, which is not gated; gate that one by hand`,
    );
  // Same name as the base: the base's literal gate name is its name too.
  const reason = `its _call is inherited from ${where}, gated there${byThisName ? " under this.name" : ""}`;
  report(owner, site, status === "already-gated" ? "already-gated" : "gated", reason);
}

/** The name a subclass sets: its own, else the nearest between it and `top` (exclusive); null when
 *  one is set but not readable here, undefined when none is (it keeps top's). */
function nameBelow(prog: Program, ctx: FileCtx, cls: Cls, top: Cls): string | null | undefined {
  let cur: { ctx: FileCtx; cls: Cls } | null = { ctx, cls };
  for (let i = 0; cur && cur.cls !== top && i < 8; i++) {
    const n = classToolName(cur.ctx, cur.cls);
    if (n !== null || setsName(cur.cls)) return n;
    cur = baseOf(prog, cur.ctx, cur.cls);
  }
  return undefined;
}

function setsName(cls: Cls): boolean {
  if (cls.getInstanceProperty("name")) return true;
  return cls
    .getConstructors()
    .some((c) => /\bthis\s*\.\s*name\s*=(?!=)/.test(c.getBodyText() ?? ""));
}

interface Chain {
  framework: "langchain" | "langgraph";
  depth: number;
  inheritedName: string | null;
}

/** Walks `extends` up to a LangChain tool base (same file or another project file). */
function toolChain(
  prog: Program,
  ctx: FileCtx,
  cls: Cls,
  depth: number,
  seen: Set<Cls>,
): Chain | null {
  if (depth > 6 || seen.has(cls)) return null;
  seen.add(cls);
  const ext = cls.getExtends()?.getExpression();
  if (!ext) return null;
  const b = calleeBinding(ctx, ext);
  if (b && isLangChainSpec(b.spec)) {
    if (!BASES.has(b.name)) return null;
    return {
      framework: frameworkOfSpec(b.spec) === "langgraph" ? "langgraph" : "langchain",
      depth: depth + 1,
      inheritedName: null,
    };
  }
  const base = baseOf(prog, ctx, cls);
  if (!base) return null;
  const up = toolChain(prog, base.ctx, base.cls, depth + 1, seen);
  return up
    ? { ...up, inheritedName: classToolName(base.ctx, base.cls) ?? up.inheritedName }
    : null;
}

/** `name = "x"`, `name: string = "x"`, `get name() { return "x" }` or `this.name = "x"` in the constructor. */
function classToolName(ctx: FileCtx, cls: Cls): string | null {
  const prop = cls.getInstanceProperty("name");
  if (prop && Node.isPropertyDeclaration(prop) && prop.getInitializer())
    return constString(ctx, prop.getInitializer());
  if (prop && Node.isGetAccessorDeclaration(prop)) {
    const ret = prop.getBody()?.getFirstDescendantByKind(SyntaxKind.ReturnStatement);
    return constString(ctx, ret?.getExpression());
  }
  for (const ctor of cls.getConstructors()) {
    for (const st of ctor.getStatements()) {
      if (!Node.isExpressionStatement(st)) continue;
      const e = st.getExpression();
      if (Node.isBinaryExpression(e) && e.getLeft().getText().replace(/\s/g, "") === "this.name")
        return constString(ctx, e.getRight());
    }
  }
  return null;
}
