import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

export const REPO = fileURLToPath(new URL("../../../", import.meta.url));
export const CLI = join(REPO, "bin", "governor.js");
export const FIXTURES = join(REPO, "test", "fixtures", "e2e");

/** The CLI loads dist/; say how to get it instead of failing obscurely. */
export function assertBuilt(): void {
  for (const f of [
    "dist/cli.js",
    "dist/runtime/index.js",
    "dist/runtime/index.cjs",
    "dist/runtime/index.d.ts",
    "dist/register.js",
  ]) {
    if (!existsSync(join(REPO, f)))
      throw new Error(`${f} is missing: run \`npm run build\` first.`);
  }
}
