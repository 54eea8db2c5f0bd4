import { Command, Option } from "commander";
import { usageExit } from "../cli-support/usage-exit.js";

// Only the definition: `governor test-intent --help` loads commander and this; its action loads
// the rest.
export type { TestIntentOptions } from "./test-intent-action.js";

export const testIntent = new Command("test-intent")
  .description(
    "Ask the enforce server one question and show the answer (exit 0 allow, 1 deny, 2 no decision).",
  )
  .option("--action <action>", "the verb, e.g. read, send, refund")
  .option("--resource <type[:name]>", "what it acts on, e.g. database:users")
  .option("--actor <id>", "who acts (default GOVERNOR_ACTOR_ID or governor-cli)")
  .option("--actor-type <type>", "user, agent or service (default agent)")
  .option("--sensitivity <a,b>", "data sensitivity labels, comma separated")
  .option("--pii", "the data includes personal information")
  .addOption(new Option("--volume <volume>", "how much data").choices(["single", "bulk"]))
  .option("--authn <value>", "risk.authn, e.g. required")
  .option("--layer <layer>", "layer (the server defaults to L4)")
  .option("--tool <name>", "build the intent from a tool call, exactly as the gate would")
  .option("--args <json>", "the tool call's arguments as JSON (only inspected, never sent)")
  .option("--config <file>", "intent map (default GOVERNOR_CONFIG or ./governor.config.json)")
  .option("--url <url>", "enforce base URL (default GOVERNOR_ENFORCE_URL)")
  .option("--api-key <key>", "bearer key (default GOVERNOR_API_KEY)")
  .option(
    "--api-key-file <path>",
    "bearer key from this file, not visible in `ps` (or GOVERNOR_API_KEY_FILE)",
  )
  .option("--timeout <ms>", "give up after this long", "5000")
  .addOption(
    new Option("--expect <decision>", "exit 0 when the decision is this, 1 otherwise").choices([
      "allow",
      "deny",
    ]),
  )
  .option("--json", "print one JSON object")
  .addHelpText(
    "after",
    "\nExamples:\n  governor test-intent --url http://127.0.0.1:8787 --action query --resource postgres_db:users\n  governor test-intent --tool refund_payment --args '{\"amount\":20}' --expect deny",
  )
  .option("--debug", "print stack traces on errors (sets GOVERNOR_DEBUG=1)")
  .showHelpAfterError("fix: run `governor test-intent --help` for usage.")
  .exitOverride(usageExit)
  .action(async (opts) => {
    const { testIntentAction } = await import("./test-intent-action.js");
    await testIntentAction(opts);
  });
