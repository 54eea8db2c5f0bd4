import { descendantsOfKind } from "../../walk.js";
// The name a Mastra tool has for the model: the key an agent's tools object gives it
// (`new Agent({ tools: { lookupOrder } })`), not its createTool id. Followed across files by Program.
import { Node, SyntaxKind } from "ts-morph";
import type { FileCtx } from "../../context.js";
import { staticKey, valueParent } from "../../nodes.js";
import type { Program } from "../../program.js";

export interface MastraName {
  name: string | null;
  conf: "high" | "medium" | "low";
  manual?: string;
  reason?: string;
}

const several = (keys: Set<string>) =>
  `this tool is given to agents under several names (${[...keys].join(", ")}); wrap its execute in gate("<name>", fn, { onDeny: "return", input: "mastra" }) by hand, or pass each agent's tools through governTools({...})`;

const fromKeys = (keys: Set<string>, fallback: MastraName): MastraName =>
  keys.size === 1
    ? { name: [...keys][0], conf: "high" }
    : keys.size > 1
      ? { name: null, conf: "low", manual: several(keys) }
      : fallback;

export function mastraToolName(
  prog: Program,
  ctx: FileCtx,
  call: Node,
  names: Set<string>,
): MastraName {
  const { node: p, child } = valueParent(call);
  if (Node.isVariableDeclaration(p) && Node.isIdentifier(p.getNameNode())) {
    const v = p.getName();
    const top = p.getVariableStatement()?.getParent() === ctx.sf;
    const keys = top ? prog.keysOf(`${ctx.path}#${v}`, names) : localKeys(p, v);
    return fromKeys(new Set(keys), {
      name: v,
      conf: "low",
      reason:
        "no agent's tools object giving it a key was found; named after its variable (Mastra calls a tool by that key)",
    });
  }
  if (Node.isPropertyAssignment(p) && p.getInitializer() === child) {
    const key = staticKey(p.getNameNode());
    if (key === null)
      return {
        name: null,
        conf: "low",
        manual:
          'the tool\'s key is computed; wrap its execute in gate("<name>", fn, { onDeny: "return", input: "mastra" }) by hand',
      };
    // `export const tools = { lookupOrder: createTool(...) }` re-keyed elsewhere (`{ x: tools.lookupOrder }`).
    const { node: holder } = valueParent(p.getParentOrThrow());
    const top =
      Node.isVariableDeclaration(holder) &&
      Node.isIdentifier(holder.getNameNode()) &&
      holder.getVariableStatement()?.getParent() === ctx.sf;
    const elsewhere = top
      ? prog.keysOf(`${ctx.path}#${holder.getName()}.${key}`, names)
      : new Set<string>();
    return fromKeys(new Set([key, ...elsewhere]), { name: key, conf: "high" });
  }
  if (Node.isExportAssignment(p))
    return fromKeys(prog.keysOf(`${ctx.path}#default`, names), {
      name: null,
      conf: "low",
      manual:
        'default-exported tool and no agent\'s tools object giving it a key was found; wrap its execute in gate("<name>", fn, { onDeny: "return", input: "mastra" }) by hand',
    });
  return {
    name: null,
    conf: "low",
    manual:
      'the key this tool has in an agent\'s tools object is not visible here; wrap its execute in gate("<name>", fn, { onDeny: "return", input: "mastra" }) by hand',
  };
}

/** Keys a local variable is given in object literals of its own block. */
function localKeys(decl: Node, name: string): Set<string> {
  const scope =
    decl.getFirstAncestor((a) => Node.isBlock(a) || Node.isSourceFile(a)) ?? decl.getSourceFile();
  const keys = new Set<string>();
  for (const obj of descendantsOfKind(scope, SyntaxKind.ObjectLiteralExpression)) {
    for (const p of obj.getProperties()) {
      if (Node.isShorthandPropertyAssignment(p) && p.getName() === name) keys.add(name);
      if (!Node.isPropertyAssignment(p)) continue;
      const key = staticKey(p.getNameNode());
      const init = p.getInitializer();
      if (key !== null && init && Node.isIdentifier(init) && init.getText() === name) keys.add(key);
    }
  }
  return keys;
}
