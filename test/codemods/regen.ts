// Developer helper (not a test): `npx tsx test/codemods/regen.ts <case>` prints the codemod's output
// for a fixture so a person can review it before saving it as expected/.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { gateSources } from "../../src/codemods/index.js";
import { loadCase, moduleKindFor } from "./fixtures.js";

const [name, write] = process.argv.slice(2);
const c = loadCase(name);
const r = gateSources(c.inputs, { moduleKind: moduleKindFor(c.meta.type), paths: c.meta.paths });
if (write === "--write") rmSync(path.join(c.dir, "expected"), { recursive: true, force: true });
for (const f of r.files) {
  console.log(`==== ${f.path}\n${f.after}`);
  if (write === "--write") {
    const out = path.join(c.dir, "expected", f.path);
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, f.after);
  }
}
const tools = r.tools.map((t) => ({
  file: t.file,
  line: t.line,
  name: t.name,
  nameConfidence: t.nameConfidence,
  framework: t.framework,
  form: t.form,
  status: t.status,
  ...(t.reason ? { reason: t.reason } : {}),
}));
for (const t of tools)
  console.log(
    `${t.file}:${t.line} ${t.framework}/${t.form} ${t.name} (${t.nameConfidence}) ${t.status}${t.reason ? ` - ${t.reason}` : ""}`,
  );
console.log(r.warnings);
if (write === "--write") {
  const metaPath = path.join(c.dir, "case.json");
  const meta = JSON.parse(readFileSync(metaPath, "utf8"));
  writeFileSync(
    metaPath,
    JSON.stringify(
      { ...meta, tools, ...(r.warnings.length ? { warnings: r.warnings } : {}) },
      null,
      1,
    ) + "\n",
  );
}
