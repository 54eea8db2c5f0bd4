// The shapes the enforce MCP server speaks: the intent an agent sends, and the decision it gets back.
// Nullable wherever enforce may say nothing: the client rejects structuredContent that fails the schema.
import { z } from "zod";

export const resourceSchema = z.object({
  type: z.string().min(1).describe("What kind of thing is acted on, e.g. database, email, payment"),
  name: z.string().min(1).optional().describe("Which one, e.g. users"),
});

export const dataSchema = z.object({
  sensitivity: z
    .array(z.string().min(1))
    .optional()
    .describe("Labels such as public, internal, confidential"),
  pii: z.boolean().optional().describe("The data includes personal information"),
  volume: z.enum(["single", "bulk"]).optional().describe("One record, or many"),
});

export const actorSchema = z.object({
  id: z.string().min(1),
  type: z.string().min(1).optional().describe("user, agent or service (default agent)"),
});

/** An intent without its actor: the server supplies who acts. */
export const intentFields = {
  action: z.string().min(1).describe("The verb about to be performed, e.g. read, send, refund"),
  resource: resourceSchema,
  data: dataSchema.optional(),
  risk: z
    .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
    .optional()
    .describe('Risk attributes, e.g. { "authn": "required" }'),
  layer: z.string().min(1).optional().describe("Policy layer (the server defaults to L4)"),
};

/** With --trust-actor only: the caller may say who acts. */
export const trustedActorField = {
  actor: actorSchema.optional().describe("Who acts (honoured because of --trust-actor)"),
};

const sentIntent = z.object({
  action: z.string(),
  actor: z.object({ id: z.string(), type: z.string() }),
  resource: z.object({ type: z.string(), name: z.string().optional() }).passthrough(),
  data: z.record(z.string(), z.unknown()).optional(),
  risk: z.record(z.string(), z.unknown()).optional(),
  layer: z.string().optional(),
});

export const decisionFields = {
  decision: z.enum(["ALLOW", "DENY"]),
  reason: z.string().nullable(),
  deny_code: z.string().nullable(),
  request_id: z.string().nullable(),
  expires_at: z.string().nullable(),
  decision_token: z.string().nullable(),
  intent: sentIntent.describe("The intent sent to enforce"),
};

export const toolCallOutput = {
  tool: z.string(),
  ...decisionFields,
};

export const explainFields = {
  decision: z.enum(["ALLOW", "DENY"]).nullable(),
  request_id: z.string().nullable(),
  reason: z.string().nullable(),
  deny_code: z.string().nullable(),
  matched_rule: z.string().nullable().describe("The rule that decided (null: the default)"),
  canonicalization_trace: z.array(z.unknown()),
  what_would_allow: z.array(z.string()),
  policy_visible: z.boolean(),
};

/** The intent schema as JSON Schema, for governor://intent/schema. */
export function intentJsonSchema(trustActor: boolean): unknown {
  return z.toJSONSchema(z.object({ ...intentFields, ...(trustActor ? trustedActorField : {}) }));
}
