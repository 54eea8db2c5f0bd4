// What `governor test-intent` does, loaded by its action (src/commands/test-intent.ts).
import type { OptionValues } from "commander";
import { z } from "zod";
import { ZodError } from "zod";
import {
  CliError,
  debugOn,
  EXIT,
  handleError,
  optionError,
  paint,
  print,
  table,
} from "../cli-support/index.js";
import {
  cliGovernor,
  decisionFields,
  explainNoDecision,
  type CliDecision,
} from "../cli-support/enforce.js";
import { intentFromFlags } from "../cli-support/intent-args.js";
import { resolveKey } from "../cli-support/secrets.js";
import type { Intent } from "../runtime/index.js";
import { compileDeny } from "../runtime/deny.js";
import { clip, safeUrl } from "../runtime/redact.js";

export const testIntentOptionsSchema = z.object({
  action: z.string().min(1).optional(),
  resource: z.string().min(1).optional(),
  actor: z.string().min(1).optional(),
  actorType: z.string().min(1).optional(),
  sensitivity: z.string().optional(),
  pii: z.boolean().optional(),
  volume: z.enum(["single", "bulk"]).optional(),
  authn: z.string().min(1).optional(),
  layer: z.string().min(1).optional(),
  tool: z.string().min(1).optional(),
  args: z.string().optional(),
  config: z.string().min(1).optional(),
  url: z.string().min(1).optional(),
  apiKey: z.string().min(1).optional(),
  apiKeyFile: z.string().min(1).optional(),
  timeout: z.coerce
    .number({ error: "expected a number" })
    .int()
    .positive("expected a positive number of milliseconds"),
  json: z.boolean().optional(),
  expect: z.enum(["allow", "deny"]).optional(),
});
export type TestIntentOptions = z.infer<typeof testIntentOptionsSchema>;

/** A trace cell: the server's text (already redacted by the runtime), short, whatever its type. */
function cell(v: unknown): string {
  return typeof v === "string"
    ? clip(v, 80)
    : typeof v === "number" && Number.isFinite(v)
      ? String(v)
      : "";
}

function traceRow(t: unknown): string[] {
  const e = (t !== null && typeof t === "object" ? t : {}) as Record<string, unknown>;
  const p = (
    e.prediction !== null && typeof e.prediction === "object" ? e.prediction : {}
  ) as Record<string, unknown>;
  const confidence =
    typeof p.confidence === "number" && Number.isFinite(p.confidence)
      ? p.confidence.toFixed(2)
      : cell(p.confidence);
  return [cell(e.field) || "?", cell(e.raw_input), cell(p.canonical), confidence, cell(p.source)];
}

function render(
  d: CliDecision,
  intent: Intent,
  url: string | undefined,
  mapFile: string | undefined,
  expectation: string | undefined,
  matched: boolean | undefined,
): string {
  const c = paint(process.stdout);
  const head = d.decision === "ALLOW" ? c.green.bold("ALLOW") : c.red.bold("DENY");
  const lines = [`${head}  ${d.reason ?? ""}`.trimEnd()];
  const rows: string[][] = [];
  if (d.denyCode) rows.push([c.dim("deny code"), d.denyCode]);
  rows.push([c.dim("request id"), d.requestId ?? "(none)"]);
  rows.push([c.dim("latency"), `${Math.round(d.latencyMs * 10) / 10} ms`]);
  const r = intent.resource;
  rows.push([
    c.dim("asked"),
    `${intent.action} ${r.type}${r.name ? ":" + r.name : ""} as ${intent.actor.id} (${intent.actor.type})${url ? " at " + url : ""}`,
  ]);
  if (mapFile) rows.push([c.dim("intent map"), mapFile]);
  lines.push(table(rows));
  const trace = d.trace;
  if (trace.length) {
    lines.push("", c.bold("canonicalization"));
    lines.push(
      table([
        ["field", "raw", "canonical", "confidence", "source"].map((h) => c.dim(h)),
        ...trace.map(traceRow),
      ]),
    );
  }
  if (expectation)
    lines.push(
      "",
      matched
        ? c.green(`expected ${expectation}: matches`)
        : c.red(`expected ${expectation}: got ${d.decision.toLowerCase()} instead`),
    );
  return lines.join("\n");
}

/** No decision: one JSON object with `decision: null` (same shape whatever went wrong), or a message and a fix. */
function noDecision(
  o: TestIntentOptions,
  e: CliError & { status?: number },
  intent?: Intent,
): number {
  if (!o.json) throw e;
  print(
    JSON.stringify({
      decision: null,
      error: {
        code: e.code,
        message: e.message,
        fix: e.fix,
        ...(e.status && { status: e.status }),
      },
      ...(intent && { intent }),
    }),
  );
  return EXIT.error;
}

function noDecisionError(
  why: ReturnType<typeof explainNoDecision>,
): CliError & { status?: number } {
  return Object.assign(new CliError(why.code, why.message, why.fix), {
    status: why.status,
  });
}

/** The gate refuses a tool its intent map's "deny" names before asking enforce: so does this. */
function localDeny(tool: string, deny: readonly string[] | undefined): CliDecision | undefined {
  if (!deny) return undefined;
  const pattern = compileDeny(deny)?.match(tool);
  if (pattern === undefined) return undefined;
  return {
    decision: "DENY",
    allowed: false,
    requestId: null,
    reason: `the tool name matches ${JSON.stringify(pattern)} in the local deny list (not sent to enforce)`,
    denyCode: "local_deny",
    latencyMs: 0,
    trace: [],
    metadata: {},
  };
}

export async function runTestIntent(
  o: TestIntentOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  let built: ReturnType<typeof intentFromFlags>;
  try {
    built = intentFromFlags(o, env);
  } catch (err) {
    if (err instanceof CliError) return noDecision(o, err);
    throw err;
  }
  const { intent, mapFile, deny } = built;
  // the deny list is read only for --tool
  const local = o.tool === undefined ? undefined : localDeny(o.tool, deny);
  // Only shown (the gate is given o.url itself): never with its user:password@ or query string.
  const given = o.url ?? (env.GOVERNOR_ENFORCE_URL || undefined);
  const url = given && safeUrl(given);
  const apiKey = resolveKey(
    { flag: "--api-key", env: "GOVERNOR_API_KEY" },
    { value: o.apiKey, file: o.apiKeyFile },
  );
  const apiKeySet = Boolean(apiKey ?? (env.GOVERNOR_API_KEY || env.GOVERNOR_API_KEY_FILE));
  let d: CliDecision;
  if (local) d = local;
  else {
    let governor: ReturnType<typeof cliGovernor>;
    try {
      governor = cliGovernor({ url: o.url, apiKey, timeoutMs: o.timeout, config: {}, env });
    } catch (err) {
      return noDecision(o, noDecisionError(explainNoDecision(err, url, { apiKeySet })), intent);
    }
    try {
      d = await governor.check(intent);
    } catch (err) {
      return noDecision(o, noDecisionError(explainNoDecision(err, url, { apiKeySet })), intent);
    } finally {
      await governor.close();
    }
  }
  const matched = o.expect ? d.decision === o.expect.toUpperCase() : undefined;
  if (o.json) {
    print(
      JSON.stringify({
        ...decisionFields(d),
        intent,
        canonicalization_trace: d.trace,
        ...(o.expect && { expected: o.expect.toUpperCase(), matches_expectation: matched }),
      }),
    );
  } else print(render(d, intent, local ? undefined : url, mapFile, o.expect, matched));
  if (matched !== undefined) return matched ? EXIT.ok : EXIT.failed;
  return d.decision === "ALLOW" ? EXIT.ok : EXIT.failed;
}

export async function testIntentAction(opts: OptionValues): Promise<void> {
  debugOn(opts.debug);
  try {
    const options = testIntentOptionsSchema.parse(opts);
    process.exitCode = await runTestIntent(options);
  } catch (err) {
    const e = err instanceof ZodError ? optionError(err, "test-intent") : err;
    if (opts.json && e instanceof CliError)
      process.exitCode = noDecision({ ...opts, json: true } as TestIntentOptions, e);
    else handleError(e, { json: opts.json, command: "test-intent" });
  }
}
