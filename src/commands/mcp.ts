import { Command } from "commander";
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { CliError, handleError, usageExit } from "../cli-support/index.js";
import { resolveKey } from "../cli-support/secrets.js";
import { mcpInit } from "./mcp-init.js";

export const mcpOptionsSchema = z.object({
  cwd: z.string().min(1),
  http: z.boolean().default(false),
  port: z.coerce
    .number({ error: "expected a number" })
    .int("expected a whole number")
    .min(0)
    .max(65535, "expected a port between 0 and 65535"),
  host: z.string().min(1),
  allowedHost: z.array(z.string().min(1)).default([]),
  allowedOrigin: z
    .array(
      z
        .string()
        .regex(/^https?:\/\/[^/\s]+\/?$/i, "expected an origin such as https://app.example.com"),
    )
    .default([]),
  apiKeyFile: z.string().min(1).optional(),
  policy: z.string().min(1).optional(),
  url: z.string().min(1).optional(),
  trustActor: z.boolean().default(false),
  dev: z.boolean().default(false),
  allowApply: z.boolean().default(false),
});
export type McpOptions = z.infer<typeof mcpOptionsSchema>;

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
    try {
      const o = mcpOptionsSchema.parse(opts);
      const env = process.env;
      const apiKey = resolveKey(
        { flag: "--api-key", env: "GOVERNOR_MCP_API_KEY" },
        { file: o.apiKeyFile },
        { env },
      );
      // Its clients hold this key: it must never be the one that reaches enforce.
      if (apiKey && apiKey === env.GOVERNOR_API_KEY)
        throw new CliError(
          "invalid_options",
          "this server's key is the enforce key (GOVERNOR_API_KEY).",
          "Give governor mcp a key of its own (--api-key-file or GOVERNOR_MCP_API_KEY): its clients must not hold the key to enforce.",
        );
      const cwd = path.resolve(o.cwd);
      if (!existsSync(cwd) || !statSync(cwd).isDirectory())
        throw new CliError(
          "cwd_missing",
          `--cwd ${o.cwd} is not a directory.`,
          "Pass the directory of your project.",
        );
      const { runMcp } = await import("../mcp/run.js");
      await runMcp({
        http: o.http,
        cwd,
        host: o.host,
        port: o.port,
        allowedHosts: o.allowedHost,
        allowedOrigins: o.allowedOrigin,
        apiKey,
        policyFile: o.policy && path.resolve(cwd, o.policy),
        url: o.url,
        trustActor: o.trustActor,
        dev: o.dev,
        allowApply: o.allowApply,
        env,
      });
    } catch (err) {
      handleError(err, { command: "mcp" });
    }
  })
  .addCommand(mcpInit);
