// What `governor init` does, loaded by its action (src/commands/init.ts): ts-morph and the
// codemods are not loaded for `governor init --help`.
import { resolve } from "node:path";
import { gateSources } from "../init/cached-gate.js";
import { detectSpec, explicitSpec, type DependencySpec } from "../init/dependency-spec.js";
import { CliError, debugOn, handleError } from "../cli-support/index.js";
import { parseInitOptions } from "./init-options.js";
import { runInit } from "../init/run.js";
import { inferIntentEntry } from "../runtime/intent.js";

/** --governor-spec, then GOVERNOR_PACKAGE_SPEC, then where this running governor was installed from. */
function dependencySpec(flag: string | undefined): DependencySpec {
  if (flag !== undefined) return explicitSpec(flag, process.cwd(), "--governor-spec");
  const env = process.env.GOVERNOR_PACKAGE_SPEC;
  if (env !== undefined && env !== "")
    return explicitSpec(env, process.cwd(), "GOVERNOR_PACKAGE_SPEC");
  return detectSpec(import.meta.url);
}

function isInteractive(): boolean {
  const ci = process.env.CI;
  // prompts need a person at a terminal on both ends (`init | tee log` must not wait on an unseen prompt)
  return (
    Boolean(process.stdin.isTTY && process.stdout.isTTY) && (!ci || ci === "0" || ci === "false")
  );
}

export async function initAction(raw: Record<string, unknown>): Promise<void> {
  debugOn(raw.debug);
  const json = Boolean(raw.json);
  try {
    const parsed = await parseInitOptions({
      ...raw,
      cwd: resolve(String(raw.cwd ?? process.cwd())),
    });
    if (!parsed.success) {
      throw new CliError(
        "invalid_option",
        `Invalid option --${parsed.issue.path}: ${parsed.issue.message}.`,
        "Run `governor init --help` for the accepted values.",
      );
    }
    const { governorSpec, ...options } = parsed.data;
    const outcome = await runInit(
      { ...options, framework: options.framework as never },
      {
        gateSources,
        inferIntent: inferIntentEntry,
        // --undo writes no dependency: a bad GOVERNOR_PACKAGE_SPEC must not block it
        dependencySpec: options.undo ? detectSpec(import.meta.url) : dependencySpec(governorSpec),
        interactive: isInteractive(),
        out: (text) => process.stdout.write(text),
        err: (text) => process.stderr.write(text),
      },
    );
    if (!outcome.ok)
      handleError(outcome.error, { command: "init", json, reported: outcome.reported });
  } catch (e) {
    handleError(e, { command: "init", json });
  }
}
