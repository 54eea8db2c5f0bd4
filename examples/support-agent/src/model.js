import { MockLanguageModelV3 } from "ai/test";

// A scripted stand-in for an LLM, so the example runs offline with no API key.
// Like a real model it looks at what each tool returned before its next move:
// look up the order, try the refund, then email the customer and answer.
// To use a real model, pass e.g. `openai("gpt-4o")` from @ai-sdk/openai instead.
const usage = {
  inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 1, text: 1, reasoning: 0 },
};

function call(toolName, input) {
  return {
    content: [
      { type: "tool-call", toolCallId: `call_${toolName}`, toolName, input: JSON.stringify(input) },
    ],
    finishReason: { unified: "tool-calls", raw: "tool_calls" },
    usage,
    warnings: [],
  };
}

function say(text) {
  return {
    content: [{ type: "text", text }],
    finishReason: { unified: "stop", raw: "stop" },
    usage,
    warnings: [],
  };
}

function resultOf(prompt, toolName) {
  for (const m of prompt) {
    if (m.role !== "tool") continue;
    for (const part of m.content) {
      if (part.type === "tool-result" && part.toolName === toolName) return part.output;
    }
  }
  return null;
}

export const model = new MockLanguageModelV3({
  doGenerate: async ({ prompt }) => {
    const order = resultOf(prompt, "lookup_order");
    const refund = resultOf(prompt, "refund_payment");
    const email = resultOf(prompt, "send_email");
    if (!order) return call("lookup_order", { orderId: "ORD-1001" });
    // A refused lookup (policy, or no policy service to ask): say so and stop, as a model would.
    if (order.type.startsWith("error"))
      return say(
        `Sorry, I can't look up your order right now (${why(order.value)}). Please try again later.`,
      );
    const { id, total, email: customer } = order.value;
    if (!refund) return call("refund_payment", { orderId: id, amount: total });
    const refused = refund.type.startsWith("error");
    if (!email) {
      return call("send_email", {
        to: customer,
        subject: refused ? `Your refund request for ${id}` : `Your refund for ${id}`,
        body: refused ? "A colleague will review your refund shortly." : `We refunded $${total}.`,
      });
    }
    if (!refused)
      return say(
        `I found your order ${id} and refunded $${total.toFixed(2)}. A confirmation is on its way to ${customer}.`,
      );
    // Like a model would, pass on the refusal's reason and reference rather than its wording.
    const text = String(refund.value);
    const reason = /Reason: (.*?)\.( |$)/.exec(text)?.[1] ?? text;
    const ref = /request id ([\w-]+)/.exec(text)?.[1];
    return say(
      `I found your order ${id}, but I can't issue this refund myself: ${reason.charAt(0).toLowerCase() + reason.slice(1)}.\n` +
        `I've emailed you at ${customer}; a colleague will review it${ref ? ` (reference ${ref})` : ""}.`,
    );
  },
});

// The refusal's reason when the policy gave one; otherwise the policy service did not answer.
function why(text) {
  const reason = /Reason: (.*?)\.( |$)/.exec(String(text))?.[1];
  return reason
    ? reason.charAt(0).toLowerCase() + reason.slice(1)
    : "our policy service did not answer";
}
