// governor_checklist: what to run after a change, with the project's own package manager and scripts.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { detectPackageManager, type PackageManager } from "../../detectors/package-manager.js";

const RUN: Record<PackageManager, (script: string) => string> = {
  npm: (s) => (s === "test" ? "npm test" : `npm run ${s}`),
  pnpm: (s) => `pnpm run ${s}`,
  yarn: (s) => `yarn run ${s}`,
  bun: (s) => `bun run ${s}`,
};
// the project's local binaries (governor included), never a registry download
const EXEC: Record<PackageManager, string> = {
  npm: "npx --no-install",
  pnpm: "pnpm exec",
  yarn: "yarn run",
  bun: "bun x --no-install",
};

/** npm's placeholder test script fails by design: not a test suite. */
const NO_TESTS = /no test specified/;

export interface CheckItem {
  id: string;
  command: string | null;
  expect: string;
  why: string;
}

export function checklist(cwd: string): Record<string, unknown> {
  let scripts: Record<string, string> = {};
  try {
    const pkg = JSON.parse(readFileSync(path.join(cwd, "package.json"), "utf8"));
    if (pkg && typeof pkg.scripts === "object") scripts = pkg.scripts;
  } catch {
    // no or broken package.json: the commands below still apply; doctor names the problem
  }
  const pm = detectPackageManager(cwd).name;
  const exec = EXEC[pm];
  const items: CheckItem[] = [];
  const ts = existsSync(path.join(cwd, "tsconfig.json"));
  items.push(
    scripts.typecheck
      ? {
          id: "typecheck",
          command: RUN[pm]("typecheck"),
          expect: "exit 0",
          why: "gated tools still type-check",
        }
      : ts
        ? {
            id: "typecheck",
            command: `${exec} tsc --noEmit`,
            expect: "exit 0",
            why: "gated tools still type-check",
          }
        : {
            id: "typecheck",
            command: null,
            expect: "nothing to run",
            why: "no tsconfig.json: a JavaScript project",
          },
  );
  if (scripts.test && !NO_TESTS.test(scripts.test))
    items.push({
      id: "tests",
      command: RUN[pm]("test"),
      expect: "exit 0",
      why: "the tools still behave; a test that calls a gated tool now needs GOVERNOR_ENFORCE_URL (a local `governor serve`) or GOVERNOR_MODE=observe",
    });
  else
    items.push({
      id: "tests",
      command: null,
      expect: "nothing to run",
      why: "package.json has no test script: call one gated tool by hand against `governor serve --policy <file>`",
    });
  if (scripts.lint)
    items.push({
      id: "lint",
      command: RUN[pm]("lint"),
      expect: "exit 0",
      why: "the inserted imports and gate() calls pass the project's lint",
    });
  items.push(
    {
      id: "doctor",
      command: `${exec} governor doctor --strict`,
      expect: "exit 0 (ok), or the fix under each failed check",
      why: "the gate is configured, enforce answers, and every tool is gated by some layer (governor_doctor returns the same report)",
    },
    {
      id: "coverage",
      command: `${exec} governor init --dry-run --json`,
      expect:
        'no tool with "status": "gated" left (init has nothing more to gate) and every "manual" one handled; governor_scan shows summary.notGated 0',
      why: "what init cannot rewrite needs a person: governTools(...), governMcpClient(...) or gate(name, fn) by hand",
    },
    {
      id: "intents",
      command: null,
      expect: "each tool's action and resource say what it does",
      why: "review governor.config.json, then ask enforce with governor_test_intent for a tool that must be allowed and one that must be denied",
    },
  );
  return { packageManager: pm, items };
}
