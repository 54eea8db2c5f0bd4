// doctor's frameworks.versions: the installed versions of the instrumented frameworks, and a
// warning naming any governor does not know, through the real CLI.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { run } from "./helpers.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function project(installed: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "gov-versions-"));
  dirs.push(dir);
  writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify({
      name: "app",
      type: "module",
      dependencies: Object.fromEntries(Object.keys(installed).map((n) => [n, "*"])),
    }),
  );
  writeFileSync(path.join(dir, "index.js"), "");
  for (const [name, version] of Object.entries(installed)) {
    const p = path.join(dir, "node_modules", name);
    mkdirSync(p, { recursive: true });
    writeFileSync(path.join(p, "package.json"), JSON.stringify({ name, version }));
  }
  return dir;
}

async function versions(dir: string) {
  const r = await run(["doctor", "--cwd", dir, "--json", "--samples", "1"], {
    env: { GOVERNOR_ENFORCE_URL: "http://127.0.0.1:9" },
  });
  return JSON.parse(r.stdout).checks.find((c: { id: string }) => c.id === "frameworks.versions");
}

describe("doctor frameworks.versions", () => {
  it("names each installed version and whether governor tested it", async () => {
    const c = await versions(project({ ai: "6.0.1", "@mastra/core": "1.3.0" }));
    expect(c.status).toBe("pass");
    expect(c.message).toBe(
      "ai 6.0.1 (tested), @mastra/core 1.3.0 (supported by its API, not tested by governor)",
    );
    expect(c.details.installed).toEqual({ ai: "6.0.1", "@mastra/core": "1.3.0" });
  });

  it("warns, naming it, about a version governor does not know", async () => {
    const c = await versions(project({ ai: "7.0.3", "@langchain/core": "1.2.0" }));
    expect(c.status).toBe("warn");
    expect(c.message).toContain("ai 7.0.3 (not a version governor knows)");
    expect(c.fix).toMatch(/GOVERNOR_DEBUG=1/);
    expect(c.fix).toContain("ai 7.0.3");
  });
});
