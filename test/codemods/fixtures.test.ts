// Every fixture case: the codemod's output equals the reviewed expected files, the findings equal
// case.json, and a second run over the output changes nothing and reports every tool as gated
// already (or still manual).
import { describe, expect, it } from "vitest";
import { gateSources, type ToolFinding } from "../../src/codemods/index.js";
import { listCases, loadCase, moduleKindFor } from "./fixtures.js";

const pick = (t: ToolFinding) => ({
  file: t.file,
  line: t.line,
  name: t.name,
  nameConfidence: t.nameConfidence,
  framework: t.framework,
  form: t.form,
  status: t.status,
  ...(t.reason ? { reason: t.reason } : {}),
});

describe.each(listCases())("fixture %s", (name) => {
  const c = loadCase(name);
  const opts = { moduleKind: moduleKindFor(c.meta.type), paths: c.meta.paths };
  const first = gateSources(c.inputs, opts);

  it("rewrites exactly the expected files, byte for byte", () => {
    expect(first.files.map((f) => f.path).sort()).toEqual([...c.expected.keys()].sort());
    for (const f of first.files) {
      expect(f.before).toBe(c.inputs.find((i) => i.path === f.path)!.text);
      expect(f.after, f.path).toBe(c.expected.get(f.path));
    }
  });

  it("reports every tool with its name, form and status", () => {
    expect(first.tools.map(pick)).toEqual(c.meta.tools);
    expect(first.warnings).toEqual(c.meta.warnings ?? []);
  });

  it("is idempotent: a second run changes 0 bytes and finds every tool already gated", () => {
    const after = new Map(first.files.map((f) => [f.path, f.after]));
    const second = gateSources(
      c.inputs.map((i) => ({ path: i.path, text: after.get(i.path) ?? i.text })),
      opts,
    );
    expect(second.files).toEqual([]);
    expect(second.tools.map((t) => [t.file, t.name, t.status])).toEqual(
      first.tools.map((t) => [t.file, t.name, t.status === "gated" ? "already-gated" : t.status]),
    );
  });
});
