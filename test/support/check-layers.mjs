// The layer rule, checked on every relative import under src/ (npm run lint): the runtime ships
// into users' apps and imports nothing of the CLI; detectors read a project and import neither init
// nor the codemods; src/frameworks.ts is a leaf. Prints each wrong import; exits 1 if any.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

/** Where a file sits: its first path segment under src/, with the entries named as theirs. */
function layerOf(rel) {
  if (rel === "frameworks.ts") return "frameworks";
  if (rel === "cli.ts") return "commands";
  if (rel === "register.ts" || rel === "register-esm.ts") return "register";
  return rel.split("/")[0];
}

// Which layers each layer may import (itself always). Anything not listed is refused.
// src/frameworks.ts, the registry every layer reads, is a leaf.
const ALLOWED = {
  frameworks: [],
  runtime: ["frameworks"],
  register: ["runtime", "frameworks"],
  detectors: ["frameworks", "runtime", "cli-support"],
  codemods: ["frameworks", "detectors", "runtime"],
  init: ["frameworks", "detectors", "codemods", "runtime", "cli-support"],
  doctor: ["frameworks", "detectors", "codemods", "init", "runtime", "cli-support", "server"],
  server: ["runtime", "cli-support"],
  // governor mcp: the enforce server needs only the runtime and serve's policy reader; the --dev
  // server drives detect/plan/apply/doctor, loaded inside its handlers.
  mcp: [
    "frameworks",
    "detectors",
    "codemods",
    "init",
    "doctor",
    "server",
    "runtime",
    "cli-support",
  ],
  "cli-support": ["runtime"],
  commands: [
    "frameworks",
    "detectors",
    "codemods",
    "init",
    "doctor",
    "server",
    "mcp",
    "runtime",
    "cli-support",
  ],
};

// Wrong imports excused while they are being removed (none now): "<file> -> <target>", as under src/.
const KNOWN = new Set([]);

function files(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (/\.(ts|mts|cts)$/.test(name) && !name.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

/** The relative module specifiers of `text`: imports, exports, import() and require(). */
function specifiers(file, text) {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  const out = [];
  const visit = (node) => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      out.push({
        spec: node.moduleSpecifier.text,
        line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1,
      });
    } else if (
      ts.isCallExpression(node) &&
      node.arguments.length === 1 &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      const callee = node.expression;
      if (
        callee.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(callee) && callee.text === "require")
      ) {
        out.push({
          spec: node.arguments[0].text,
          line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1,
        });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out.filter((s) => s.spec.startsWith("."));
}

/** Every import across layers that the rule refuses, as "file:line imports target (why)"; `known`:
 *  the exceptions still allowed (default: the list above). */
export function checkLayers(srcDir, known = KNOWN) {
  const problems = [];
  let excused = 0;
  for (const file of files(srcDir)) {
    const rel = path.relative(srcDir, file).split(path.sep).join("/");
    const from = layerOf(rel);
    for (const { spec, line } of specifiers(file, readFileSync(file, "utf8"))) {
      const target = path
        .relative(srcDir, path.resolve(path.dirname(file), spec))
        .split(path.sep)
        .join("/");
      if (target.startsWith("..")) {
        problems.push(`src/${rel}:${line} imports ${spec}, outside src/`);
        continue;
      }
      const targetTs = target.replace(/\.js$/, ".ts");
      const to = layerOf(targetTs);
      if (to === from) continue;
      if (known.has(`${rel} -> ${targetTs}`)) {
        excused++;
        continue;
      }
      const allowed = ALLOWED[from];
      if (!allowed)
        problems.push(
          `src/${rel}:${line}: the layer "${from}" is not in the layer rule (test/support/check-layers.mjs)`,
        );
      else if (!allowed.includes(to))
        problems.push(
          `src/${rel}:${line} imports ${spec}: "${from}" may not import "${to}"${allowed.length ? ` (only ${allowed.join(", ")})` : " (it imports nothing of the other layers)"}`,
        );
    }
  }
  return { problems, excused };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const src = path.resolve(
    process.argv[2] ?? path.join(path.dirname(new URL(import.meta.url).pathname), "../../src"),
  );
  const { problems, excused } = checkLayers(src);
  for (const p of problems) console.error(p);
  if (problems.length) {
    console.error(`layer check: ${problems.length} import(s) across layers that the rule refuses.`);
    process.exit(1);
  }
  console.log(
    `layer check: every import under src/ follows the layer rule (${excused} known exception(s) left, listed in test/support/check-layers.mjs).`,
  );
}
