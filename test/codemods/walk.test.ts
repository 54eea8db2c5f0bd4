// The one-walk index answers exactly what ts-morph's own searches answer: the same nodes, in the
// same order, for every kind the forms ask about, over the whole file and under every node that
// scopes a search (a function, a class, a block), on every codemod fixture's input.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { Project, SyntaxKind, type Node } from "ts-morph";
import { expect, it } from "vitest";
import { descendantsOfKind, descendantsOfKinds, identifierTexts } from "../../src/codemods/walk.js";

const root = path.join(import.meta.dirname, "../fixtures/codemods");
function inputs(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) inputs(p, out);
    else if (/\/input\//.test(p) && /\.[mc]?[jt]sx?$/.test(name)) out.push(p);
  }
  return out;
}

const KINDS = [
  SyntaxKind.CallExpression,
  SyntaxKind.NewExpression,
  SyntaxKind.Identifier, // a token kind: ts-morph's search includes JSDoc
  SyntaxKind.StringLiteral,
  SyntaxKind.ObjectLiteralExpression,
  SyntaxKind.VariableDeclaration,
  SyntaxKind.ReturnStatement,
  SyntaxKind.BinaryExpression,
  SyntaxKind.IfStatement,
  SyntaxKind.SwitchStatement,
  SyntaxKind.ClassDeclaration,
  SyntaxKind.SuperKeyword,
];
const at = (ns: Node[]) => ns.map((n) => `${n.getKindName()}@${n.getPos()}-${n.getEnd()}`);

// JSDoc with identifiers in it, so the token-kind rule is exercised beside the fixtures
const extra = `/** Sends {@link Mailer} mail.
 * @param to who gets it */
export function send(to: string) { return to; }
class A extends B { m() { return super.m(); } }
/** The one {@link Mailer}. */
export const mailer = makeMailer({
  /** where it goes */
  host: pick("smtp"),
});
`;

it("finds what getDescendantsOfKind and getDescendants find, under every scope", () => {
  const files = inputs(root);
  expect(files.length).toBeGreaterThan(40);
  const project = new Project({ useInMemoryFileSystem: true, compilerOptions: { allowJs: true } });
  const texts = [
    ...files.map((f) => [f, readFileSync(f, "utf8")] as const),
    ["/extra.ts", extra] as const,
  ];
  let compared = 0;
  for (const [i, [file, text]] of texts.entries()) {
    const sf = project.createSourceFile(`/f${i}${path.extname(file)}`, text);
    const scopes: Node[] = [
      sf,
      ...sf.getDescendantsOfKind(SyntaxKind.ArrowFunction),
      ...sf.getDescendantsOfKind(SyntaxKind.FunctionDeclaration),
      ...sf.getDescendantsOfKind(SyntaxKind.ClassDeclaration),
      ...sf.getDescendantsOfKind(SyntaxKind.Block),
      // JSDoc sits between a statement's pos and its first child's: the search must still find it
      ...sf.getDescendantsOfKind(SyntaxKind.VariableStatement),
      ...sf.getDescendantsOfKind(SyntaxKind.MethodDeclaration),
      ...sf.getDescendantsOfKind(SyntaxKind.PropertyAssignment),
    ];
    for (const scope of scopes) {
      for (const kind of KINDS) {
        expect(at(descendantsOfKind(scope, kind)), `${file} ${SyntaxKind[kind]}`).toEqual(
          at(scope.getDescendantsOfKind(kind)),
        );
        compared++;
      }
      const pair = [SyntaxKind.CallExpression, SyntaxKind.NewExpression];
      expect(at(descendantsOfKinds(scope, pair))).toEqual(
        at(scope.getDescendants().filter((d) => pair.includes(d.getKind()))),
      );
    }
    // the identifiers a name must not clash with: outside JSDoc, as forEachDescendant sees them
    const seen = new Set<string>();
    sf.forEachDescendant((n) => {
      if (n.getKind() === SyntaxKind.Identifier) seen.add(n.getText());
    });
    expect(identifierTexts(sf.compilerNode)).toEqual(seen);
  }
  expect(compared).toBeGreaterThan(1000);
  // and the JSDoc rule itself, on the extra file: Mailer and `to` of @param are found as ts-morph finds them
  const doc = project.getSourceFileOrThrow(`/f${texts.length - 1}.ts`);
  expect(descendantsOfKind(doc, SyntaxKind.Identifier).map((n) => n.getText())).toContain("Mailer");
  expect(identifierTexts(doc.compilerNode).has("Mailer")).toBe(false);
});
