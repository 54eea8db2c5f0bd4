// Why a server command could not listen, as the CLI's error: serve and mcp --http say it alike.
import { CliError } from "./errors.js";

/** The CliError for a failed listen (port taken, not allowed, no such address), else `err` itself. */
export function listenError(err: unknown, host: string, port: number, example: number): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "EADDRINUSE")
    return new CliError(
      "port_in_use",
      `port ${port} on ${host} is already in use.`,
      "Pick another with --port <n>, or --port 0 for any free port.",
    );
  if (code === "EACCES")
    return new CliError(
      "listen_refused",
      `not allowed to listen on ${host}:${port}.`,
      `Use a port above 1024, e.g. --port ${example}.`,
    );
  if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND")
    return new CliError(
      "host_unavailable",
      `cannot listen on host ${host}.`,
      "Use --host 127.0.0.1 (or an address of this machine).",
    );
  return err;
}
