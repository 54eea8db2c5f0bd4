// serve's options as zod checks them: loaded only for options that do not plainly pass
// (src/commands/serve-options.ts), so a plain `governor serve` listens without loading zod.
import { z } from "zod";

export const serveOptionsSchema = z.object({
  host: z.string().min(1),
  port: z.coerce
    .number({ error: "expected a number" })
    .int("expected a whole number")
    .min(0)
    .max(65535, "expected a port between 0 and 65535"),
  policy: z.string().min(1).optional(),
  apiKey: z.string().min(1).optional(),
  apiKeyFile: z.string().min(1).optional(),
  decisionKey: z.string().min(1).optional(),
  decisionKeyFile: z.string().min(1).optional(),
  oauthJwks: z.string().min(1).optional(),
  oauthIssuer: z.string().min(1).optional(),
  oauthAudience: z.string().min(1).optional(),
  tlsCert: z.string().min(1).optional(),
  tlsKey: z.string().min(1).optional(),
  tlsClientCa: z.string().min(1).optional(),
  tokenTtl: z.coerce
    .number({ error: "expected a number" })
    .int()
    .positive("expected a positive number of milliseconds"),
  watch: z.boolean(),
});
export type ServeOptions = z.infer<typeof serveOptionsSchema>;
