// The layer rule (npm run lint): the real tree follows it, and a wrong import is named and fails.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script, no types
import { checkLayers } from "../support/check-layers.mjs";

const root = path.resolve(__dirname, "../..");
const script = path.join(root, "test/support/check-layers.mjs");

function tree(files: Record<string, string>): string {
  const src = path.join(mkdtempSync(path.join(tmpdir(), "gov-layers-")), "src");
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(src, rel)), { recursive: true });
    writeFileSync(path.join(src, rel), text);
  }
  return src;
}

describe("layer check", () => {
  it("src/ follows the rule", () => {
    expect(checkLayers(path.join(root, "src")).problems).toEqual([]);
    const r = spawnSync(process.execPath, [script], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
  });

  it("names each wrong import, with its line, and exits 1", () => {
    const src = tree({
      "frameworks.ts": 'import { x } from "./runtime/a.js";\nexport const f = x;\n',
      "runtime/a.ts": 'export const x = 1;\nexport { plan } from "../init/plan.js";\n',
      "runtime/b.ts": 'const m = await import("../commands/doctor.js");\nexport default m;\n',
      "detectors/d.ts":
        'import type { Edit } from "../codemods/types.js";\nexport type E = Edit;\n',
      "init/plan.ts": 'import { x } from "../runtime/a.js";\nexport const plan = x;\n',
      "commands/doctor.ts": "export {};\n",
      "codemods/types.ts": "export type Edit = string;\n",
    });
    const { problems } = checkLayers(src, new Set());
    expect(problems.sort()).toEqual([
      'src/detectors/d.ts:1 imports ../codemods/types.js: "detectors" may not import "codemods" (only frameworks, runtime, cli-support)',
      'src/frameworks.ts:1 imports ./runtime/a.js: "frameworks" may not import "runtime" (it imports nothing of the other layers)',
      'src/runtime/a.ts:2 imports ../init/plan.js: "runtime" may not import "init" (only frameworks)',
      'src/runtime/b.ts:1 imports ../commands/doctor.js: "runtime" may not import "commands" (only frameworks)',
    ]);
    const r = spawnSync(process.execPath, [script, src], { encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      'src/runtime/a.ts:2 imports ../init/plan.js: "runtime" may not import "init"',
    );
    expect(r.stderr).toContain("import(s) across layers that the rule refuses");
  });
});
