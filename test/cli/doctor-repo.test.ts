// doctor's repo checks on their own, with the detector injected: a crash in it becomes a warning, not exit 2.
import { describe, expect, it } from "vitest";
import { checkGoverned } from "../../src/doctor/repo.js";
import type { ProjectDetection } from "../../src/detectors/project.js";

const project = {
  root: "/p",
  packages: [
    {
      name: "app",
      dir: "/p",
      relDir: ".",
      moduleKind: () => "esm",
      sources: [{ path: "a.ts", text: "x" }],
    },
  ],
} as unknown as ProjectDetection;

describe("tools.governed", () => {
  it("a detector that throws on a file gives a warning naming the package and the error", () => {
    const r = checkGoverned(project, (() => {
      throw new SyntaxError("Unexpected token in a.ts\n  at parse (...)");
    }) as never);
    expect(r).toMatchObject({
      id: "tools.governed",
      status: "warn",
      message: "could not look for tool definitions in app: Unexpected token in a.ts",
    });
    expect(r.fix).toMatch(/governor init --dry-run/);
  });

  it("ungated tools fail with where they are", () => {
    const r = checkGoverned(project, (() => ({
      files: [],
      warnings: [],
      tools: [
        {
          file: "a.ts",
          line: 3,
          name: "lookup",
          nameConfidence: "high",
          framework: "ai-sdk",
          form: "tool",
          status: "gated",
        },
      ],
    })) as never);
    expect(r).toMatchObject({
      status: "fail",
      message: "1 of 1 tool definition(s) not gated: a.ts:3 (lookup)",
    });
  });
});
