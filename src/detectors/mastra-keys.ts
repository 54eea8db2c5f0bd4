// Mastra tools are called by the key an agent's tools object gives them (`new Agent({ tools: {
// sqlExecutionTool } })` -> "sqlExecutionTool"), not by their createTool id: that key is the name the
// gate asks enforce about. Followed through variables, spreads, imports and re-exports. Read only.
import { ts } from "ts-morph";
import type { FileFacts, RuntimeTool } from "./runtime-tools.js";

/** A Mastra createTool() call, named once every file's agents are known. */
export interface MastraSite {
  tool: RuntimeTool;
  f: FileFacts;
  call: ts.CallExpression;
  id: string | null;
}

export interface Project {
  facts(path: string): FileFacts | undefined;
  resolve(from: string, spec: string): string | null;
}

interface Value {
  f: FileFacts;
  e: ts.Expression;
}

const MAX_HOPS = 8;

/** What an expression is, followed through variables, relative (and tsconfig-path) imports and
 *  re-exports: `weatherTool` -> the `createTool(...)` call in tools.ts. */
function valueOf(p: Project, f: FileFacts, e: ts.Expression, hops = 0): Value | null {
  while (
    ts.isParenthesizedExpression(e) ||
    ts.isAsExpression(e) ||
    ts.isSatisfiesExpression(e) ||
    ts.isNonNullExpression(e)
  )
    e = e.expression;
  if (hops > MAX_HOPS) return null;
  if (ts.isIdentifier(e)) return valueOfName(p, f, e.text, hops + 1);
  if (ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression)) {
    const ns = f.imports.get(e.expression.text);
    const target = ns?.name === "*" ? p.resolve(f.path, ns.spec) : null;
    const tf = target ? p.facts(target) : undefined;
    if (tf) return exported(p, tf, e.name.text, hops + 1);
  }
  return { f, e };
}

function valueOfName(p: Project, f: FileFacts, name: string, hops: number): Value | null {
  const init = f.inits.get(name);
  if (init) return valueOf(p, f, init, hops);
  const b = f.imports.get(name);
  const target = b && b.name !== "*" ? p.resolve(f.path, b.spec) : null;
  const tf = target ? p.facts(target) : undefined;
  return tf ? exported(p, tf, b!.name, hops + 1) : null;
}

function exported(p: Project, f: FileFacts, name: string, hops: number): Value | null {
  if (hops > MAX_HOPS) return null;
  const local = f.exportsAs.get(name) ?? (name === "default" ? null : name);
  const here = local ? valueOfName(p, f, local, hops) : null;
  if (here) return here;
  const from = f.reexports.named.get(name);
  const specs = from ? [from.spec] : f.reexports.stars;
  for (const spec of specs) {
    const target = p.resolve(f.path, spec);
    const tf = target ? p.facts(target) : undefined;
    const r = tf ? exported(p, tf, from ? from.name : name, hops + 1) : null;
    if (r) return r;
  }
  return null;
}

/** Every key each Mastra agent's tools object gives a value, by that value's node. */
export function agentToolKeys(p: Project, files: Iterable<FileFacts>): Map<ts.Node, string[]> {
  const keys = new Map<ts.Node, string[]>();
  const walk = (obj: Value | null, depth: number) => {
    if (!obj || depth > MAX_HOPS || !ts.isObjectLiteralExpression(obj.e)) return;
    for (const prop of obj.e.properties) {
      if (ts.isSpreadAssignment(prop)) walk(valueOf(p, obj.f, prop.expression), depth + 1);
      const value = ts.isPropertyAssignment(prop)
        ? prop.initializer
        : ts.isShorthandPropertyAssignment(prop)
          ? prop.name
          : null;
      const name = value && (prop as ts.PropertyAssignment | ts.ShorthandPropertyAssignment).name;
      const key = name && (ts.isIdentifier(name) || ts.isStringLiteral(name)) ? name.text : null;
      if (!value || !key) continue;
      const v = valueOf(p, obj.f, value);
      if (v) keys.set(v.e, [...(keys.get(v.e) ?? []), key]);
    }
  };
  for (const f of files) for (const t of f.agentTools) walk(valueOf(p, f, t), 0);
  return keys;
}

export function nameMastraTools(sites: MastraSite[], keys: Map<ts.Node, string[]>): void {
  for (const s of sites) {
    const given = [...new Set(keys.get(s.call) ?? [])];
    const called = `Mastra createTool(${s.id === null ? "" : `{ id: ${JSON.stringify(s.id)} }`})`;
    s.tool.name = given[0] ?? null;
    s.tool.what = given.length
      ? `${called}${given.length > 1 ? `, also given to an agent as ${given.slice(1).join(", ")}` : ""}`
      : `${called}, asked about under the key an agent's tools object gives it (no agent in the source shows it)`;
  }
}
