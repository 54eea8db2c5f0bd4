// parseSource parses without parent pointers and lets the index's walk set them (one walk instead
// of two): every node, JSDoc included, must get exactly the parent the parser would have given it.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { ts } from "ts-morph";
import { expect, it } from "vitest";
import { parseSource, releaseParses, scriptKindOf } from "../../src/detectors/parse.js";

const root = path.join(import.meta.dirname, "../fixtures");
function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (name === "node_modules") continue;
    if (statSync(p).isDirectory()) sources(p, out);
    else if (/\.[mc]?[jt]sx?$/.test(name)) out.push(p);
  }
  return out;
}

/** Every node under `sf` with its parent, the way the parser links them (JSDoc and its children too). */
function links(sf: ts.SourceFile): string[] {
  const out: string[] = [];
  const at = (n: ts.Node | undefined) => (n ? `${n.kind}@${n.pos}-${n.end}` : "none");
  const visit = (n: ts.Node) => {
    out.push(`${at(n)} <- ${at(n.parent)}`);
    for (const d of (n as { jsDoc?: ts.Node[] }).jsDoc ?? []) visit(d);
    ts.forEachChild(n, visit);
  };
  ts.forEachChild(sf, visit);
  return out;
}

const JSDOC = `/**
 * Sends {@link Mailer} mail.
 * @param to who gets it
 * @returns {Promise<void>} when sent
 */
export async function send(to: string): Promise<void> {
  /** inner */
  const x = { /** prop doc */ a: 1 };
  return void x;
}
/** @type {import("./x").Y} */
module.exports = {};
`;

it("sets every parent pointer the parser would set, on every fixture and on JSDoc", () => {
  const files = sources(root);
  expect(files.length).toBeGreaterThan(100);
  const texts: [string, string][] = files.map((f) => [f, readFileSync(f, "utf8")]);
  texts.push(
    ["doc.ts", JSDOC],
    ["doc.js", JSDOC.replace(": string", "").replace(": Promise<void>", "")],
  );
  for (const [f, text] of texts) {
    const ours = parseSource(f, text);
    const parser = ts.createSourceFile(f, text, ts.ScriptTarget.Latest, true, scriptKindOf(f));
    expect(links(ours), f).toEqual(links(parser));
  }
  releaseParses();
});
