// GOVERNOR_DEBUG=1: the one debug switch, CLI and runtime. Lines go to stderr, never stdout (stdio
// MCP servers use stdout for JSON-RPC).
export function debugOn(): boolean {
  const v = process.env.GOVERNOR_DEBUG;
  return v === "1" || v === "true";
}

export function debug(message: string): void {
  if (debugOn()) process.stderr.write(`governor[debug]: ${message}\n`);
}
