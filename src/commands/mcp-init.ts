import { Command, Option } from "commander";
import { usageExit } from "../cli-support/usage-exit.js";

// Only the definition, loaded with `governor mcp`: the action loads what `mcp init` does.
export type { McpInitCommandOptions } from "./mcp-init-action.js";

export const CLIENT_NAMES = ["claude", "cursor", "vscode", "codex"] as const;

export const mcpInit = new Command("init")
  .description(
    "Write an MCP client's project config so it starts this project's governor MCP server.",
  )
  .addOption(
    new Option("--client <client>", "the MCP client").choices(CLIENT_NAMES).makeOptionMandatory(),
  )
  .option("--dev", "the integration server for coding agents (governor mcp --dev)")
  .option("--cwd <dir>", "project directory", process.cwd())
  .option(
    "--url <url>",
    "enforce base URL for the server's env (default GOVERNOR_ENFORCE_URL, then .env.local/.env, then http://127.0.0.1:8787)",
  )
  .option("--json", 'print { "client", "file", "action", "server", "url_from", "warnings" }')
  .addHelpText(
    "after",
    "\nWrites .mcp.json (claude), .cursor/mcp.json (cursor), .vscode/mcp.json (vscode) or .codex/config.toml (codex),\nmerging into the file that is there. Example: governor mcp init --client cursor --dev",
  )
  .showHelpAfterError("fix: run `governor mcp init --help` for usage.")
  .exitOverride(usageExit)
  .action(async (opts, cmd: Command) => {
    const { mcpInitAction } = await import("./mcp-init-action.js");
    await mcpInitAction(opts, cmd);
  });
