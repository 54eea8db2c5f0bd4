import { descendantsOfKind } from "../../walk.js";
// Project classes that extend a given class, in any input file (`class RefundTool extends
// PaymentTool`, through aliases, default imports and barrels): who inherits a tool's _call.
import { isSourcePath } from "../../../runtime/shared.js";
import { Node, SyntaxKind, type ClassDeclaration, type ClassExpression } from "ts-morph";
import type { FileCtx } from "../../context.js";
import type { Program } from "../../program.js";

export type Cls = ClassDeclaration | ClassExpression;
export interface ClassRef {
  ctx: FileCtx;
  cls: Cls;
}

const MAX_DEPTH = 6;

/** `path#Name` of a top-level class, the form Program.symbolOf resolves an `extends` to. */
export function classSymbol(ctx: FileCtx, cls: Cls): string | null {
  const name = cls.getName();
  return name && ctx.topLevel.has(name) ? `${ctx.path}#${name}` : null;
}

/** The class an `extends` clause names, in this file or another input file. */
export function baseOf(prog: Program, ctx: FileCtx, cls: Cls): ClassRef | null {
  const ext = cls.getExtends()?.getExpression();
  if (!ext || !Node.isIdentifier(ext)) return null;
  const sym = prog.symbolOf(ctx, ext.getText());
  if (!sym) return null;
  const target = prog.get(sym.slice(0, sym.lastIndexOf("#")));
  const base = target?.sf.getClass(sym.slice(sym.lastIndexOf("#") + 1));
  return target && base ? { ctx: target, cls: base } : null;
}

/**
 * Every class below `root` that runs root's `_call`: direct and indirect subclasses, stopping at
 * one that defines its own `_call` (it is gated where it defines it). Only files that mention the
 * base by name or by module stem are parsed.
 */
export function inheritorsOf(prog: Program, root: ClassRef): ClassRef[] {
  const out: ClassRef[] = [];
  const seen = new Set<Cls>([root.cls]);
  let level: ClassRef[] = [root];
  for (let depth = 0; depth < MAX_DEPTH && level.length; depth++) {
    const next: ClassRef[] = [];
    for (const base of level) {
      for (const sub of directSubclasses(prog, base)) {
        if (seen.has(sub.cls)) continue; // a cycle of `extends`
        seen.add(sub.cls);
        if (sub.cls.getInstanceMethod("_call")) continue;
        out.push(sub);
        next.push(sub);
      }
    }
    level = next;
  }
  return out;
}

function directSubclasses(prog: Program, base: ClassRef): ClassRef[] {
  const name = base.cls.getName();
  if (!name) return [];
  const stem = base.ctx.path.replace(/^.*\//, "").replace(/\.[^.]+$/, "");
  const words = [name, stem === "index" ? base.ctx.path.split("/").slice(-2, -1)[0] : stem].filter(
    (w): w is string => !!w,
  );
  const out: ClassRef[] = [];
  for (const [path, text] of prog.texts) {
    if (!isSourcePath(path) || !/\bextends\b/.test(text) || !words.some((w) => text.includes(w)))
      continue;
    const ctx = prog.get(path);
    if (!ctx) continue;
    const classes = [
      ...descendantsOfKind(ctx.sf, SyntaxKind.ClassDeclaration),
      ...descendantsOfKind(ctx.sf, SyntaxKind.ClassExpression),
    ];
    for (const cls of classes) {
      if (!cls.getExtends()) continue;
      const b = baseOf(prog, ctx, cls);
      if (b && b.cls === base.cls) out.push({ ctx, cls });
    }
  }
  return out;
}
