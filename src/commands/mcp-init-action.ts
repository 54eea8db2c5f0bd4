// What `governor mcp init` does, loaded by its action (src/commands/mcp-init.ts); the config
// writer (and ts-morph behind its JSONC edits) loads only when it runs.
import type { Command, OptionValues } from "commander";
import path from "node:path";
import { z } from "zod";
import { handleError, print } from "../cli-support/index.js";
import { CLIENT_NAMES } from "./mcp-init.js";

export const mcpInitOptionsSchema = z.object({
  client: z.enum(CLIENT_NAMES),
  dev: z.boolean().optional(),
  cwd: z.string().min(1),
  url: z.string().min(1).optional(),
  json: z.boolean().optional(),
});
export type McpInitCommandOptions = z.infer<typeof mcpInitOptionsSchema>;

export async function runMcpInitCommand(o: McpInitCommandOptions): Promise<void> {
  const { runMcpInit, clientLabel } = await import("../mcp/client-config.js");
  const out = runMcpInit({ client: o.client, cwd: path.resolve(o.cwd), dev: o.dev, url: o.url });
  for (const w of out.warnings) process.stderr.write(`warning: ${w}\n`);
  if (o.json) {
    print(
      JSON.stringify({
        client: out.client,
        file: out.file,
        action: out.action,
        server: out.server,
        url_from: out.urlFrom,
        warnings: out.warnings,
      }),
    );
    return;
  }
  const what = o.dev
    ? "the integration server (governor mcp --dev)"
    : "the enforce server (governor mcp)";
  const env = out.server.env as Record<string, string>;
  const lines =
    out.action === "unchanged"
      ? [`unchanged ${out.file}: ${clientLabel(out.client)} already starts ${what}.`]
      : [
          `${out.action} ${out.file}: ${clientLabel(out.client)} starts ${what} as`,
          `  ${out.server.command} ${(out.server.args as string[]).join(" ")}`,
          `  GOVERNOR_ENFORCE_URL=${env.GOVERNOR_ENFORCE_URL} (from ${out.urlFrom})`,
          "No key is written: the server reads GOVERNOR_API_KEY from the environment the client starts from.",
        ];
  lines.push(`next: ${out.next}`);
  print(lines.join("\n"));
}

export async function mcpInitAction(opts: OptionValues, cmd: Command): Promise<void> {
  try {
    // `governor mcp --cwd p --dev init` also counts: options given to mcp before init are read too
    const given = (c: Command | null | undefined, name: string) =>
      c?.getOptionValueSource(name) === "cli" ? c.opts()[name] : undefined;
    const merged = {
      ...opts,
      dev: opts.dev ?? given(cmd.parent, "dev"),
      url: opts.url ?? given(cmd.parent, "url"),
      cwd: given(cmd, "cwd") ?? given(cmd.parent, "cwd") ?? opts.cwd,
    };
    await runMcpInitCommand(mcpInitOptionsSchema.parse(merged));
  } catch (err) {
    handleError(err, { json: opts.json, command: "mcp init" });
  }
}
