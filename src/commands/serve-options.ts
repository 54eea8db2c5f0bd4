// serve's options without zod when they plainly pass its schema: zod takes ~70 ms to load, about
// half of what a bare yaml + node:http server needs to listen. Anything else goes to the schema, so
// every refusal still carries zod's message.
import type { ServeOptions } from "./serve-schema.js";

const KEYS = [
  "policy",
  "apiKey",
  "apiKeyFile",
  "decisionKey",
  "decisionKeyFile",
  "oauthJwks",
  "oauthIssuer",
  "oauthAudience",
  "tlsCert",
  "tlsKey",
  "tlsClientCa",
] as const;

/** A string of at most 15 digits as its number (what z.coerce.number gives), else undefined. */
function digits(v: unknown): number | undefined {
  return typeof v === "string" && /^[0-9]{1,15}$/.test(v) ? Number(v) : undefined;
}

/** What serveOptionsSchema.parse(opts) returns, when it surely would; undefined when the schema must say. */
export function plainServeOptions(opts: Record<string, unknown>): ServeOptions | undefined {
  const port = digits(opts.port);
  const tokenTtl = digits(opts.tokenTtl);
  const { host, watch } = opts;
  if (typeof host !== "string" || host === "" || typeof watch !== "boolean") return undefined;
  if (port === undefined || port > 65535 || tokenTtl === undefined || tokenTtl < 1)
    return undefined;
  const out: ServeOptions = { host, port, tokenTtl, watch };
  for (const key of KEYS) {
    const v = opts[key];
    if (v === undefined) continue;
    if (typeof v !== "string" || v === "") return undefined;
    out[key] = v;
  }
  return out;
}

/** The options as serve runs with them: plainly valid ones without zod, the rest through the schema. */
export async function parseServeOptions(opts: Record<string, unknown>): Promise<ServeOptions> {
  return (
    plainServeOptions(opts) ?? (await import("./serve-schema.js")).serveOptionsSchema.parse(opts)
  );
}
