import { descendantsOfKind, descendantsOfKinds } from "../../walk.js";
// Vercel AI SDK: tool({...}), tool<A, B>({...}), dynamicTool({...}), project helpers wrapping
// tool(), factories, and plain `{ execute }` objects inside a tools object.
import { Node, SyntaxKind, ts, type CallExpression, type ObjectLiteralExpression } from "ts-morph";
import type { FileCtx } from "../../context.js";
import { frameworkOfSpec } from "../../modules.js";
import { calleeBinding, constString, findMember, staticKey, unwrapExpr } from "../../nodes.js";
import type { Program } from "../../program.js";
import { manual, wrapProperty, type Site } from "../../wrap.js";
import { aiToolName } from "./names.js";
import { isRuntimeCall } from "../../imports.js";
import { calleeBindingRaw } from "../../raw.js";

// The AI SDK calls execute(input, { toolCallId, messages, ... }): only the input is the tool's data.
export const AI_SDK_GATE_OPTS = '{ input: "first" }';

const TOOL_USERS = new Set([
  "generateText",
  "streamText",
  "ToolLoopAgent",
  "Experimental_Agent",
  "Agent",
]);

/** Could definitionForm take this call? Asked of the compiler node: most calls get no wrapper. */
function mayDefine(prog: Program, ctx: FileCtx, call: ts.Node): boolean {
  const c = (call as ts.CallExpression).expression;
  const b = calleeBindingRaw(ctx, c);
  if (b && frameworkOfSpec(b.spec) === "ai-sdk")
    return b.name === "tool" || b.name === "dynamicTool";
  if (!ts.isIdentifier(c)) return false;
  const name = c.getText();
  if (ctx.frameworks.has("ai-sdk")) return mayDefineHelper(prog, ctx, name);
  // A file without the AI SDK defines a tool only through a helper whose module has it (or a
  // barrel passing one on): the helper or its builder imports the AI SDK (definitionForm).
  return ctx.imports.has(name) && mayDefineHelper(prog, ctx, name, AI_HELPER_MODULE);
}

// A module an AI SDK tool helper can come from, for a caller without the AI SDK: it imports the AI
// SDK, or passes on an export (exportSymbol follows barrels and re-exported imports).
const AI_HELPER_MODULE =
  /["'](?:ai(?:\/[^"']*)?|@ai-sdk\/[^"']*)["']|export\s*(?:\*|\{|=)|export\s+default\s+[A-Za-z_$][\w$]*\s*(?:;|$|\/[/*])|\bmodule\.exports\b|\bexports\.[\w$]+\s*=/m;

export function gateAiSdk(prog: Program, ctx: FileCtx, names: Set<string>): void {
  for (const call of descendantsOfKind(ctx.sf, SyntaxKind.CallExpression, (c) =>
    mayDefine(prog, ctx, c),
  )) {
    const form = definitionForm(prog, ctx, call);
    if (!form) continue;
    const arg = call.getArguments()[0];
    const obj = arg ? unwrapExpr(arg) : undefined;
    const site: Site = { framework: "ai-sdk", form, name: null, nameConfidence: "low", at: call };
    if (!obj || !Node.isObjectLiteralExpression(obj)) {
      if (
        form !== "helper" &&
        obj &&
        Node.isIdentifier(obj) &&
        isParamOfEnclosing(call, obj.getText())
      )
        continue; // a helper itself
      manual(
        ctx,
        site,
        'tool() gets its options from elsewhere; wrap their execute in gate("<name>", ...) by hand',
      );
      continue;
    }
    const exec = findMember(obj, "execute");
    if (!exec) continue; // no execute: a client-side tool, nothing runs here
    if (form !== "helper" && spreadsParam(call, obj)) continue; // a helper's own tool(): its callers are the tools
    const nm = aiToolName(prog, ctx, call, names);
    // A hand-built tool's own name field names it where no tools object shows its key.
    const field =
      form === "helper" && nm.conf === "low" && !nm.manual
        ? constString(ctx, nameField(obj))
        : null;
    if (field !== null)
      Object.assign(nm, {
        name: field,
        conf: "medium",
        reason: "named by its name field; no tools object registering it was found",
      });
    Object.assign(site, {
      name: nm.name,
      nameConfidence: nm.conf,
      nameExpr: nm.nameExpr,
      form: nm.form ?? form,
      reason: nm.reason,
    });
    if (nm.manual) manual(ctx, site, nm.manual);
    else wrapProperty(ctx, site, exec, false, AI_SDK_GATE_OPTS);
  }
  gatePlainObjects(prog, ctx, names);
}

function definitionForm(prog: Program, ctx: FileCtx, call: CallExpression): string | null {
  const b = calleeBinding(ctx, call.getExpression());
  if (b && frameworkOfSpec(b.spec) === "ai-sdk") {
    if (b.name === "dynamicTool") return "dynamicTool";
    if (b.name === "tool") return call.getTypeArguments().length ? "tool-generic" : "tool";
    return null;
  }
  const c = call.getExpression();
  if (!Node.isIdentifier(c) || (!ctx.frameworks.has("ai-sdk") && !ctx.imports.has(c.getText())))
    return null;
  if (!mayDefineHelper(prog, ctx, c.getText())) return null;
  const sym = prog.symbolOf(ctx, c.getText());
  if (!sym) return null;
  if (isAiHelper(prog, sym)) return "helper";
  return ctx.frameworks.has("ai-sdk") || importsAiSdk(prog, sym)
    ? handBuilds(prog, sym)
      ? "helper"
      : null
    : null;
}

// What a module defining a tool helper must say: it calls tool() (from the AI SDK or a module
// re-exporting it), or builds the tool by hand around an execute, or it is a barrel passing one on.
const HELPERISH = /execute|\btool\b|\bdynamicTool\b|export\s*(?:\*|\{[^}]*\}\s*from)/;

/** Whether the module a callee is imported from could define a helper, from its text: the modules
 *  that cannot are never parsed to find out. */
function mayDefineHelper(prog: Program, ctx: FileCtx, name: string, must = HELPERISH): boolean {
  const b = ctx.topLevel.has(name) ? undefined : ctx.imports.get(name);
  const target = b && prog.resolve(ctx.path, b.spec);
  const text = target ? prog.texts.get(target) : undefined;
  if (text === undefined) return true;
  // a file calls an imported function many times: its module's text is read once per test
  let seen = helperModules.get(prog);
  if (!seen) helperModules.set(prog, (seen = new Map()));
  const key = `${must === HELPERISH ? "h" : "m"}\0${target}`;
  let yes = seen.get(key);
  if (yes === undefined) seen.set(key, (yes = must.test(text)));
  return yes;
}

const helperModules = new WeakMap<Program, Map<string, boolean>>();

function nameField(obj: ObjectLiteralExpression): Node | undefined {
  const p = obj.getProperty("name");
  return p && Node.isPropertyAssignment(p) ? p.getInitializer() : undefined;
}

function importsAiSdk(prog: Program, sym: string): boolean {
  return prog.get(sym.slice(0, sym.lastIndexOf("#")))?.frameworks.has("ai-sdk") ?? false;
}

/**
 * A project function that builds an AI SDK Tool by hand, never calling tool(): it returns an object
 * whose execute is its parameter's (`execute: def.execute`, `...def`, `{ execute }` destructured).
 * Its call sites define tools: `createAiTool({ name, inputSchema, execute })`.
 */
function handBuilds(prog: Program, sym: string): boolean {
  const ctx = prog.get(sym.slice(0, sym.lastIndexOf("#")));
  const local = sym.slice(sym.lastIndexOf("#") + 1);
  const decl =
    ctx?.sf.getFunction(local) ?? ctx?.sf.getVariableDeclaration(local)?.getInitializer();
  const f = decl && unwrapExpr(decl);
  if (
    !f ||
    (!Node.isFunctionDeclaration(f) && !Node.isArrowFunction(f) && !Node.isFunctionExpression(f))
  )
    return false;
  const param = f.getParameters()[0]?.getNameNode();
  if (!param) return false;
  const own = new Set<string>();
  if (Node.isIdentifier(param)) own.add(param.getText());
  const destructured =
    Node.isObjectBindingPattern(param) &&
    param
      .getElements()
      .some((e) => (e.getPropertyNameNode()?.getText() ?? e.getName()) === "execute");
  const returned =
    Node.isArrowFunction(f) && !Node.isBlock(f.getBody())
      ? [f.getBody()]
      : descendantsOfKind(f, SyntaxKind.ReturnStatement)
          .filter((r) => r.getFirstAncestor((a) => Node.isFunctionLikeDeclaration(a)) === f)
          .map((r) => r.getExpressionOrThrow());
  return returned.some((r) => {
    const o = unwrapExpr(r);
    if (!Node.isObjectLiteralExpression(o)) return false;
    return o.getProperties().some((p) => {
      if (Node.isSpreadAssignment(p)) return own.has(unwrapExpr(p.getExpression()).getText());
      if (Node.isShorthandPropertyAssignment(p)) return p.getName() === "execute" && destructured;
      if (!Node.isPropertyAssignment(p) || p.getName() !== "execute") return false;
      const v = unwrapExpr(p.getInitializerOrThrow());
      return (
        (Node.isPropertyAccessExpression(v) &&
          own.has(v.getExpression().getText()) &&
          v.getName() === "execute") ||
        (destructured && v.getText() === "execute")
      );
    });
  });
}

const TOOL_BUILDERS = new Set(["tool", "dynamicTool"]);
const helperCache = new WeakMap<Program, Map<string, boolean>>();

/** A project function that hands its parameter to AI SDK tool(): its call sites define tools. */
function isAiHelper(prog: Program, sym: string): boolean {
  let cache = helperCache.get(prog);
  if (!cache) helperCache.set(prog, (cache = new Map()));
  if (cache.has(sym)) return cache.get(sym)!;
  cache.set(sym, false);
  const [path, local] = [sym.slice(0, sym.lastIndexOf("#")), sym.slice(sym.lastIndexOf("#") + 1)];
  const ctx = prog.get(path);
  let result = false;
  if (ctx) {
    const toolCall = (c: ts.Node) => {
      const b = calleeBindingRaw(ctx, (c as ts.CallExpression).expression);
      return !!b && frameworkOfSpec(b.spec) === "ai-sdk" && TOOL_BUILDERS.has(b.name);
    };
    for (const call of descendantsOfKind(ctx.sf, SyntaxKind.CallExpression, toolCall)) {
      const b = calleeBinding(ctx, call.getExpression());
      if (
        !b ||
        frameworkOfSpec(b.spec) !== "ai-sdk" ||
        (b.name !== "tool" && b.name !== "dynamicTool")
      )
        continue;
      const fn = call.getFirstAncestor((a) => Node.isFunctionLikeDeclaration(a));
      if (!fn || fnName(fn) !== local) continue;
      const arg = call.getArguments()[0] && unwrapExpr(call.getArguments()[0]);
      if (
        (arg && Node.isIdentifier(arg) && isParamOfEnclosing(call, arg.getText())) ||
        (arg && Node.isObjectLiteralExpression(arg) && spreadsParam(call, arg))
      )
        result = true;
    }
  }
  cache.set(sym, result);
  return result;
}

function fnName(fn: Node): string | undefined {
  if (Node.isFunctionDeclaration(fn)) return fn.getName();
  const p = fn.getParent();
  return p && Node.isVariableDeclaration(p) ? p.getName() : undefined;
}

function isParamOfEnclosing(n: Node, name: string): boolean {
  const fn = n.getFirstAncestor((a) => Node.isFunctionLikeDeclaration(a));
  if (!fn || !Node.isFunctionLikeDeclaration(fn)) return false;
  return fn.getParameters().some((p) => p.getName() === name);
}

function spreadsParam(call: Node, obj: ObjectLiteralExpression): boolean {
  return obj.getProperties().some((p) => {
    if (!Node.isSpreadAssignment(p)) return false;
    const e = unwrapExpr(p.getExpression());
    return Node.isIdentifier(e) && isParamOfEnclosing(call, e.getText());
  });
}

/** `{ weather: { description, inputSchema, execute } }` passed as `tools` (or typed as ToolSet). */
const PLAIN_OBJECT_KINDS = [
  SyntaxKind.CallExpression,
  SyntaxKind.NewExpression,
  SyntaxKind.VariableDeclaration,
];

function gatePlainObjects(prog: Program, ctx: FileCtx, names: Set<string>): void {
  if (!ctx.frameworks.has("ai-sdk")) return;
  const roots: [FileCtx, Node][] = [];
  for (const n of descendantsOfKinds(ctx.sf, PLAIN_OBJECT_KINDS)) {
    if (Node.isCallExpression(n) || Node.isNewExpression(n)) {
      const b = calleeBinding(ctx, n.getExpression());
      if (!b || frameworkOfSpec(b.spec) !== "ai-sdk" || !TOOL_USERS.has(b.name)) continue;
      const arg = n.getArguments()[0] && unwrapExpr(n.getArguments()[0]);
      if (!arg || !Node.isObjectLiteralExpression(arg)) continue;
      const tools = arg.getProperty("tools");
      if (tools && Node.isPropertyAssignment(tools))
        roots.push([ctx, tools.getInitializerOrThrow()]);
      else if (tools && Node.isShorthandPropertyAssignment(tools))
        roots.push([ctx, tools.getNameNode()]);
    } else if (Node.isVariableDeclaration(n)) {
      const t = n.getTypeNode()?.getText();
      const init = n.getInitializer();
      const sat =
        init && Node.isSatisfiesExpression(init) ? init.getTypeNode()?.getText() : undefined;
      if (init && (t === "ToolSet" || sat === "ToolSet")) roots.push([ctx, init]);
    }
  }
  for (const [c, r] of roots) scanToolsObject(prog, c, r, 0, names);
}

function scanToolsObject(
  prog: Program,
  ctx: FileCtx,
  expr: Node,
  depth: number,
  names: Set<string> = new Set(),
): void {
  if (depth > 6) return;
  const e = unwrapExpr(expr);
  if (Node.isConditionalExpression(e)) {
    scanToolsObject(prog, ctx, e.getWhenTrue(), depth + 1, names);
    scanToolsObject(prog, ctx, e.getWhenFalse(), depth + 1, names);
    return;
  }
  if (Node.isIdentifier(e)) {
    const found = findObjectVar(prog, ctx, e.getText());
    if (found) scanToolsObject(prog, found[0], found[1], depth + 1, names);
    return;
  }
  // tools: governTools({...}) (registration.ts wrapped it): its tools are still defined here.
  if (isRuntimeCall(ctx, e, "governTools")) {
    const a = (e as CallExpression).getArguments()[0];
    if (a) scanToolsObject(prog, ctx, a, depth + 1, names);
    return;
  }
  if (
    Node.isCallExpression(e) &&
    e.getExpression().getText().replace(/\s/g, "") === "Object.assign"
  ) {
    for (const a of e.getArguments()) scanToolsObject(prog, ctx, a, depth + 1, names);
    return;
  }
  if (Node.isCallExpression(e) && Node.isIdentifier(e.getExpression())) {
    // tools: createTools(deps) -> the object literal(s) the factory returns
    for (const [c, ret] of returnedObjects(prog, ctx, e.getExpression().getText()))
      scanToolsObject(prog, c, ret, depth + 1, names);
    return;
  }
  if (!Node.isObjectLiteralExpression(e)) return;
  for (const p of e.getProperties()) {
    if (Node.isSpreadAssignment(p)) {
      scanToolsObject(prog, ctx, p.getExpression(), depth + 1, names);
      continue;
    }
    if (Node.isShorthandPropertyAssignment(p)) {
      gateReferencedObject(prog, ctx, p.getName(), p.getName(), names);
      continue;
    }
    if (!Node.isPropertyAssignment(p)) continue;
    const v = unwrapExpr(p.getInitializerOrThrow());
    const key = staticKey(p.getNameNode());
    // { weather: weatherTool } where weatherTool is a plain { execute } object defined elsewhere
    if (Node.isIdentifier(v) && key !== null) {
      gateReferencedObject(prog, ctx, v.getText(), key, names);
      continue;
    }
    if (!Node.isObjectLiteralExpression(v) || ctx.claimed.has(v.getStart())) continue;
    const exec = findMember(v, "execute");
    if (!exec) continue;
    const site: Site = {
      framework: "ai-sdk",
      form: "object-literal",
      name: key,
      nameConfidence: key ? "high" : "low",
      at: v,
    };
    if (key === null)
      manual(
        ctx,
        site,
        'the tool\'s key is computed; wrap its execute in gate("<name>", ...) by hand',
      );
    else wrapProperty(ctx, site, exec, false, AI_SDK_GATE_OPTS);
  }
}

/** A tools-object entry naming a plain `{ execute }` object kept in a top-level const, here or imported. */
function gateReferencedObject(
  prog: Program,
  ctx: FileCtx,
  ident: string,
  key: string,
  names: Set<string>,
): void {
  const sym = prog.symbolOf(ctx, ident);
  if (!sym) return;
  const found = findObjectVar(prog, ctx, ident);
  if (!found) return;
  const [owner, init] = found;
  const v = unwrapExpr(init);
  if (!Node.isObjectLiteralExpression(v) || owner.claimed.has(v.getStart())) return;
  const exec = findMember(v, "execute");
  if (!exec) return;
  const site: Site = {
    framework: "ai-sdk",
    form: "object-literal",
    name: key,
    nameConfidence: "high",
    at: v,
  };
  const keys = new Set([key, ...prog.keysOf(sym, names)]);
  if (keys.size > 1) {
    manual(
      owner,
      { ...site, name: null, nameConfidence: "low" },
      `this tool is registered under several names (${[...keys].join(", ")}); wrap each registration's execute in gate("<name>", ...) by hand`,
    );
    return;
  }
  wrapProperty(owner, site, exec, false, AI_SDK_GATE_OPTS);
}

/** The object literal a variable is initialised with, here or in the file it is imported from. */
function findObjectVar(prog: Program, ctx: FileCtx, name: string): [FileCtx, Node] | null {
  let target: FileCtx | null = ctx;
  let local = name;
  if (!ctx.topLevel.has(name) && ctx.imports.has(name)) {
    const sym = prog.symbolOf(ctx, name);
    if (!sym) return null;
    target = prog.get(sym.slice(0, sym.lastIndexOf("#")));
    local = sym.slice(sym.lastIndexOf("#") + 1);
  }
  if (!target) return null;
  for (const d of descendantsOfKind(target.sf, SyntaxKind.VariableDeclaration)) {
    if (d.getName() !== local) continue;
    const init = d.getInitializer();
    if (init && Node.isObjectLiteralExpression(unwrapExpr(init))) return [target, init];
  }
  return null;
}

/** Expressions a project function returns (`function f() { return {...} }` or `const f = () => ({...})`). */
function returnedObjects(prog: Program, ctx: FileCtx, name: string): [FileCtx, Node][] {
  let target: FileCtx | null = ctx;
  let local = name;
  if (!ctx.topLevel.has(name)) {
    const sym = prog.symbolOf(ctx, name);
    if (!sym) return [];
    target = prog.get(sym.slice(0, sym.lastIndexOf("#")));
    local = sym.slice(sym.lastIndexOf("#") + 1);
  }
  if (!target) return [];
  const fn =
    target.sf.getFunction(local) ?? target.sf.getVariableDeclaration(local)?.getInitializer();
  if (!fn) return [];
  const f = unwrapExpr(fn);
  if (Node.isArrowFunction(f) && !Node.isBlock(f.getBody())) return [[target, f.getBody()]];
  if (!Node.isFunctionDeclaration(f) && !Node.isArrowFunction(f) && !Node.isFunctionExpression(f))
    return [];
  return descendantsOfKind(f, SyntaxKind.ReturnStatement)
    .filter(
      (r) =>
        r.getFirstAncestor((a) => Node.isFunctionLikeDeclaration(a)) === f && r.getExpression(),
    )
    .map((r) => [target!, r.getExpression()!] as [FileCtx, Node]);
}
