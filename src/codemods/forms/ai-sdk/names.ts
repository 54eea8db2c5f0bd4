import { descendantsOfKind } from "../../walk.js";
// The name an AI SDK tool has for the model: the key it is registered under in a tools object.
import { Node, SyntaxKind } from "ts-morph";
import type { FileCtx } from "../../context.js";
import { isPure, staticKey, unwrapExpr, valueParent } from "../../nodes.js";
import type { Program } from "../../program.js";

export interface AiName {
  name: string | null;
  conf: "high" | "medium" | "low";
  nameExpr?: string;
  manual?: string;
  reason?: string;
  form?: string;
}

const several = (keys: Set<string>) =>
  `this tool is registered under several names (${[...keys].join(", ")}); wrap each registration's execute in gate("<name>", ...) by hand`;

export function aiToolName(prog: Program, ctx: FileCtx, def: Node, names: Set<string>): AiName {
  const { node: p, child } = valueParent(def);
  if (Node.isPropertyAssignment(p) && p.getInitializer() === child) {
    const key = staticKey(p.getNameNode());
    if (key !== null) return objectKeyName(prog, ctx, p, key, names);
    const nameNode = p.getNameNode();
    if (Node.isComputedPropertyName(nameNode) && isPure(nameNode.getExpression()))
      return {
        name: null,
        conf: "low",
        nameExpr: nameNode.getExpression().getText(),
        reason: `name computed at runtime from ${nameNode.getExpression().getText()}`,
      };
    return {
      name: null,
      conf: "low",
      manual: 'the tool\'s key is computed; wrap its execute in gate("<name>", ...) by hand',
    };
  }
  if (Node.isVariableDeclaration(p) && Node.isIdentifier(p.getNameNode())) {
    const v = p.getName();
    const keys = new Set<string>();
    const top = p.getVariableStatement()?.getParent() === ctx.sf;
    if (top) for (const k of prog.keysOf(`${ctx.path}#${v}`, names)) keys.add(k);
    else for (const k of localKeys(enclosingScope(p), v, false)) keys.add(k);
    if (keys.size === 1) return { name: [...keys][0], conf: "high" };
    if (keys.size > 1) return { name: null, conf: "low", manual: several(keys) };
    return {
      name: v,
      conf: "low",
      reason: "no tools object registering it was found; named after its variable",
    };
  }
  // CommonJS: exports.weather = tool({...}) / module.exports.weather = tool({...})
  const cjs =
    Node.isBinaryExpression(p) &&
    p.getOperatorToken().getKind() === SyntaxKind.EqualsToken &&
    p.getRight() === child
      ? /^(?:module\.)?exports\.([A-Za-z_$][\w$]*)$/.exec(p.getLeft().getText().replace(/\s/g, ""))
      : null;
  if (
    cjs &&
    p.getParent() &&
    Node.isExpressionStatement(p.getParent()!) &&
    p.getParent()!.getParent() === ctx.sf
  ) {
    const keys = prog.keysOf(`${ctx.path}#${cjs[1]}`, names);
    if (keys.size === 1) return { name: [...keys][0], conf: "high" };
    if (keys.size > 1) return { name: null, conf: "low", manual: several(keys) };
    return {
      name: cjs[1],
      conf: "low",
      reason: "no tools object registering it was found; named after its export",
    };
  }
  if (Node.isReturnStatement(p) || (Node.isArrowFunction(p) && p.getBody() === child)) {
    const fn = Node.isReturnStatement(p)
      ? p.getFirstAncestor((a) => Node.isFunctionLikeDeclaration(a))
      : p;
    const fnName = fn ? functionName(fn) : null;
    if (fn && fnName) {
      const keys = new Set<string>();
      const top = isTopLevelFunction(ctx, fn);
      if (top) for (const k of prog.keysOf(`call:${ctx.path}#${fnName}`, names)) keys.add(k);
      else for (const k of localKeys(enclosingScope(fn), fnName, true)) keys.add(k);
      if (keys.size === 1) return { name: [...keys][0], conf: "medium", form: "factory" };
      if (keys.size > 1) return { name: null, conf: "low", manual: several(keys) };
    }
    return {
      name: null,
      conf: "low",
      manual:
        'this factory\'s tool is not registered under a key found in the project; wrap its execute in gate("<name>", ...) by hand',
    };
  }
  if (Node.isExportAssignment(p)) {
    const keys = prog.keysOf(`${ctx.path}#default`, names);
    if (keys.size === 1) return { name: [...keys][0], conf: "high" };
    if (keys.size > 1) return { name: null, conf: "low", manual: several(keys) };
    return {
      name: null,
      conf: "low",
      manual:
        'default-exported tool with no tools object found; wrap its execute in gate("<name>", ...) by hand',
    };
  }
  return {
    name: null,
    conf: "low",
    manual:
      'the name this tool has for the model is not visible here; wrap its execute in gate("<name>", ...) by hand',
  };
}

/**
 * A tool under a key of an object that is itself exported (`module.exports = { weather: tool() }`)
 * or kept in a top-level const (`export const toolbox = { weather: tool() }`) may be registered
 * under another key where that object is used (`{ get_weather: toolbox.weather }`).
 */
function objectKeyName(
  prog: Program,
  ctx: FileCtx,
  prop: Node,
  key: string,
  names: Set<string>,
): AiName {
  const { node: holder } = valueParent(prop.getParentOrThrow());
  let sym: string | null = null;
  let exportsObject = false;
  if (
    Node.isBinaryExpression(holder) &&
    /^module\.exports$/.test(holder.getLeft().getText().replace(/\s/g, "")) &&
    holder.getParent()?.getParent() === ctx.sf
  ) {
    sym = `${ctx.path}#${key}`;
    exportsObject = true;
  } else if (
    Node.isVariableDeclaration(holder) &&
    Node.isIdentifier(holder.getNameNode()) &&
    holder.getVariableStatement()?.getParent() === ctx.sf
  ) {
    sym = `${ctx.path}#${holder.getName()}.${key}`;
  }
  const elsewhere = sym ? prog.keysOf(sym, names) : new Set<string>();
  if (elsewhere.size === 0) {
    if (exportsObject)
      return {
        name: key,
        conf: "low",
        reason: "no tools object registering it was found; named after its export",
      };
    return { name: key, conf: "high" };
  }
  const keys = new Set(exportsObject ? elsewhere : [key, ...elsewhere]);
  if (keys.size === 1) return { name: [...keys][0], conf: "high" };
  return { name: null, conf: "low", manual: several(keys) };
}

function functionName(fn: Node): string | null {
  if (Node.isFunctionDeclaration(fn)) return fn.getName() ?? null;
  const { node } = valueParent(fn);
  if (Node.isVariableDeclaration(node) && Node.isIdentifier(node.getNameNode()))
    return node.getName();
  return null;
}

function isTopLevelFunction(ctx: FileCtx, fn: Node): boolean {
  if (Node.isFunctionDeclaration(fn)) return fn.getParent() === ctx.sf;
  const { node } = valueParent(fn);
  return Node.isVariableDeclaration(node) && node.getVariableStatement()?.getParent() === ctx.sf;
}

function enclosingScope(n: Node): Node {
  return n.getFirstAncestor((a) => Node.isBlock(a) || Node.isSourceFile(a)) ?? n.getSourceFile();
}

/** Keys under which `name` (or a call of it) is placed in object literals inside `scope`. */
function localKeys(scope: Node, name: string, asCall: boolean): Set<string> {
  const keys = new Set<string>();
  for (const obj of descendantsOfKind(scope, SyntaxKind.ObjectLiteralExpression)) {
    for (const p of obj.getProperties()) {
      if (!asCall && Node.isShorthandPropertyAssignment(p) && p.getName() === name) keys.add(name);
      if (!Node.isPropertyAssignment(p)) continue;
      const key = staticKey(p.getNameNode());
      const init = unwrapExpr(p.getInitializerOrThrow());
      const ref = asCall ? (Node.isCallExpression(init) ? init.getExpression() : null) : init;
      if (key !== null && ref && Node.isIdentifier(ref) && ref.getText() === name) keys.add(key);
    }
  }
  return keys;
}
