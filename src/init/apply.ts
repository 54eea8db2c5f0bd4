import { readFileSync } from "node:fs";
import { decodeUtf8 } from "../detectors/files.js";
import type { Backup } from "./backup.js";
import { CliError } from "../cli-support/errors.js";
import { EXIT } from "../cli-support/exit.js";
import { changedFiles, type Plan } from "./plan.js";
import { typecheck, type TypecheckResult } from "./typecheck.js";
import { syntaxError } from "../codemods/syntax.js";
import { refusedError, refusedWrites } from "./write-checks.js";
import type { Writer } from "./writer.js";

// Writes the plan through the writer, then proves the result: every changed file re-parses, and a
// project that type-checked before still does. Any failure puts every file back.

export interface ApplyOptions {
  typecheck: boolean;
  onProgress?: (message: string) => void;
}

/** What `--typecheck` found, per package with a tsconfig: printed in the report. */
export interface TypecheckReport {
  /** Package directory relative to the run root ("." for the root). */
  package: string;
  before: "passed" | "failed" | "unavailable";
  after: "passed" | "failed" | "skipped";
  /** Errors tsc reported: before init when it failed then, else after. */
  errors: number;
}

export interface ApplyResult {
  warnings: string[];
  typecheck: TypecheckReport[];
}

/** A written file's text as the parser should see it (a BOM is not part of JSON). */
const textOf = (abs: string) => {
  const bytes = readFileSync(abs);
  return decodeUtf8(bytes)?.text ?? bytes.toString("utf8");
};

function rollbackAnd(backup: Backup, error: CliError): never {
  backup.rollback();
  throw error;
}

export async function applyFiles(
  plan: Plan,
  writer: Writer,
  backup: Backup | null,
  options: ApplyOptions,
): Promise<ApplyResult> {
  const warnings: string[] = [];
  const typechecked: TypecheckReport[] = [];
  const changed = changedFiles(plan);
  if (writer.dryRun || !backup) {
    for (const file of plan.files) writer.writeFile(file);
    return { warnings, typecheck: typechecked };
  }
  // every refusal before the first write: the project is never left half set up
  const refused = refusedWrites(plan.root, changed, plan.install);
  if (refused.length) throw refusedError(refused);

  const checked = options.typecheck ? plan.detection.packages.filter((p) => p.tsconfig) : [];
  const before = new Map<string, TypecheckResult | null>();
  for (const pkg of checked) {
    options.onProgress?.(`Type-checking ${pkg.relDir || "the project"} before changes`);
    before.set(pkg.dir, await typecheck(pkg.dir, pkg.tsconfig as string));
  }

  try {
    for (const file of changed) writer.writeFile(file);
  } catch (e) {
    const error =
      e instanceof CliError
        ? e
        : new CliError(
            "write_failed",
            `Could not write a file: ${(e as Error).message}. Every change was rolled back.`,
            "Check file permissions and rerun governor init.",
            { cause: e },
          );
    rollbackAnd(backup, error);
  }

  for (const file of changed) {
    const why = syntaxError(file.path, textOf(file.abs));
    if (why) {
      rollbackAnd(
        backup,
        new CliError(
          "reparse_failed",
          `${file.path} no longer parses after init's edit (${why}). Every change was rolled back; no file was left modified.`,
          `Rerun with --exclude ${file.path} and gate that file by hand, and report the file's shape to the governor issue tracker.`,
        ),
      );
    }
  }

  for (const pkg of checked) {
    const was = before.get(pkg.dir);
    const label = pkg.relDir || "the project";
    const entry: TypecheckReport = {
      package: pkg.relDir || ".",
      before: "unavailable",
      after: "skipped",
      errors: 0,
    };
    typechecked.push(entry);
    if (!was) {
      warnings.push(`No TypeScript compiler found for ${label}; skipped the type-check.`);
      continue;
    }
    entry.before = was.ok ? "passed" : "failed";
    entry.errors = was.count;
    if (!was.ok) {
      warnings.push(
        `${label} did not type-check before init (${was.errors[0] ?? "tsc failed"}); skipped the after-check.`,
      );
      continue;
    }
    options.onProgress?.(`Type-checking ${label} after changes`);
    const now = await typecheck(pkg.dir, pkg.tsconfig as string);
    if (now) {
      entry.after = now.ok ? "passed" : "failed";
      entry.errors = now.count;
    }
    if (now && !now.ok) {
      rollbackAnd(
        backup,
        new CliError(
          "typecheck_failed",
          `${label} type-checked before init but not after (${now.count} error${now.count === 1 ? "" : "s"}):\n  ${now.errors.join("\n  ") || "tsc failed"}\nEvery change was rolled back.`,
          "Report this to the governor issue tracker; meanwhile rerun with --exclude <file> for the file named above.",
          { exit: EXIT.failed },
        ),
      );
    }
  }

  if (backup.size > 0) backup.commit();
  return { warnings, typecheck: typechecked };
}
