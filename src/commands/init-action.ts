// What `governor init` does, loaded by its action (src/commands/init.ts): ts-morph and the
// codemods are not loaded for `governor init --help`.
import { resolve } from "node:path";
import { z } from "zod";
import { PACKAGE_MANAGERS } from "../detectors/package-manager.js";
import { gateSources } from "../codemods/index.js";
import { FRAMEWORKS } from "../init/codemods.js";
import { detectSpec, explicitSpec, type DependencySpec } from "../init/dependency-spec.js";
import { CliError, debugOn, handleError } from "../cli-support/index.js";
import { runInit } from "../init/run.js";
import { inferIntentEntry } from "../runtime/intent.js";

export const initOptionsSchema = z.object({
  cwd: z.string(),
  yes: z.boolean(),
  dryRun: z.boolean(),
  json: z.boolean(),
  install: z.boolean(),
  allowDirty: z.boolean(),
  packageManager: z.enum(PACKAGE_MANAGERS).optional(),
  framework: z.array(z.enum(FRAMEWORKS as [string, ...string[]])).optional(),
  include: z.array(z.string()).optional(),
  exclude: z.array(z.string()).optional(),
  undo: z.boolean(),
  typecheck: z.boolean(),
  debug: z.boolean(),
  allowEdge: z.boolean(),
  governorSpec: z.string().optional(),
});

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
    const parsed = initOptionsSchema.safeParse({
      ...raw,
      cwd: resolve(String(raw.cwd ?? process.cwd())),
    });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new CliError(
        "invalid_option",
        `Invalid option --${issue?.path.join(".")}: ${issue?.message}.`,
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
