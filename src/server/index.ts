// `governor serve`: a local enforce server. Loads the policy, listens, reloads the policy on change.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readFile } from "node:fs/promises";
import { createHandler, type ServerState, type Signer } from "./app.js";
import { createLineLog } from "./line-log.js";
import { NOT_FOUND_FIX, parsePolicy, PolicyError } from "./policy.js";
import { watchPolicy } from "./watch.js";

export { parsePolicy, loadPolicy, PolicyError, type Policy } from "./policy.js";
export { createHandler, type ServerState, type Signer } from "./app.js";

/** A policy that validates but probably does not do what its author meant. */
export function policyWarning(p: { rules: unknown[]; default: string; file: string }): string | undefined {
  if (p.rules.length === 0)
    return `warning: ${p.file} has no rules, so every request gets the default (${p.default}). Add rules under \`rules:\` (see docs/cli.md).`;
  return undefined;
}

export interface ServeOptions {
  host: string;
  port: number;
  policyFile: string;
  apiKey?: string;
  sign?: Signer;
  watch?: boolean;
  stderr?: { write(s: string): unknown };
}

export interface RunningServer {
  server: Server;
  url: string;
  state: ServerState;
  close(graceMs?: number): Promise<void>;
}

export async function startEnforceServer(opts: ServeOptions): Promise<RunningServer> {
  let text: string;
  try {
    text = await readFile(opts.policyFile, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new PolicyError(
      code === "ENOENT" ? `${opts.policyFile}: policy file not found.` : `${opts.policyFile}: cannot read the policy file (${code ?? (err as Error).message}).`,
      code === "ENOENT" ? NOT_FOUND_FIX : "Check the file's permissions, or pass --policy <file>.",
    );
  }
  const log = createLineLog(opts.stderr);
  const state: ServerState = { policy: parsePolicy(text, opts.policyFile), apiKey: opts.apiKey, sign: opts.sign, log };
  const server = createServer({ keepAliveTimeout: 65_000 }, createHandler(state));
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
      : watchPolicy(opts.policyFile, text, (p) => {
          state.policy = p;
          const warning = policyWarning(p);
          if (warning) log.write(warning);
        }, log.write);
  return {
    server,
    url: `http://${host}:${addr.port}`,
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
