import { descendantsOfKind } from "../walk.js";
// Registration sites that take a tools array (LangChain/LangGraph ToolNode, createReactAgent,
// createAgent, bindTools, AgentExecutor; OpenAI Agents `new Agent({ tools })`), shared by
// langchain/registration.ts and openai-agents/registration.ts. A site whose tools are not all
// gated in place becomes `governTools(<tools>)` (same type out). A tool no definition gate reaches
// (a prebuilt instance, asTool, MCP adapter tools) is reported gated at its own line only when its
// value reaches nothing but wrapped sites: followed through arrays, spreads, variables, exports and
// the project's imports of them; any other use (a call, `.invoke`, `.map`) leaves it unclaimed.
import { isSourcePath } from "../../runtime/shared.js";
import { Node, SyntaxKind } from "ts-morph";
import type { FileCtx } from "../context.js";
import { declaresEdgeRuntime } from "../../detectors/modules.js";
import { addMarker, dropMarker, lineOf, unwrapExpr, valueParent } from "../nodes.js";
import { isRuntimeCall, wrapInRuntime } from "../imports.js";
import type { Program } from "../program.js";
import type { Framework, ToolFinding } from "../types.js";

export type Verdict = "closed" | "wrapped" | "wrap" | "opaque";

export interface ListSite {
  ctx: FileCtx;
  /** The tools expression (the name node of a `{ tools }` shorthand). */
  value: Node;
  shorthand: boolean;
  framework: Framework;
  /** A parameter may be a ToolNode here (createReactAgent): not wrapped, marked. */
  mayBeToolNode?: boolean;
  verdict?: Verdict;
}

/** Something whose tools no definition gate reaches, reported at `at` when every use is wrapped. */
export interface Source {
  ctx: FileCtx;
  at: Node;
  /** The expressions whose value must reach only wrapped sites (the instance, `await c.getTools()`). */
  values: Node[];
  /** Every use of it is one of `values` (an MCP client's other uses are known harmless). */
  covered: boolean;
  framework: Framework;
  name: string | null;
  what: string;
  /** A codemod finding already at `at` (asTool's manual one) to turn into the gated one. */
  finding?: ToolFinding;
}

const HOPS = 10;

/** `file:line` of every definition the rewrite gated in place (or found gated already). */
export function gatedDefinitions(files: FileCtx[]): Set<string> {
  const out = new Set<string>();
  for (const c of files)
    for (const f of c.findings) if (f.status !== "manual") out.add(`${c.path}:${f.line}`);
  return out;
}

export class ToolLists {
  private readonly byValue = new Map<Node, ListSite>();
  private readonly fresh: ListSite[] = [];

  constructor(
    private readonly prog: Program,
    private readonly sites: ListSite[],
    private readonly gated: Set<string>,
  ) {
    for (const s of sites) this.byValue.set(s.value, s);
  }

  /** Decide every site, record the wrap edits, and mark sites that cannot be rewritten. */
  wrapSites(): void {
    for (const s of this.sites) {
      const edge = declaresEdgeRuntime(s.ctx.text);
      let v = this.verdict(s.ctx, s.value, 0);
      if (v === "opaque" && this.isParam(s) && !s.mayBeToolNode) v = "wrap"; // governTools takes any tools array, undefined too
      s.verdict = edge && v === "wrap" ? "opaque" : v;
      if (s.verdict !== "wrap") continue;
      this.fresh.push(s);
      wrapInRuntime(s.ctx, "governTools", s.value, s.shorthand);
    }
  }

  /** Report each source gated at its line when its value reaches only wrapped sites. */
  claim(sources: Source[]): void {
    for (const src of sources) {
      if (!src.covered || !src.values.length || declaresEdgeRuntime(src.ctx.text)) continue;
      const reached: Node[] = [];
      const ok = src.values.every((v) => this.reaches(src.ctx, v, 0, new Set(), reached));
      if (!ok || !reached.length) continue;
      const where = [
        ...new Set(
          reached.map(
            (n) =>
              `${n.getSourceFile() === src.ctx.sf ? src.ctx.path : this.pathOf(n)}:${lineOf(n)}`,
          ),
        ),
      ];
      const fresh = reached.some((n) => this.fresh.some((s) => s.value === n));
      const status: ToolFinding["status"] = fresh ? "gated" : "already-gated";
      const reason = `${src.what} gated at run time by governTools at ${where.slice(0, 3).join(", ")}${where.length > 3 ? ` and ${where.length - 3} more` : ""}`;
      if (src.finding) {
        dropMarker(src.ctx, src.finding.line);
        Object.assign(src.finding, { status, form: "registration", reason });
        continue;
      }
      src.ctx.findings.push({
        file: src.ctx.path,
        line: lineOf(src.at),
        name: src.name,
        nameConfidence: src.name ? "high" : "low",
        framework: src.framework,
        form: "registration",
        status,
        reason,
      });
    }
  }

  private pathOf(n: Node): string {
    const sf = n.getSourceFile();
    return this.prog.parsed().find((c) => c.sf === sf)?.path ?? "?";
  }

  private isParam(s: ListSite): boolean {
    const e = unwrapExpr(s.value);
    return Node.isIdentifier(e) && paramNamed(e, e.getText());
  }

  verdict(ctx: FileCtx, value: Node, depth: number): Verdict {
    const e = unwrapExpr(value);
    if (isRuntimeCall(ctx, e, "governTools")) return "wrapped";
    if (depth > 4) return "wrap";
    if (Node.isArrayLiteralExpression(e))
      return e.getElements().every((el) => this.elementGated(ctx, el, depth)) ? "closed" : "wrap";
    if (Node.isIdentifier(e)) {
      if (paramNamed(e, e.getText())) return "opaque";
      const d = declOf(this.prog, ctx, e);
      if (!d) return ctx.imports.has(e.getText()) ? "wrap" : "opaque"; // a library's export
      const init = d.init && unwrapExpr(d.init);
      if (!init) return "opaque";
      if (isRuntimeCall(d.ctx, init, "governTools")) return "wrapped";
      if (Node.isNewExpression(init) && /\bToolNode$/.test(init.getExpression().getText()))
        return "closed"; // the ToolNode is a site itself
      if (Node.isArrayLiteralExpression(init))
        return !mutated(d.ctx, d.name) && this.verdict(d.ctx, init, depth + 1) === "closed"
          ? "closed"
          : "wrap";
      return Node.isCallExpression(init) ||
        Node.isAwaitExpression(init) ||
        Node.isNewExpression(init) ||
        Node.isPropertyAccessExpression(init)
        ? "wrap"
        : "opaque";
    }
    if (Node.isConditionalExpression(e)) {
      const [a, b] = [
        this.verdict(ctx, e.getWhenTrue(), depth + 1),
        this.verdict(ctx, e.getWhenFalse(), depth + 1),
      ];
      return a === "closed" && b === "closed"
        ? "closed"
        : a === "opaque" || b === "opaque"
          ? "opaque"
          : "wrap";
    }
    if (Node.isCallExpression(e) || Node.isAwaitExpression(e) || Node.isPropertyAccessExpression(e))
      return "wrap";
    return "opaque";
  }

  /** An element gated where it is defined: a gated tool(...) here, or a variable / import holding one. */
  private elementGated(ctx: FileCtx, el: Node, depth: number): boolean {
    if (Node.isSpreadElement(el))
      return this.verdict(ctx, el.getExpression(), depth + 1) === "closed";
    const v = unwrapExpr(el);
    if (Node.isObjectLiteralExpression(v)) return true; // a schema or provider built-in: nothing here runs it
    if (
      (Node.isCallExpression(v) || Node.isNewExpression(v)) &&
      this.gated.has(`${ctx.path}:${lineOf(v)}`)
    )
      return true;
    if (Node.isNewExpression(v)) return this.classGated(ctx, v.getExpression());
    if (!Node.isIdentifier(v)) return false;
    const d = declOf(this.prog, ctx, v);
    const init = d?.init && unwrapExpr(d.init);
    if (!d || !init) return false;
    if (this.gated.has(`${d.ctx.path}:${lineOf(init)}`)) return true;
    return Node.isNewExpression(init) && this.classGated(d.ctx, init.getExpression());
  }

  /** `new C()` of a project class gated at its definition (its _call, or an inherited one). */
  private classGated(ctx: FileCtx, callee: Node): boolean {
    if (!Node.isIdentifier(callee)) return false;
    const sym = this.prog.symbolOf(ctx, callee.getText());
    if (!sym) return false;
    const target = this.prog.get(sym.slice(0, sym.lastIndexOf("#")));
    const local = sym.slice(sym.lastIndexOf("#") + 1);
    const cls =
      local === "default"
        ? target?.sf.getClasses().find((c) => c.isDefaultExport())
        : target?.sf.getClass(local);
    return !!cls && this.gated.has(`${target!.path}:${lineOf(cls)}`);
  }

  /** Does the value at `n` reach only wrapped sites (or governTools calls)? Those reached go to `out`. */
  private reaches(ctx: FileCtx, n: Node, hops: number, seen: Set<Node>, out: Node[]): boolean {
    if (hops > HOPS || seen.has(n)) return hops <= HOPS;
    seen.add(n);
    const cur = valueParent(n).child;
    const site = this.byValue.get(cur);
    if (site) {
      if (site.verdict !== "wrap" && site.verdict !== "wrapped") return false;
      out.push(site.value);
      return true;
    }
    const p = cur.getParent();
    if (!p) return false;
    if (Node.isArrayLiteralExpression(p) || Node.isSpreadElement(p))
      return this.reaches(ctx, p, hops + 1, seen, out);
    if (
      Node.isCallExpression(p) &&
      isRuntimeCall(ctx, p, "governTools") &&
      p.getArguments()[0] === cur
    ) {
      out.push(p);
      return true;
    }
    if (
      Node.isVariableDeclaration(p) &&
      p.getInitializer() === cur &&
      Node.isIdentifier(p.getNameNode())
    )
      return this.varReaches(ctx, p.getName(), p, hops, seen, out);
    if (Node.isExportAssignment(p)) return this.importsReach(ctx.path, "default", hops, seen, out);
    return false;
  }

  /** Every use of variable `name` (declared by `decl`) reaches only wrapped sites. */
  private varReaches(
    ctx: FileCtx,
    name: string,
    decl: Node,
    hops: number,
    seen: Set<Node>,
    out: Node[],
  ): boolean {
    const scope =
      decl.getFirstAncestor((a) => Node.isFunctionLikeDeclaration(a) || Node.isBlock(a)) ?? ctx.sf;
    const stmt = decl.getFirstAncestorByKind(SyntaxKind.VariableStatement);
    if (
      scope === ctx.sf &&
      stmt?.hasExportKeyword() &&
      !this.importsReach(ctx.path, name, hops, seen, out)
    )
      return false;
    return this.usesReach(ctx, scope, name, decl, hops, seen, out);
  }

  private usesReach(
    ctx: FileCtx,
    scope: Node,
    name: string,
    decl: Node | null,
    hops: number,
    seen: Set<Node>,
    out: Node[],
  ): boolean {
    for (const id of descendantsOfKind(scope, SyntaxKind.Identifier)) {
      if (
        id.getText() !== name ||
        (decl && Node.isVariableDeclaration(decl) && decl.getNameNode() === id)
      )
        continue;
      const p = id.getParent();
      if (!p) continue;
      if (
        Node.isImportSpecifier(p) ||
        Node.isImportClause(p) ||
        Node.isTypeQuery(p) ||
        Node.isTypeReference(p) ||
        Node.isQualifiedName(p)
      )
        continue;
      if (Node.isPropertyAccessExpression(p) && p.getNameNode() === id) continue;
      if (
        (Node.isPropertyAssignment(p) ||
          Node.isPropertyDeclaration(p) ||
          Node.isMethodDeclaration(p)) &&
        p.getNameNode() === id
      )
        continue;
      if (Node.isExportSpecifier(p)) {
        if (!this.importsReach(ctx.path, p.getAliasNode()?.getText() ?? name, hops, seen, out))
          return false;
        continue;
      }
      if (Node.isExportAssignment(p)) {
        if (!this.importsReach(ctx.path, "default", hops, seen, out)) return false;
        continue;
      }
      if (!this.reaches(ctx, id, hops + 1, seen, out)) return false;
    }
    return true;
  }

  /** Every project import of `path`'s export `name` reaches only wrapped sites. */
  private importsReach(
    path: string,
    name: string,
    hops: number,
    seen: Set<Node>,
    out: Node[],
  ): boolean {
    const sym = this.prog.exportSymbol(path, name, 0);
    if (!sym) return false;
    // An export no project file imports may be used outside it (another package): not claimed.
    let found = false;
    for (const ctx of importerCandidates(this.prog, path)) {
      for (const [local, b] of ctx.imports) {
        if (!b.spec.startsWith(".") && !this.prog.resolve(ctx.path, b.spec)) continue;
        if (b.name === "*") {
          const target = this.prog.resolve(ctx.path, b.spec);
          if (
            !target ||
            ![...this.prog.exportNames(target, 0)].some(
              (k) => this.prog.exportSymbol(target, k, 0) === sym,
            )
          )
            continue;
          found = true;
          // ns.member uses are followed; the namespace used whole is a use we cannot follow.
          for (const id of descendantsOfKind(ctx.sf, SyntaxKind.Identifier)) {
            const p = id.getParent();
            if (id.getText() !== local || !p || Node.isNamespaceImport(p)) continue;
            if (!Node.isPropertyAccessExpression(p) || p.getExpression() !== id) return false;
            if (
              this.prog.memberSymbol(ctx, local, p.getName()) === sym &&
              !this.reaches(ctx, p, hops + 1, seen, out)
            )
              return false;
          }
          continue;
        }
        if (this.prog.symbolOf(ctx, local) !== sym) continue;
        found = true;
        if (!this.usesReach(ctx, ctx.sf, local, null, hops + 1, seen, out)) return false;
      }
    }
    return found;
  }
}

const stemOf = (p: string) => {
  const s = p.replace(/^.*\//, "").replace(/\.[^.]+$/, "");
  return s === "index" ? (p.split("/").slice(-2, -1)[0] ?? s) : s;
};
const SPEC = /(?:from\s*|require\(\s*|import\(\s*)["']([^"']+)["']/g;

/** Files that may import `path`, directly or through barrels: an import spec ending in its stem,
 *  or in the stem of a file that re-exports from it. */
function importerCandidates(prog: Program, path: string): FileCtx[] {
  const stems = new Set([stemOf(path)]);
  const hit = new Set<string>();
  for (let round = 0; round < 4; round++) {
    let grew = false;
    for (const [p, t] of prog.texts) {
      if (hit.has(p) || !isSourcePath(p)) continue;
      const specs = [...t.matchAll(SPEC)].map((m) => m[1]);
      if (!specs.some((s) => stems.has(stemOf(s.replace(/\/$/, "/index"))) || stems.has(stemOf(s))))
        continue;
      hit.add(p);
      if (/\bexport\b[^;]*\bfrom\b/.test(t) && !stems.has(stemOf(p))) {
        stems.add(stemOf(p));
        grew = true;
      }
    }
    if (!grew) break;
  }
  return [...hit].map((p) => prog.get(p)).filter((c): c is FileCtx => c !== null);
}

/** `name` is a parameter of a function enclosing `at`. */
export function paramNamed(at: Node, name: string): boolean {
  return at
    .getAncestors()
    .some(
      (a) =>
        Node.isFunctionLikeDeclaration(a) && a.getParameters().some((p) => p.getName() === name),
    );
}

/** Where an identifier is declared: a variable in an enclosing block, or a top-level one here or imported. */
export function declOf(
  prog: Program,
  ctx: FileCtx,
  id: Node,
): { ctx: FileCtx; name: string; init?: Node; decl: Node } | null {
  const name = id.getText();
  for (let s: Node | undefined = id.getParent(); s; s = s.getParent()) {
    // A parameter of that name shadows any outer declaration: its value is the caller's.
    if (Node.isFunctionLikeDeclaration(s) && s.getParameters().some((p) => p.getName() === name))
      return null;
    if (!Node.isBlock(s) && !Node.isSourceFile(s)) continue;
    for (const st of s.getStatements()) {
      if (!Node.isVariableStatement(st)) continue;
      const d = st.getDeclarations().find((x) => x.getName() === name);
      if (d) return { ctx, name, init: d.getInitializer(), decl: d };
    }
  }
  const sym = prog.symbolOf(ctx, name);
  if (!sym || sym.startsWith(`${ctx.path}#`)) return null;
  const target = prog.get(sym.slice(0, sym.lastIndexOf("#")));
  const local = sym.slice(sym.lastIndexOf("#") + 1);
  if (!target) return null;
  if (local === "default") {
    const ea = target.sf.getExportAssignment((e) => !e.isExportEquals());
    return ea ? { ctx: target, name: local, init: ea.getExpression(), decl: ea } : null;
  }
  const d = target.sf.getVariableDeclaration(local);
  return d ? { ctx: target, name: local, init: d.getInitializer(), decl: d } : null;
}

/** `x.push(...)`, `x[i] = ...`, `x.splice(...)` in the file: the array is not what its literal shows. */
function mutated(ctx: FileCtx, name: string): boolean {
  const esc = name.replace(/\$/g, "\\$");
  return new RegExp(
    `\\b${esc}\\s*(?:\\.(?:push|unshift|splice)\\s*\\(|\\[[^\\]]*\\]\\s*=[^=])|\\b${esc}\\s*=[^=>]`,
  ).test(ctx.text.replace(new RegExp(`\\b(?:const|let|var)\\s+${esc}\\b`, "g"), ""));
}

/** The `tools` of an agent's options object (here, or a const of this file holding it) as a site; options
 *  built elsewhere, or tools that may come from a spread, are marked. Returns the site pushed, if any. */
export function optionsSite(
  prog: Program,
  ctx: FileCtx,
  call: Node,
  arg: Node | undefined,
  framework: Framework,
  sites: ListSite[],
  mayBeToolNode?: boolean,
): ListSite | null {
  if (!arg) return null;
  let obj = unwrapExpr(arg);
  if (Node.isIdentifier(obj)) {
    const d = declOf(prog, ctx, obj);
    const init = d && d.ctx === ctx && d.init ? unwrapExpr(d.init) : null;
    if (init && Node.isObjectLiteralExpression(init)) obj = init;
  }
  if (!Node.isObjectLiteralExpression(obj)) {
    markSite(
      ctx,
      call,
      framework,
      `this agent's options (${arg.getText().slice(0, 40)}) are built elsewhere, so its tools are not visible here; pass them through governTools([...]) from governor/runtime where they are listed`,
    );
    return null;
  }
  const p = obj.getProperty("tools");
  if (!p) {
    if (obj.getProperties().some((x) => Node.isSpreadAssignment(x)))
      markSite(
        ctx,
        call,
        framework,
        "this agent's tools may come from the spread options; pass them through governTools([...]) from governor/runtime where they are listed",
      );
    return null;
  }
  const site: ListSite | null = Node.isPropertyAssignment(p)
    ? { ctx, value: p.getInitializerOrThrow(), shorthand: false, framework, mayBeToolNode }
    : Node.isShorthandPropertyAssignment(p)
      ? { ctx, value: p.getNameNode(), shorthand: true, framework, mayBeToolNode }
      : null;
  if (site) sites.push(site);
  return site;
}

/** A site whose tools cannot be seen here: a marker and a manual finding naming the fix. */
export function markSite(ctx: FileCtx, at: Node, framework: Framework, reason: string): void {
  if (declaresEdgeRuntime(ctx.text)) return;
  addMarker(ctx, at, reason);
  ctx.findings.push({
    file: ctx.path,
    line: lineOf(at),
    name: null,
    nameConfidence: "low",
    framework,
    form: "registration",
    status: "manual",
    reason,
  });
}
