import { Command } from "commander";
import { usageExit } from "../cli-support/usage-exit.js";
import { mcpInit } from "./mcp-init.js";

// Only the definition: `governor mcp --help` loads commander and this; its action loads the rest.
export type { McpOptions } from "./mcp-action.js";

const collect = (v: string, all: string[] = []) => [...all, v];

export const mcp = new Command("mcp")
  .description(
    "Run governor's MCP server: enforce for agents (stdio, or --http), or --dev for coding agents.",
  )
  .option(
    "--cwd <dir>",
    "the project: its governor.config.json, and what --dev tools work on by default",
    process.cwd(),
  )
  .option("--http", "serve Streamable HTTP at http://HOST:PORT/mcp instead of stdio")
  .option("--port <n>", "HTTP port; 0 picks a free one", "8788")
  .option("--host <host>", "HTTP address to listen on (any but loopback needs a key)", "127.0.0.1")
  .option("--allowed-host <host>", "also accept this Host header (repeatable)", collect)
  .option("--allowed-origin <origin>", "also accept this Origin (repeatable)", collect)
  .option(
    "--api-key-file <path>",
    "HTTP clients must send Authorization: Bearer <the key in this file> (or GOVERNOR_MCP_API_KEY)",
  )
  .option(
    "--policy <file>",
    "policy file (governor serve's format, relative to --cwd) for governor://policy/summary",
  )
  .option("--url <url>", "enforce base URL (default GOVERNOR_ENFORCE_URL)")
  .option(
    "--trust-actor",
    "take the actor from tool arguments when given (default: GOVERNOR_ACTOR_ID, else governor-mcp)",
  )
  .option("--dev", "the integration server for coding agents instead (scan, plan, doctor)")
  .option("--allow-apply", "with --dev: also offer governor_apply, which writes files")
  .addHelpText(
    "after",
    `
The enforce server's tools: enforce_intent, check_tool_call, explain_decision; resources
governor://policy/summary, governor://denials/recent, governor://intent/schema; prompt governed-tool-use.
Every check asks enforce (GOVERNOR_ENFORCE_URL, key GOVERNOR_API_KEY) in enforce mode, failing closed.
Who acts is GOVERNOR_ACTOR_ID (and GOVERNOR_ACTOR_TYPE), else governor-mcp; an agent can name
another actor only when the server runs with --trust-actor. With --http, stderr's first line is
\`listening on http://HOST:PORT/mcp\`; stdout stays clean.

Examples:
  governor mcp --url http://127.0.0.1:8787
  governor mcp --http --port 8788 --policy governor.policy.yaml
  GOVERNOR_MCP_API_KEY=... governor mcp --http --host 0.0.0.0 --allowed-host mcp.internal`,
  )
  .enablePositionalOptions()
  .showHelpAfterError("fix: run `governor mcp --help` for usage.")
  .exitOverride(usageExit)
  .action(async (opts) => {
    const { mcpAction } = await import("./mcp-action.js");
    await mcpAction(opts);
  })
  .addCommand(mcpInit);
