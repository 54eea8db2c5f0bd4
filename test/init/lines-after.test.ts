// After a real run, init's report points at the line where each tool now is: the codemod's edits
// and the register import init puts at the top of an entrypoint both move lines.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { cleanupTemp, ensureBuilt, gitInit, json, runInit } from "./helpers.js";

beforeAll(() => ensureBuilt(), 120_000);
const dir = mkdtempSync(path.join(tmpdir(), "governor-lines-after-"));
afterAll(() => {
  cleanupTemp();
  rmSync(dir, { recursive: true, force: true });
});

it("reports a tool in an entrypoint at its line after the register import", () => {
  writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify({ name: "e", type: "module", main: "index.js", dependencies: { ai: "^6.0.0" } }),
  );
  writeFileSync(
    path.join(dir, "index.js"),
    `import { tool } from "ai";
import { z } from "zod";
import { TavilySearch } from "@langchain/tavily";

export const search = new TavilySearch();

export const weather = tool({
  description: "Weather",
  inputSchema: z.object({ city: z.string() }),
  execute: async ({ city }) => \`sunny in \${city}\`,
});

const options = { description: "Built elsewhere", execute: async () => 1 };
export const built = tool(options);

export const later = new TavilySearch();
`,
  );
  gitInit(dir);
  const r = runInit(["--yes", "--no-install", "--json", "--cwd", dir]);
  expect(r.code).toBe(0);
  const report = json<{
    tools: { file: string; line: number; name: string | null }[];
    runtimeTools: { file: string; line: number; what: string }[];
    entrypoints: { file: string; status: string }[];
  }>(r);
  expect(report.entrypoints).toEqual([
    expect.objectContaining({ file: "index.js", status: "added" }),
  ]);
  const lines = readFileSync(path.join(dir, "index.js"), "utf8").split("\n");
  expect(lines[0]).toBe('import "governor/register";');
  const weather = report.tools.find((t) => t.name === "weather")!;
  expect(lines[weather.line - 1]).toMatch(/^export const weather = /);
  const [search, later] = report.runtimeTools.filter((t) => /TavilySearch/.test(t.what));
  expect(lines[search.line - 1]).toMatch(/^export const search = /);
  // below a marker line init writes above a tool it cannot gate: moved by it too
  expect(lines.some((l) => /governor/.test(l) && /by hand|gate\(/.test(l))).toBe(true);
  expect(lines[later.line - 1]).toMatch(/^export const later = /);
});
