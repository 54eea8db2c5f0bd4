import { descendantsOfKind } from "./walk.js";
// All inputs of one run: lazy parsing and cross-file lookups (which key a tool variable is
// registered under, possibly in another file), without a type checker.
import { isSourcePath } from "../runtime/shared.js";
import { Node, Project, SyntaxKind } from "ts-morph";
import { parseFile, type FileCtx } from "./context.js";
import { staticKey, unwrapExpr } from "./nodes.js";
import { frameworkOfSpec } from "./modules.js";
import { normalize, resolveSpec, type PathAlias } from "../detectors/modules.js";

export class Program {
  readonly project = new Project({
    useInMemoryFileSystem: true,
    skipFileDependencyResolution: true,
    skipLoadingLibFiles: true,
    compilerOptions: { allowJs: true, noLib: true, jsx: 1 /* preserve */ },
  });
  readonly texts = new Map<string, string>();
  private readonly ctxs = new Map<string, FileCtx | null>();
  readonly warnings: string[] = [];
  private keyIndex: Map<string, Set<string>> | null = null;

  constructor(
    inputs: { path: string; text: string }[],
    private readonly aliases: PathAlias[] = [],
  ) {
    for (const i of inputs) this.texts.set(normalize(i.path.replace(/\\/g, "/")), i.text);
  }

  /** A relative or tsconfig-aliased import of one of the inputs. */
  resolve(from: string, spec: string): string | null {
    return resolveSpec(from, spec, this.known, this.aliases);
  }

  private knownPaths: Set<string> | null = null;
  get known(): Set<string> {
    return (this.knownPaths ??= new Set(this.texts.keys()));
  }

  /** Parses on first use; a file that does not parse is skipped with a warning naming it. */
  get(path: string): FileCtx | null {
    if (this.ctxs.has(path)) return this.ctxs.get(path)!;
    const text = this.texts.get(path);
    if (text === undefined) return null;
    const r = parseFile(this.project, path, text);
    if ("error" in r) {
      this.warnings.push(
        `${path}: skipped, it does not parse (${r.error}); fix the syntax and run again`,
      );
      this.ctxs.set(path, null);
      return null;
    }
    this.ctxs.set(path, r);
    return r;
  }

  parsed(): FileCtx[] {
    return [...this.ctxs.values()].filter((c): c is FileCtx => c !== null);
  }

  /**
   * A project module that re-exports a framework helper (`export { tool } from "ai"`,
   * `export * from "@langchain/core/tools"`): imports of it are bound to the framework itself.
   */
  rebindReexports(ctx: FileCtx): void {
    for (const [local, b] of ctx.imports) {
      if (!b.spec.startsWith(".")) continue;
      const target = this.resolve(ctx.path, b.spec);
      const t = target && REEXPORT.test(this.texts.get(target) ?? "") ? this.get(target) : null;
      if (!t) continue;
      let bound: { spec: string; name: string } | null = null;
      const e = b.name === "*" ? undefined : t.exports.get(b.name);
      if (e?.from && frameworkOfSpec(e.from.spec)) bound = e.from;
      else {
        const stars = t.starExports.filter((s) => frameworkOfSpec(s));
        if (stars.length === 1 && (b.name === "*" || !e)) bound = { spec: stars[0], name: b.name };
      }
      if (!bound) continue;
      ctx.imports.set(local, bound);
      ctx.frameworks.add(frameworkOfSpec(bound.spec)!);
    }
  }

  /** Files that re-export a framework helper, and the files importing them (parse candidates too). */
  reexportImporters(): string[] {
    const hubs = [...this.texts].filter(([, t]) => REEXPORT.test(t)).map(([p]) => p);
    if (hubs.length === 0) return [];
    const stems = new Set(hubs.map((p) => p.replace(/^.*\//, "").replace(/\.[^.]+$/, "")));
    const out: string[] = [];
    for (const [p, t] of this.texts) {
      for (const m of t.matchAll(/(?:from\s*|require\(\s*)["'](\.[^"']*)["']/g)) {
        const stem = m[1].replace(/^.*\//, "").replace(/\.[^.]+$/, "");
        if (stems.has(stem) || (stem === "" && stems.has("index"))) {
          out.push(p);
          break;
        }
      }
    }
    return out;
  }

  /** `${file}#${localName}` for an identifier visible at the top of `ctx`'s file, following imports and re-exports. */
  symbolOf(ctx: FileCtx, name: string): string | null {
    if (ctx.topLevel.has(name)) return `${ctx.path}#${name}`;
    const b = ctx.imports.get(name);
    if (!b || b.name === "*") return null;
    const target = this.resolve(ctx.path, b.spec);
    return target ? this.exportSymbol(target, b.name, 0) : null;
  }

  /** Symbol for `ns.member` where ns is a namespace import of a local file. */
  memberSymbol(ctx: FileCtx, ns: string, member: string): string | null {
    const b = ctx.imports.get(ns);
    if (!b || (b.name !== "*" && b.name !== "default")) return null;
    const target = this.resolve(ctx.path, b.spec);
    return target ? this.exportSymbol(target, member, 0) : null;
  }

  exportSymbol(path: string, name: string, depth: number): string | null {
    if (depth > 8) return null;
    const ctx = this.get(path);
    if (!ctx) return null;
    const e = ctx.exports.get(name);
    if (e?.local)
      return ctx.imports.has(e.local) ? this.symbolOf(ctx, e.local) : `${path}#${e.local}`;
    if (e?.from) {
      const t = this.resolve(path, e.from.spec);
      return t ? this.exportSymbol(t, e.from.name, depth + 1) : null;
    }
    for (const spec of ctx.starExports) {
      const t = this.resolve(path, spec);
      const s = t ? this.exportSymbol(t, name, depth + 1) : null;
      if (s) return s;
    }
    return null;
  }

  /** Names a module exports, through `export * from` barrels. */
  exportNames(path: string, depth: number): Set<string> {
    const out = new Set<string>();
    const ctx = depth > 8 ? null : this.get(path);
    if (!ctx) return out;
    for (const k of ctx.exports.keys()) out.add(k);
    for (const spec of ctx.starExports) {
      const t = this.resolve(path, spec);
      if (t) for (const k of this.exportNames(t, depth + 1)) out.add(k);
    }
    return out;
  }

  /**
   * Keys each symbol is registered under in object literals (`{ send_email: sendEmail }`,
   * `{ sendEmail }`, `{ search: makeSearch(db) }` as "call:" + symbol). Built once over the
   * parsed files plus every file whose text mentions one of `names`.
   */
  keysOf(symbol: string, names: Set<string>): Set<string> {
    if (!this.keyIndex) this.keyIndex = this.buildKeyIndex(names);
    return this.keyIndex.get(symbol) ?? new Set();
  }

  private buildKeyIndex(names: Set<string>): Map<string, Set<string>> {
    const idx = new Map<string, Set<string>>();
    // Parse every file that mentions one of the names; a barrel re-exporting one under a new name
    // adds that name, so repeat until nothing new turns up.
    const seen = new Set<string>();
    const scanned = new Set<string>();
    let pending = [...names];
    for (let round = 0; round < 6 && pending.length; round++) {
      const words = pending.filter((w) => /^[A-Za-z_$][\w$]*$/.test(w) && !seen.has(w));
      words.forEach((w) => seen.add(w));
      pending = [];
      if (!words.length) break;
      const re = new RegExp(`\\b(?:${words.map((w) => w.replace(/\$/g, "\\$")).join("|")})\\b`);
      for (const [p, t] of this.texts) {
        if (scanned.has(p) || !isSourcePath(p) || !re.test(t)) continue;
        scanned.add(p);
        const c = this.get(p);
        if (c)
          for (const [k, e] of c.exports)
            if (e.from || (e.local && c.imports.has(e.local))) pending.push(k);
      }
    }
    const add = (sym: string | null, key: string) => {
      if (!sym) return;
      if (!idx.has(sym)) idx.set(sym, new Set());
      idx.get(sym)!.add(key);
    };
    for (const ctx of this.parsed()) {
      for (const obj of descendantsOfKind(ctx.sf, SyntaxKind.ObjectLiteralExpression)) {
        if (isCjsExportObject(obj)) continue;
        for (const p of obj.getProperties()) {
          if (Node.isSpreadAssignment(p)) {
            // { ...tools } over `import * as tools from "./tools"`: every export is a key under its own name.
            const ns = unwrapExpr(p.getExpression());
            const b = Node.isIdentifier(ns) ? ctx.imports.get(ns.getText()) : undefined;
            const target = b?.name === "*" ? this.resolve(ctx.path, b.spec) : null;
            if (target)
              for (const n of this.exportNames(target, 0))
                if (n !== "default") add(this.exportSymbol(target, n, 0), n);
          } else if (Node.isShorthandPropertyAssignment(p))
            add(this.symbolOf(ctx, p.getName()), p.getName());
          else if (Node.isPropertyAssignment(p)) {
            const key = staticKey(p.getNameNode());
            if (key === null) continue;
            let init: Node = p.getInitializerOrThrow();
            while (
              Node.isParenthesizedExpression(init) ||
              Node.isAsExpression(init) ||
              Node.isSatisfiesExpression(init) ||
              Node.isAwaitExpression(init)
            )
              init = init.getExpression();
            if (Node.isIdentifier(init)) add(this.symbolOf(ctx, init.getText()), key);
            else if (
              Node.isPropertyAccessExpression(init) &&
              Node.isIdentifier(init.getExpression())
            ) {
              const obj = init.getExpression().getText();
              add(this.memberSymbol(ctx, obj, init.getName()), key);
              // toolbox.weather where toolbox is an object of tools (here or imported): re-keyed.
              const base = this.symbolOf(ctx, obj);
              if (base) add(`${base}.${init.getName()}`, key);
            } else if (Node.isCallExpression(init)) {
              const c = init.getExpression();
              if (Node.isIdentifier(c)) add(prefixed(this.symbolOf(ctx, c.getText())), key);
              else if (Node.isPropertyAccessExpression(c) && Node.isIdentifier(c.getExpression()))
                add(
                  prefixed(this.memberSymbol(ctx, c.getExpression().getText(), c.getName())),
                  key,
                );
            }
          }
        }
      }
    }
    return idx;
  }
}

const REEXPORT =
  /export\s*(?:\*|\{[^}]*\})\s*from\s*["'](?:ai|@ai-sdk\/[^"']+|langchain[^"']*|@langchain\/[^"']+|@openai\/agents[^"']*|@modelcontextprotocol\/[^"']+|openai[^"']*|@anthropic-ai\/sdk[^"']*)["']/;

const prefixed = (s: string | null) => (s ? `call:${s}` : null);

function isCjsExportObject(obj: Node): boolean {
  const p = obj.getParent();
  return (
    !!p &&
    Node.isBinaryExpression(p) &&
    /^(?:module\.)?exports$/.test(p.getLeft().getText().replace(/\s/g, ""))
  );
}
