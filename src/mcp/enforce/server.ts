// The enforce MCP server: tools enforce_intent, check_tool_call and explain_decision; resources
// governor://policy/summary, governor://denials/recent and governor://intent/schema; prompt
// governed-tool-use. One McpServer per session (stdio) or per request (stateless HTTP), sharing one
// EnforceContext. Advisory: the runtime gate stays the enforcement point.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { buildIntent, type Actor, type Intent } from "../../runtime/index.js";
import { checkAndRecord, type Checked, type EnforceContext } from "./context.js";
import { RECENT_MAX } from "./recent.js";
import {
  decisionFields,
  explainFields,
  intentFields,
  intentJsonSchema,
  toolCallOutput,
  trustedActorField,
} from "./schema.js";

export const INSTRUCTIONS =
  "governor decides whether an action is allowed by policy. Before any action with side effects " +
  "(writing, sending, deleting, paying, running), call enforce_intent (or check_tool_call with the tool " +
  "and its arguments) and act only on ALLOW. On DENY, do not retry the same action: tell the user the " +
  "reason. Never claim a denied action succeeded.";

export const GOVERNED_TOOL_USE = `You work under a policy that governor enforces.

1. Before any action with side effects (writing, sending, deleting, paying, running code, calling an
   external service), call \`enforce_intent\` with what you are about to do: the action (a verb), the
   resource (its type and name), and what you know about the data (sensitivity, pii, volume). If you
   are about to call a tool, \`check_tool_call\` with the tool's name and arguments does the same.
2. Go ahead only when the decision is ALLOW.
3. On DENY, do not retry the same action, and do not look for a way around it (another tool, a
   rephrased intent). Tell the user that it was denied and why, in the words of the reason; with a
   request id, \`explain_decision\` says which rule decided and what would allow it.
4. Never say or imply that a denied action was done.
5. A DENY that says there was no decision means governor could not reach its policy service: treat it
   as a DENY and tell the user.`;

type IntentArgs = {
  action: string;
  resource: { type: string; name?: string };
  data?: Intent["data"];
  risk?: Record<string, unknown>;
  layer?: string;
  actor?: { id: string; type?: string };
};

function actorFor(ctx: EnforceContext, given: IntentArgs["actor"]): Actor {
  return ctx.trustActor && given ? { id: given.id, type: given.type || "agent" } : ctx.actor;
}

function intentOf(ctx: EnforceContext, a: IntentArgs): Intent {
  const intent: Intent = {
    action: a.action,
    actor: actorFor(ctx, a.actor),
    resource: a.resource.name
      ? { type: a.resource.type, name: a.resource.name }
      : { type: a.resource.type },
  };
  if (a.data && Object.keys(a.data).length) intent.data = a.data;
  if (a.risk && Object.keys(a.risk).length) intent.risk = a.risk;
  if (a.layer) intent.layer = a.layer;
  return intent;
}

const resourceText = (i: Intent) =>
  `${i.resource.type}${i.resource.name ? ":" + i.resource.name : ""}`;

function summaryLine(c: Checked): string {
  const asked = `${c.intent.action} ${resourceText(c.intent)} as ${c.intent.actor.id}`;
  if (c.decision === "ALLOW")
    return `ALLOW: ${asked} may go ahead${c.request_id ? ` (request id ${c.request_id})` : ""}.`;
  const code = c.deny_code ? ` [${c.deny_code}]` : "";
  const id = c.request_id ? ` Request id ${c.request_id} (explain_decision says more).` : "";
  return `DENY${code}: ${asked}. ${c.reason ?? "Denied by policy."}${id} Do not retry this action; tell the user why.`;
}

function decisionOut(c: Checked) {
  return {
    decision: c.decision,
    reason: c.reason,
    deny_code: c.deny_code,
    request_id: c.request_id,
    expires_at: c.expires_at,
    decision_token: c.decision_token,
    intent: c.intent,
  };
}

function result(
  text: string,
  structured: Record<string, unknown>,
  isError = false,
): CallToolResult {
  return {
    content: [{ type: "text", text }],
    structuredContent: structured,
    ...(isError && { isError: true }),
  };
}

const json = (uri: string, value: unknown) => ({
  contents: [{ uri, mimeType: "application/json", text: JSON.stringify(value, null, 2) }],
});

export function createEnforceMcpServer(ctx: EnforceContext, version = "0.0.0"): McpServer {
  const server = new McpServer(
    { name: "governor", title: "governor (enforce)", version },
    { instructions: INSTRUCTIONS },
  );
  const actorField = ctx.trustActor ? trustedActorField : {};

  server.registerTool(
    "enforce_intent",
    {
      title: "Ask the policy before acting",
      description:
        "Ask governor's policy whether an action is allowed before you take it. Returns ALLOW or DENY with the reason. " +
        "Call it before any side-effecting action; on DENY do not retry, tell the user why.",
      inputSchema: { ...intentFields, ...actorField },
      outputSchema: decisionFields,
      annotations: { readOnlyHint: true, idempotentHint: true, destructiveHint: false },
    },
    async (args) => {
      const c = await checkAndRecord(
        ctx,
        intentOf(ctx, args as IntentArgs),
        "enforce_intent",
        null,
      );
      return result(summaryLine(c), decisionOut(c), c.noDecision);
    },
  );

  server.registerTool(
    "check_tool_call",
    {
      title: "Check a tool call against the policy",
      description:
        "Give a tool's name and the arguments you would call it with: governor builds the intent its gate would " +
        "(argument values are only inspected, never sent or echoed) and asks the policy. Returns the intent and ALLOW or DENY.",
      inputSchema: {
        tool: z.string().min(1).describe("The tool's name, as registered"),
        arguments: z
          .record(z.string(), z.unknown())
          .optional()
          .describe("The arguments you would pass (inspected for pii and volume only)"),
        ...actorField,
      },
      outputSchema: toolCallOutput,
      annotations: { readOnlyHint: true, idempotentHint: true, destructiveHint: false },
    },
    async (args) => {
      const a = args as {
        tool: string;
        arguments?: Record<string, unknown>;
        actor?: IntentArgs["actor"];
      };
      const intent = buildIntent(a.tool, a.arguments ?? {}, {
        map: ctx.map,
        actor: actorFor(ctx, a.actor),
      });
      const c = await checkAndRecord(ctx, intent, "check_tool_call", a.tool);
      return result(
        `${a.tool}: ${summaryLine(c)}`,
        { tool: a.tool, ...decisionOut(c) },
        c.noDecision,
      );
    },
  );

  server.registerTool(
    "explain_decision",
    {
      title: "Explain a decision",
      description:
        "Give a request id from this server's recent decisions, or an intent: says which rule decided, how enforce " +
        "read the intent (canonicalization trace), and what change of intent or policy would allow it.",
      inputSchema: {
        request_id: z
          .string()
          .min(1)
          .optional()
          .describe("A request id from enforce_intent or check_tool_call"),
        intent: z
          .object({ ...intentFields, ...actorField })
          .optional()
          .describe("Or an intent to decide and explain"),
      },
      outputSchema: explainFields,
      annotations: { readOnlyHint: true, idempotentHint: true, destructiveHint: false },
    },
    async (args) => {
      const a = args as { request_id?: string; intent?: IntentArgs };
      let decided: Checked | undefined;
      let intent: Intent;
      let trace: unknown[];
      let d: {
        decision: "ALLOW" | "DENY";
        rule_id: string | null;
        reason: string | null;
        deny_code: string | null;
        request_id: string | null;
      };
      if (a.request_id) {
        const entry = ctx.recent.byRequestId(a.request_id);
        if (!entry)
          return {
            content: [
              {
                type: "text",
                text: `No decision with that request id among this server's last ${RECENT_MAX} decisions. Give the intent instead.`,
              },
            ],
            isError: true,
          };
        ({ intent } = entry);
        trace = entry.canonicalization_trace;
        d = entry;
      } else if (a.intent) {
        decided = await checkAndRecord(ctx, intentOf(ctx, a.intent), "explain_decision", null);
        ({ intent, trace } = decided);
        d = decided;
      } else
        return {
          content: [
            {
              type: "text",
              text: "Give request_id (from enforce_intent or check_tool_call) or intent.",
            },
          ],
          isError: true,
        };
      if (!trace.length) trace = await canonicalTrace(ctx, intent);
      const s = await ctx.policy.summary();
      const summary = "summary" in s ? s.summary : null;
      // Loaded on first use: it reads serve's matcher (and yaml behind it).
      const { explainIntent } = await import("./explain.js");
      const ex = explainIntent(intent, d, trace, summary, "none" in s ? s.none : "");
      const out = {
        decision: decided?.noDecision ? null : d.decision,
        request_id: d.request_id,
        reason: d.reason,
        deny_code: d.deny_code,
        matched_rule: ex.matched_rule,
        canonicalization_trace: trace,
        what_would_allow: ex.what_would_allow,
        policy_visible: summary !== null,
      };
      const head = decided?.noDecision
        ? `No decision: ${d.reason}`
        : `${d.decision}${d.deny_code ? ` [${d.deny_code}]` : ""}: ${d.reason ?? ""} Matched rule: ${ex.matched_rule ?? "none (the policy default)"}.`;
      return result(
        [head, ...ex.what_would_allow.map((h) => `- ${h}`)].join("\n"),
        out,
        Boolean(decided?.noDecision),
      );
    },
  );

  server.registerResource(
    "policy-summary",
    "governor://policy/summary",
    {
      title: "Policy summary",
      description:
        "What the policy allows and denies, by action and resource, with rule ids (first match decides).",
      mimeType: "application/json",
    },
    async (uri) => {
      const s = await ctx.policy.summary();
      return json(
        uri.href,
        "summary" in s ? { visible: true, ...s.summary } : { visible: false, message: s.none },
      );
    },
  );

  server.registerResource(
    "denials-recent",
    "governor://denials/recent",
    {
      title: "Recent denials",
      description: `This server's most recent DENY decisions (newest first, at most 50; secrets removed).`,
      mimeType: "application/json",
    },
    async (uri) => json(uri.href, { denials: ctx.recent.denials(50) }),
  );

  server.registerResource(
    "intent-schema",
    "governor://intent/schema",
    {
      title: "Intent schema",
      description: "The JSON Schema of the intent enforce_intent takes.",
      mimeType: "application/schema+json",
    },
    async (uri) => ({
      contents: [
        {
          uri: uri.href,
          mimeType: "application/schema+json",
          text: JSON.stringify(intentJsonSchema(ctx.trustActor), null, 2),
        },
      ],
    }),
  );

  server.registerPrompt(
    "governed-tool-use",
    {
      title: "Governed tool use",
      description:
        "How to act under governor's policy: ask first, stop on DENY, never claim a denied action succeeded.",
    },
    () => ({
      messages: [{ role: "user", content: { type: "text", text: GOVERNED_TOOL_USE } }],
    }),
  );

  return server;
}

/** The trace from POST /api/v2/canonicalize, when the decision carried none and enforce has it. */
async function canonicalTrace(ctx: EnforceContext, intent: Intent): Promise<unknown[]> {
  const got = await ctx.enforce.post("/api/v2/canonicalize", intent).catch(() => undefined);
  const t = (got?.body as { canonicalization_trace?: unknown } | undefined)?.canonicalization_trace;
  return got?.status === 200 && Array.isArray(t) ? t : [];
}
