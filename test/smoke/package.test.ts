import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";

// The published package shape: the names users and the codemod import.
describe("package", () => {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));

  it("exports governor/runtime and governor/register for import and require", () => {
    for (const sub of ["./runtime", "./register"]) {
      expect(pkg.exports[sub].import.default).toMatch(/\.js$/);
      expect(pkg.exports[sub].require.default).toMatch(/\.cjs$/);
    }
    expect(pkg.bin.governor).toBe("./bin/governor.js");
  });
});
