// Compiles ai-sdk.test-d.ts with tsc: governTools on an AI SDK ToolSet must keep inference at the
// call site (input from inputSchema, typed tool calls, agent tool types).
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const root = path.resolve(__dirname, "../..");

describe("governTools types (AI SDK)", () => {
  it("type-checks ai-sdk.test-d.ts, including its @ts-expect-error line", () => {
    const config = path.join(mkdtempSync(path.join(tmpdir(), "gov-types-")), "tsconfig.json");
    writeFileSync(
      config,
      JSON.stringify({
        extends: path.join(root, "tsconfig.json"),
        include: [path.join(root, "test/instrument/ai-sdk.test-d.ts")],
        compilerOptions: { noEmit: true, typeRoots: [path.join(root, "node_modules/@types")] },
      }),
    );
    const r = spawnSync(
      process.execPath,
      [path.join(root, "node_modules/typescript/bin/tsc"), "-p", config],
      { encoding: "utf8", cwd: root },
    );
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  }, 60_000);
});
