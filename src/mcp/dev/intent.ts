// governor_test_intent: one question to enforce, built as `governor test-intent` builds it
// (intentFromFlags, then cliGovernor: enforce mode, fail closed, no cache). Argument values are only
// looked at by the intent map, never sent or echoed.
import { existsSync } from "node:fs";
import path from "node:path";
import { cliGovernor, decisionFields, explainNoDecision } from "../../cli-support/enforce.js";
import { intentFromFlags, type IntentFlags } from "../../cli-support/intent-args.js";
import { safeUrl } from "../../runtime/redact.js";
import { DevToolError } from "./result.js";

export interface TestIntentArgs extends Omit<IntentFlags, "args" | "config"> {
  args?: Record<string, unknown>;
  timeout?: number;
}

/** The intent map the app's gate reads in `cwd`: GOVERNOR_CONFIG (relative to the project), else
 *  its governor.config.json when there is one. */
export function intentMapFile(cwd: string, env: NodeJS.ProcessEnv): string | undefined {
  if (env.GOVERNOR_CONFIG) return path.resolve(cwd, env.GOVERNOR_CONFIG);
  const file = path.join(cwd, "governor.config.json");
  return existsSync(file) ? file : undefined;
}

export async function testIntent(cwd: string, a: TestIntentArgs, env: NodeJS.ProcessEnv) {
  const { args, timeout, ...flags } = a;
  const config = a.tool ? intentMapFile(cwd, env) : undefined;
  const { intent, mapFile } = intentFromFlags(
    { ...flags, config, ...(args !== undefined && { args: JSON.stringify(args) }) },
    env,
    cwd,
  );
  const given = env.GOVERNOR_ENFORCE_URL || undefined;
  const url = given && safeUrl(given);
  const apiKeySet = Boolean(env.GOVERNOR_API_KEY || env.GOVERNOR_API_KEY_FILE);
  const context = { intent, ...(url && { enforce: url }), ...(mapFile && { intentMap: mapFile }) };
  const noDecision = (err: unknown) => {
    const why = explainNoDecision(err, given, { apiKeySet, flags: false });
    return new DevToolError(why.code, `No decision: ${why.message}`, why.fix, {
      ...context,
      ...(why.status && { status: why.status }),
    });
  };
  let governor: ReturnType<typeof cliGovernor>;
  try {
    governor = cliGovernor({ timeoutMs: timeout ?? 5000, config: {}, env });
  } catch (err) {
    throw noDecision(err);
  }
  try {
    const d = await governor.check(intent);
    return {
      ...decisionFields(d),
      canonicalization_trace: d.trace,
      ...context,
    };
  } catch (err) {
    throw noDecision(err);
  } finally {
    await governor.close();
  }
}
