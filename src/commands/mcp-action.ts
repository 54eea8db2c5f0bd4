// What `governor mcp` does, loaded by its action (src/commands/mcp.ts); the server itself loads
// after the options pass.
import type { OptionValues } from "commander";
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { CliError, handleError } from "../cli-support/index.js";
import { resolveKey } from "../cli-support/secrets.js";

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

export async function mcpAction(opts: OptionValues): Promise<void> {
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
}
