import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createGovernor, type Governor, type GovernorOptions } from "../../src/runtime/index.js";

export const tmp = () => mkdtempSync(path.join(tmpdir(), "gov-rt-"));

export interface TestGovernor {
  governor: Governor;
  warnings: string[];
  auditPath: string;
  /** Close the governor (flushes) and return the parsed audit lines. */
  auditLines(): Promise<any[]>;
}

const open: Governor[] = [];

/** A governor for tests: no environment leaks in, warnings captured, audit to a temp file. */
export function makeGovernor(options: GovernorOptions): TestGovernor {
  const warnings: string[] = [];
  const auditPath = path.join(tmp(), "audit.jsonl");
  // config: {} so a governor.config.json in the working directory never leaks into a test.
  const governor = createGovernor({
    env: {},
    config: {},
    cacheTtlMs: 0,
    auditLog: auditPath,
    warn: (m) => warnings.push(m),
    ...options,
  });
  open.push(governor);
  return {
    governor,
    warnings,
    auditPath,
    async auditLines() {
      await governor.close();
      if (!existsSync(auditPath)) return [];
      return readFileSync(auditPath, "utf8")
        .trim()
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l));
    },
  };
}

export async function closeAll(): Promise<void> {
  await Promise.all(open.splice(0).map((g) => g.close()));
}

/** The rejection of a promise (fails the test if it resolves). */
export async function rejection(p: Promise<unknown>): Promise<any> {
  try {
    const v = await p;
    throw new Error(`expected a rejection, got ${JSON.stringify(v)}`);
  } catch (e) {
    return e;
  }
}
