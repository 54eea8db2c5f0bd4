// Compiles types.test-d.ts with tsc: gate() must keep inference at the call site (AI SDK tool(),
// plain functions, methods with `this`, generics, async generators).
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { tmp } from "./helpers.js";

const root = path.resolve(__dirname, "../..");

describe("gate() types", () => {
  it("type-checks types.test-d.ts, including its @ts-expect-error lines", () => {
    const dir = tmp();
    const config = path.join(dir, "tsconfig.json");
    writeFileSync(
      config,
      JSON.stringify({
        extends: path.join(root, "tsconfig.json"),
        include: [path.join(root, "test/runtime/types.test-d.ts")],
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
