import { Command } from "commander";
import { usageExit } from "../cli-support/usage-exit.js";

// Only the definition: `governor serve --help` loads commander and this; the action loads the rest.
export type { ServeOptions } from "./serve-schema.js";

export const serve = new Command("serve")
  .description(
    "Run a local enforce server (POST /api/v2/enforce, /api/v2/canonicalize, GET /health) from a policy file.",
  )
  .option("--host <host>", "address to listen on", "127.0.0.1")
  .option("--port <port>", "port to listen on; 0 picks a free one", "8787")
  .option("--policy <file>", "policy file, YAML or JSON (default: governor.policy.yaml if present)")
  .option(
    "--api-key-file <path>",
    "require Authorization: Bearer <the key in this file> (env GOVERNOR_SERVE_API_KEY or GOVERNOR_SERVE_API_KEY_FILE)",
  )
  .option("--api-key <key>", "the same with the key itself (visible to other users in `ps`)")
  .option(
    "--decision-key-file <path>",
    "sign ALLOW decisions with the key in this file (env GOVERNOR_DECISION_KEY or GOVERNOR_DECISION_KEY_FILE)",
  )
  .option("--decision-key <key>", "the same with the key itself (visible to other users in `ps`)")
  .option("--token-ttl <ms>", "how long a signed decision stays valid", "60000")
  .option(
    "--oauth-jwks <url-or-file>",
    "require Authorization: Bearer <JWT> signed by a key in this JWKS (env GOVERNOR_SERVE_OAUTH_JWKS); needs --oauth-issuer and --oauth-audience",
  )
  .option("--oauth-issuer <iss>", "the iss a JWT must carry (env GOVERNOR_SERVE_OAUTH_ISSUER)")
  .option("--oauth-audience <aud>", "the aud a JWT must carry (env GOVERNOR_SERVE_OAUTH_AUDIENCE)")
  .option(
    "--tls-cert <file>",
    "serve HTTPS with this PEM certificate (env GOVERNOR_SERVE_TLS_CERT)",
  )
  .option("--tls-key <file>", "the certificate's PEM private key (env GOVERNOR_SERVE_TLS_KEY)")
  .option(
    "--tls-client-ca <file>",
    "require a client certificate signed by this PEM CA (env GOVERNOR_SERVE_TLS_CLIENT_CA)",
  )
  .option("--no-watch", "do not reload the policy file when it changes")
  .addHelpText(
    "after",
    "\nThe first line on stdout is `listening on http://HOST:PORT` (https:// with --tls-cert). One line per decision goes to stderr.",
  )
  .option("--debug", "print stack traces on errors (sets GOVERNOR_DEBUG=1)")
  .showHelpAfterError("fix: run `governor serve --help` for usage.")
  .exitOverride(usageExit)
  .action(async (opts) => {
    const { serveAction } = await import("./serve-action.js");
    await serveAction(opts);
  });
