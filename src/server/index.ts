// `governor serve`: a local enforce server. Loads the policy, listens, reloads the policy on change.
import { createServer, type Server } from "node:http";
import type { SecureContextOptions, TLSSocket } from "node:tls";
import type { AddressInfo } from "node:net";
import { answerClientError, createHandler, type ServerState, type Signer } from "./app.js";
import { createLineLog } from "./line-log.js";
import { compilePolicy, policyHome, readPolicyFile } from "./policy-file.js";
import { watchPolicy } from "./watch.js";

export { parsePolicy, PolicyError, type Policy } from "./policy.js";
export { createHandler, type ServerState, type Signer } from "./app.js";
export type { JwtVerifier } from "./jwt.js";

/** A policy that validates but probably does not do what its author meant. */
export function policyWarning(p: {
  rules: unknown[];
  default: string;
  file: string;
}): string | undefined {
  if (p.rules.length === 0)
    return `warning: ${p.file} has no rules, so every request gets the default (${p.default}). Add rules under \`rules:\` (see docs/cli.md).`;
  return undefined;
}

export interface ServeOptions {
  host: string;
  port: number;
  policyFile: string;
  apiKey?: string;
  /** Verify `Authorization: Bearer <JWT>` with this instead of a key (src/server/jwt.ts). */
  verifyBearer?: ServerState["verifyBearer"];
  /** HTTPS with this certificate and key (PEM); with `clientCa`, a client certificate it signed is required. */
  tls?: ServeTls;
  sign?: Signer;
  watch?: boolean;
  stderr?: { write(s: string): unknown };
}

export interface ServeTls {
  cert: string;
  key: string;
  clientCa?: string;
}

/** node:https options for `tls`: a client CA means no connection without a certificate it signed. */
function httpsOptions(tls: ServeTls): SecureContextOptions & {
  requestCert: boolean;
  rejectUnauthorized: boolean;
} {
  const required = tls.clientCa !== undefined;
  return {
    cert: tls.cert,
    key: tls.key,
    ca: tls.clientCa,
    requestCert: required,
    rejectUnauthorized: required,
  };
}

export interface RunningServer {
  server: Server;
  url: string;
  state: ServerState;
  close(graceMs?: number): Promise<void>;
}

export async function startEnforceServer(opts: ServeOptions): Promise<RunningServer> {
  const text = await readPolicyFile(opts.policyFile);
  const home = await policyHome(opts.policyFile);
  const log = createLineLog(opts.stderr);
  const state: ServerState = {
    policy: compilePolicy(text, opts.policyFile),
    apiKey: opts.apiKey,
    verifyBearer: opts.verifyBearer,
    sign: opts.sign,
    log,
  };
  // node:https only when asked: a plain serve does not load the TLS layer.
  const server: Server = opts.tls
    ? (await import("node:https")).createServer(
        { ...httpsOptions(opts.tls), keepAliveTimeout: 65_000 },
        createHandler(state),
      )
    : createServer({ keepAliveTimeout: 65_000 }, createHandler(state));
  server.on("clientError", answerClientError);
  // A refused handshake never reaches the handler: say so, or a missing client certificate is silent.
  if (opts.tls)
    // node drops a certificate that does not verify without an error of its own (ECONNRESET): the
    // socket's authorizationError says why.
    server.on("tlsClientError", (err: NodeJS.ErrnoException, socket: TLSSocket) =>
      log.write(
        `${new Date().toISOString()} REJECTED TLS handshake (${socket.authorizationError ?? err.code ?? err.name})` +
          (opts.tls?.clientCa
            ? ": a client certificate signed by --tls-client-ca is required"
            : ""),
      ),
    );
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  const watcher =
    opts.watch === false
      ? undefined
      : watchPolicy({
          file: opts.policyFile,
          text,
          home,
          current: () => state.policy,
          onPolicy: (p) => {
            state.policy = p;
            const warning = policyWarning(p);
            if (warning) log.write(warning);
          },
          log: log.write,
        });
  return {
    server,
    url: `${opts.tls ? "https" : "http"}://${host}:${addr.port}`,
    state,
    // Stop taking connections, let requests in flight get their answer, drop idle keep-alive sockets;
    // whatever is still open after graceMs is cut.
    close: (graceMs = 1500) =>
      new Promise((resolve) => {
        watcher?.close();
        const cut = setTimeout(() => server.closeAllConnections(), graceMs);
        cut.unref();
        server.close(() => {
          clearTimeout(cut);
          log.flush();
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
