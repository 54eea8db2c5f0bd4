import { Command } from "commander";

// Placeholder while issue 12 is built: writes a client's MCP configuration.
export const mcpInit = new Command("init").description(
  "Write an MCP client's configuration for governor's server.",
);
