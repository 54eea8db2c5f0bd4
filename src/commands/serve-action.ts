// What `governor serve` does, loaded by its action (src/commands/serve.ts): the server and
// everything it reads are not loaded for `governor serve --help`.
import { existsSync } from "node:fs";
import { CliError, debugOn, handleError, print, resolveKey } from "../cli-support/index.js";
import {
  policyWarning,
  startEnforceServer,
  PolicyError,
  type JwtVerifier,
  type ServeTls,
} from "../server/index.js";
import { listenError } from "../cli-support/listen.js";
import { onParentExit } from "../server/parent-watch.js";
import { PolicyFileError } from "../server/policy-file.js";
import { signDecision } from "../runtime/token.js";
import { parseServeOptions } from "./serve-options.js";
import type { ServeOptions } from "./serve-schema.js";
import {
  apiKeySource,
  bothAuthError,
  exposureWarning,
  loadTls,
  plainHttpJwksWarning,
  resolveOauth,
  resolveTlsFiles,
} from "./serve-auth.js";
import type { JwtOptions } from "../server/jwt.js";

/** What serve was told to require of callers, resolved from flags and GOVERNOR_SERVE_* variables. */
interface ServeAuth {
  oauth?: JwtOptions;
  tls?: ServeTls;
}

/** jose only now, and only for --oauth-jwks: a JWKS file is read and checked here, before listening. */
async function jwtVerifier(oauth: JwtOptions): Promise<JwtVerifier> {
  const { createJwtVerifier, JwksError } = await import("../server/jwt.js");
  try {
    return await createJwtVerifier(oauth);
  } catch (err) {
    if (err instanceof JwksError) throw new CliError("jwks_invalid", err.message, err.fix);
    throw err;
  }
}

/** The auth line of serve's banner, or undefined when callers are not authenticated. */
function authText(options: ServeOptions, auth: ServeAuth): string | undefined {
  const parts: string[] = [];
  if (options.apiKey) parts.push("bearer key");
  if (auth.oauth) parts.push(`OAuth JWT (iss ${auth.oauth.issuer}, aud ${auth.oauth.audience})`);
  if (auth.tls?.clientCa) parts.push("client certificate");
  return parts.length ? parts.join(" + ") : undefined;
}

const DEFAULT_POLICY_FILES = [
  "governor.policy.yaml",
  "governor.policy.yml",
  "governor.policy.json",
];

function resolvePolicy(given: string | undefined): string {
  if (given) return given;
  const found = DEFAULT_POLICY_FILES.find((f) => existsSync(f));
  if (found) return found;
  throw new CliError(
    "policy_missing",
    "no policy file given and none of governor.policy.{yaml,yml,json} is in this directory.",
    "Pass --policy <file>. A minimal policy:\n  version: 1\n  default: deny\n  rules:\n    - id: reads\n      effect: allow\n      when: { action: read }",
  );
}

export async function runServe(options: ServeOptions, auth: ServeAuth): Promise<void> {
  const policyFile = resolvePolicy(options.policy);
  const key = options.decisionKey;
  const verifyBearer = auth.oauth ? await jwtVerifier(auth.oauth) : undefined;
  let running;
  try {
    running = await startEnforceServer({
      host: options.host,
      port: options.port,
      policyFile,
      apiKey: options.apiKey,
      verifyBearer,
      tls: auth.tls,
      watch: options.watch,
      sign: key
        ? (body, decision, requestId) =>
            signDecision(key, { intent: body, decision, requestId, ttlMs: options.tokenTtl })
        : undefined,
    });
  } catch (err) {
    if (err instanceof PolicyError) {
      const missing = err instanceof PolicyFileError && err.problem === "missing";
      throw new CliError(
        missing ? "policy_missing" : "policy_invalid",
        err.message,
        err.fix ?? "Fix the policy file and run governor serve again.",
      );
    }
    throw listenError(err, options.host, options.port, 8787);
  }
  // Handlers first: a script that kills us as soon as it reads the URL must still get a clean exit 0.
  // SIGHUP is a closed terminal; a parent that is gone is `npx governor serve` SIGKILLed (see parent-watch.ts).
  let stopping = false;
  const stop = (why: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`governor serve: ${why}, stopping\n`);
    running.close().then(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const)
    process.on(signal, () => stop(signal));
  onParentExit(() => stop("the process that started it exited"));
  // With the parent gone our pipes may be too: a failed log write must not crash the server.
  process.stdout.on("error", () => {});
  process.stderr.on("error", () => {});
  // The first stdout line is a contract: scripts read the URL from it.
  print(`listening on ${running.url}`);
  const p = running.state.policy;
  const required = authText(options, auth);
  process.stderr.write(
    `governor serve: policy ${policyFile} (${p.rules.length} rule(s), default ${p.default}); ` +
      `auth ${required ? `required (${required})` : "off"}; signed decisions ${key ? "on" : "off"}; ` +
      `enforce at ${running.url}/api/v2/enforce; Ctrl-C to stop\n`,
  );
  const warning = policyWarning(p);
  if (warning) process.stderr.write(warning + "\n");
  const exposed = exposureWarning(options.host, required);
  if (exposed) process.stderr.write(exposed + "\n");
  const plainJwks = auth.oauth && plainHttpJwksWarning(auth.oauth.jwks);
  if (plainJwks) process.stderr.write(plainJwks + "\n");
  // Gates refuse a signed decision valid for longer than GOVERNOR_DECISION_MAX_TTL_MS (default 300 000).
  if (key && options.tokenTtl > 300_000)
    process.stderr.write(
      `warning: --token-ttl ${options.tokenTtl} is over 300000 ms: gates refuse such decisions (expiry_too_far) unless they raise GOVERNOR_DECISION_MAX_TTL_MS.\n`,
    );
}

export async function serveAction(opts: Record<string, unknown>): Promise<void> {
  debugOn(opts.debug);
  try {
    const parsed = await parseServeOptions(opts);
    const env = process.env;
    // Usage errors first, before any file is read.
    const oauth = resolveOauth(parsed, env);
    const tlsFiles = resolveTlsFiles(parsed, env);
    const apiKey = resolveKey(
      { flag: "--api-key", env: "GOVERNOR_SERVE_API_KEY" },
      { value: parsed.apiKey, file: parsed.apiKeyFile },
      { env },
    );
    if (apiKey && oauth)
      throw bothAuthError(
        apiKeySource(parsed, env),
        parsed.oauthJwks ? "--oauth-jwks" : "GOVERNOR_SERVE_OAUTH_JWKS",
      );
    const tls = tlsFiles && (await loadTls(tlsFiles));
    await runServe(
      {
        ...parsed,
        apiKey,
        decisionKey: resolveKey(
          { flag: "--decision-key", env: "GOVERNOR_DECISION_KEY" },
          { value: parsed.decisionKey, file: parsed.decisionKeyFile },
          { env },
        ),
      },
      { oauth, tls },
    );
  } catch (err) {
    handleError(err, { command: "serve" });
  }
}
