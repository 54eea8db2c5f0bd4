import { generateText, stepCountIs } from "ai";
import { model } from "./model.js";
import { tools } from "./tools.js";

const question =
  process.argv[2] ?? "My espresso machine (order ORD-1001) arrived broken. Please refund me.";
console.log(`Customer: ${question}`);

const result = await generateText({
  model,
  system: "You are the support agent of a coffee-gear shop.",
  prompt: question,
  tools,
  stopWhen: stepCountIs(8),
  // Show each tool call as it finishes: what ran, and what was refused.
  onStepFinish: ({ content }) => {
    for (const part of content) {
      if (part.type === "tool-result") console.log(`  -> ${part.toolName}: done`);
      if (part.type === "tool-error")
        console.log(`  -> ${part.toolName}: NOT RUN. ${summary(part.error)}`);
    }
  },
});

console.log(`Agent: ${result.text.replace(/\n/g, "\n       ")}`);

// The refusal's first sentences; the rest is guidance meant for the model.
function summary(error) {
  const text = String(error instanceof Error ? error.message : error).split("\n")[0];
  return text.split(" Do not retry")[0];
}
