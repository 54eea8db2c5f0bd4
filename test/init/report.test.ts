import { describe, expect, it } from "vitest";
import type { Plan } from "../../src/init/plan.js";
import { summaryText } from "../../src/init/report.js";

// The human summary must say which gated tools have no intent-map entry (named only at run time),
// or "Review governor.config.json: one intent entry per tool" would mislead.
function planWith(tools: Partial<Plan["tools"][number]>[]): Plan {
  return { tools, entrypoints: [], files: [], dependencies: [], warnings: [] } as unknown as Plan;
}

describe("summary", () => {
  it("lists tools gated under a run-time name apart from named and manual ones", () => {
    const text = summaryText(
      planWith([
        {
          file: "index.js",
          line: 3,
          name: "ping",
          framework: "mcp",
          form: "tool",
          status: "gated",
        },
        {
          file: "index.js",
          line: 9,
          name: null,
          framework: "mcp",
          form: "tool",
          status: "gated",
          reason: "name computed at runtime from cmd.name",
        },
        {
          file: "index.js",
          line: 20,
          name: null,
          framework: "mcp",
          form: "tool",
          status: "manual",
          reason: "built at run time",
        },
      ]),
      { dryRun: false, applied: true },
    );
    expect(text).toContain("mcp: 2 gated, 1 manual");
    expect(text).toMatch(
      /Named only at run time[^\n]*governor\.config\.json has no entry[^\n]*\n {2}index\.js:9: name computed at runtime from cmd\.name\n/,
    );
    expect(text).toMatch(/Manual sites[^\n]*\n {2}index\.js:20 \(unnamed\): built at run time/);
    expect(text).not.toContain("index.js:3");
  });

  it("lists names guessed from a variable so the user can confirm them", () => {
    const text = summaryText(
      planWith([
        {
          file: "a.ts",
          line: 4,
          name: "echo",
          nameConfidence: "low",
          framework: "ai-sdk",
          form: "tool",
          status: "gated",
          reason: "named after its variable",
        },
        {
          file: "a.ts",
          line: 9,
          name: "send",
          nameConfidence: "high",
          framework: "ai-sdk",
          form: "tool",
          status: "gated",
        },
      ]),
      { dryRun: true, applied: false },
    );
    expect(text).toMatch(/Names guessed[^\n]*\n {2}a\.ts:4 echo: named after its variable$/m);
    expect(text).not.toContain("a.ts:9");
  });

  it("says nothing about run-time names when every tool has one", () => {
    const text = summaryText(
      planWith([
        {
          file: "a.ts",
          line: 1,
          name: "x",
          nameConfidence: "high",
          framework: "ai-sdk",
          form: "tool",
          status: "gated",
        },
      ]),
      { dryRun: true, applied: false },
    );
    expect(text).not.toContain("Named only at run time");
    expect(text).not.toContain("Names guessed");
  });
});
