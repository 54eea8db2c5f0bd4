// Starting `governor mcp`: the enforce server (or, with --dev, the integration server) over stdio or
// Streamable HTTP. stdout carries JSON-RPC only; every log line goes to stderr. Everything that can be
// wrong (policy file, intent map, URL, keys, a non-loopback host without a key) fails before the handshake.
import { createRequire } from "node:module";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { CliError } from "../cli-support/errors.js";
import { listenError } from "../cli-support/listen.js";
import { isLoopback } from "../runtime/loopback.js";

export interface McpRunOptions {
  http: boolean;
  /** The project: where the intent map is found and what --dev tools work on by default. */
  cwd: string;
  host: string;
  port: number;
  allowedHosts: string[];
  allowedOrigins: string[];
  /** This server's own bearer key (HTTP), from --api-key-file or GOVERNOR_MCP_API_KEY. */
  apiKey?: string;
  policyFile?: string;
  url?: string;
  trustActor: boolean;
  dev: boolean;
  allowApply: boolean;
  env?: NodeJS.ProcessEnv;
}

function ownVersion(): string {
  const require = createRequire(import.meta.url);
  for (const p of ["../package.json", "../../package.json"]) {
    try {
      return (require(p) as { version: string }).version;
    } catch {
      // not this layout (dist/ or src/mcp/)
    }
  }
  return "0.0.0";
}

interface Started {
  createServer(): McpServer;
  close(): Promise<void>;
}

async function enforceServer(o: McpRunOptions): Promise<Started> {
  const [{ createEnforceContext }, { createEnforceMcpServer }] = await Promise.all([
    import("./enforce/context.js"),
    import("./enforce/server.js"),
  ]);
  const ctx = await createEnforceContext({
    url: o.url,
    cwd: o.cwd,
    policyFile: o.policyFile,
    trustActor: o.trustActor,
    mcpKey: o.apiKey,
    env: o.env,
  });
  const version = ownVersion();
  return { createServer: () => createEnforceMcpServer(ctx, version), close: () => ctx.close() };
}

async function devServer(o: McpRunOptions): Promise<Started> {
  const { createDevMcpServer, devState } = await import("./dev/server.js");
  // one state for every HTTP request: a plan shown on one request is applied on another
  const state = devState();
  const options = { cwd: o.cwd, allowApply: o.allowApply, env: o.env };
  return { createServer: () => createDevMcpServer(options, state), close: async () => {} };
}

export async function checkHttpOptions(o: McpRunOptions): Promise<void> {
  if (!o.http) {
    const given =
      o.port !== 8788 || o.host !== "127.0.0.1" || o.allowedHosts.length || o.allowedOrigins.length;
    if (given)
      throw new CliError(
        "invalid_options",
        "--port, --host, --allowed-host and --allowed-origin apply to --http only.",
        "Add --http, or leave them out for stdio.",
      );
    return;
  }
  // Loaded for --http only: the stdio handshake never pays for the HTTP transport.
  if (!isLoopback(o.host) && !o.apiKey)
    throw new CliError(
      "mcp_key_required",
      `--host ${o.host} is reachable from other machines, and no key is set: anyone who can reach it could ask.`,
      "Give a key: --api-key-file <path> or GOVERNOR_MCP_API_KEY (clients send Authorization: Bearer <key>), or use --host 127.0.0.1.",
    );
}

/** Runs until the client goes away (stdio: the transport closes or stdin ends) or SIGINT/SIGTERM. */
export async function runMcp(o: McpRunOptions): Promise<void> {
  if (!o.dev && o.allowApply)
    throw new CliError(
      "invalid_options",
      "--allow-apply is for --dev only.",
      "Add --dev, or leave out --allow-apply.",
    );
  // the --dev tools read the project's own settings (GOVERNOR_ENFORCE_URL, its policy): a flag for
  // the enforce server would be silently ignored there
  const enforceOnly = [
    o.url !== undefined && "--url",
    o.policyFile !== undefined && "--policy",
    o.trustActor && "--trust-actor",
  ].filter(Boolean);
  if (o.dev && enforceOnly.length)
    throw new CliError(
      "invalid_options",
      `${enforceOnly.join(", ")} ${enforceOnly.length > 1 ? "are" : "is"} for the enforce server, not --dev.`,
      "Leave them out with --dev (its tools use GOVERNOR_ENFORCE_URL and take a policy file per call).",
    );
  await checkHttpOptions(o);
  const started = o.dev ? await devServer(o) : await enforceServer(o);
  let stopping = false;
  let stopTransport: () => Promise<void> = async () => {};
  const stop = (code = 0) => {
    if (stopping) return;
    stopping = true;
    const done = () => process.exit(code);
    Promise.allSettled([stopTransport(), started.close()]).then(done, done);
    setTimeout(done, 2000).unref();
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => stop());
  // A gone client must not turn into a crash on a log write.
  process.stderr.on("error", () => {});
  if (o.http) {
    const { startHttpHost } = await import("./http.js");
    let host;
    try {
      host = await startHttpHost({
        host: o.host,
        port: o.port,
        allowedHosts: o.allowedHosts,
        allowedOrigins: o.allowedOrigins,
        apiKey: o.apiKey,
        createServer: started.createServer,
      });
    } catch (err) {
      await started.close();
      throw listenError(err, o.host, o.port, 8788);
    }
    stopTransport = host.close;
    process.stderr.write(`listening on ${host.url}\n`);
    process.stderr.write(
      `governor mcp: ${o.dev ? "integration (--dev)" : "enforce"} server; auth ${o.apiKey ? "required (bearer key)" : "off"}; Ctrl-C to stop\n`,
    );
    return;
  }
  const server = started.createServer();
  const transport = new StdioServerTransport();
  transport.onclose = () => stop();
  process.stdin.on("end", () => stop());
  process.stdout.on("error", () => stop());
  stopTransport = () => server.close();
  await server.connect(transport);
}
