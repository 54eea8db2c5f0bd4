// `governor serve`: a local enforce server. Loads the policy, listens, reloads the policy on change.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readFile } from "node:fs/promises";
import { createHandler, type ServerState, type Signer } from "./app.js";
import { createLineLog } from "./line-log.js";
import { parsePolicy, PolicyError } from "./policy.js";
import { watchPolicy } from "./watch.js";

export { parsePolicy, loadPolicy, PolicyError, type Policy } from "./policy.js";
export { createHandler, type ServerState, type Signer } from "./app.js";

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
  close(): Promise<void>;
}

export async function startEnforceServer(opts: ServeOptions): Promise<RunningServer> {
  let text: string;
  try {
    text = await readFile(opts.policyFile, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new PolicyError(
      code === "ENOENT"
        ? `${opts.policyFile}: policy file not found. Pass --policy <file> with a YAML or JSON policy (see docs/cli.md).`
        : `${opts.policyFile}: cannot read the policy file (${code ?? (err as Error).message}).`,
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
  const watcher = opts.watch === false ? undefined : watchPolicy(opts.policyFile, text, (p) => (state.policy = p), log.write);
  return {
    server,
    url: `http://${host}:${addr.port}`,
    state,
    close: () =>
      new Promise((resolve) => {
        watcher?.close();
        log.flush();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
