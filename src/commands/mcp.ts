import { Command } from "commander";
import { mcpInit } from "./mcp-init.js";

// Placeholder while issue 12 is built: the enforce server and --dev land here.
export const mcp = new Command("mcp")
  .description("Run governor's MCP server (enforce for agents; --dev for coding agents).")
  .addCommand(mcpInit);
