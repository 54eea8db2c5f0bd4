// The AI SDK adapter's patch() on export shapes: the real CJS build (esbuild getters), an AI SDK 5
// agent (generate/stream read this.settings), and versions whose API it does not know.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createRequire } from "node:module";
import * as ai from "ai";
import { MockLanguageModelV3 } from "ai/test";
import { z } from "zod";
import { instrumentation } from "../../src/runtime/adapters/ai-sdk.js";
import type { PatchInfo } from "../../src/runtime/adapters/types.js";
import type { GateHost } from "../../src/runtime/gate.js";
import { allow, deny, startEnforce, type EnforceServer } from "../support/enforce-server.js";
import { closeAll, makeGovernor } from "../runtime/helpers.js";

let server: EnforceServer;
beforeAll(async () => {
  server = await startEnforce((req) => (req.body?.action === "send" ? deny("d-1") : allow("a-1")));
});
afterAll(() => server.close());
afterEach(() => closeAll());

const info = (
  over: Partial<PatchInfo>,
  host: () => GateHost = () => ({ before: async () => Symbol.for("governor.run") as never }),
): PatchInfo => ({ specifier: "ai", format: "esm", version: "6.0.0", host, ...over });

describe("AI SDK instrumentation.patch", () => {
  it("CJS: a replacement with every other export as it was; name and length kept; patching it again wraps nothing twice", () => {
    const cjs = createRequire(import.meta.url)("ai");
    const r = instrumentation.patch(cjs, info({ format: "cjs" }));
    const out = r.exports as typeof cjs;
    expect(r.missing).toEqual([]);
    expect(Object.keys(out).sort()).toEqual(Object.keys(cjs).sort());
    expect(out.tool).toBe(cjs.tool);
    expect(out.ToolLoopAgent).toBe(cjs.ToolLoopAgent);
    expect(out.generateText).not.toBe(cjs.generateText);
    expect([out.generateText.name, out.generateText.length]).toEqual([
      cjs.generateText.name,
      cjs.generateText.length,
    ]);
    expect([out.streamText.name, out.streamText.length]).toEqual([
      cjs.streamText.name,
      cjs.streamText.length,
    ]);
    const again = instrumentation.patch(out, info({ format: "cjs" })).exports as typeof cjs;
    expect(again.generateText).toBe(out.generateText);
  });

  it("AI SDK 5 (Experimental_Agent reading this.settings): the run's tools are gated, the agent keeps the user's", async () => {
    const t = makeGovernor({ enforceUrl: server.url });
    const host = () => t.governor as unknown as GateHost;
    // The shape AI SDK 5's Agent has: generate/stream pass this.settings to the module's generateText.
    class Agent {
      settings: any;
      constructor(settings: any) {
        this.settings = settings;
      }
      get tools() {
        return this.settings.tools;
      }
      async generate(options: any) {
        return ai.generateText({ ...this.settings, stopWhen: ai.stepCountIs(3), ...options });
      }
      stream(options: any) {
        return ai.streamText({ ...this.settings, stopWhen: ai.stepCountIs(3), ...options });
      }
    }
    const exports = {
      generateText: ai.generateText,
      streamText: ai.streamText,
      Experimental_Agent: Agent,
    };
    const r = instrumentation.patch(exports, info({ version: "5.0.60" }, host));
    expect(r).toEqual({
      patched: [
        "generateText",
        "streamText",
        "Experimental_Agent.prototype.generate",
        "Experimental_Agent.prototype.stream",
      ],
      missing: [],
    });

    const ran: string[] = [];
    const tools = {
      send_email: ai.tool({
        inputSchema: z.object({}),
        execute: async () => (ran.push("send_email"), "sent"),
      }),
    };
    const usage = {
      inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 },
      outputTokens: { total: 1, text: 1, reasoning: 0 },
    };
    let n = 0;
    const model = new MockLanguageModelV3({
      doGenerate: async () =>
        n++ === 0
          ? {
              content: [
                { type: "tool-call", toolCallId: "c1", toolName: "send_email", input: "{}" },
              ],
              finishReason: { unified: "tool-calls", raw: "x" },
              usage,
              warnings: [],
            }
          : {
              content: [{ type: "text", text: "done" }],
              finishReason: { unified: "stop", raw: "x" },
              usage,
              warnings: [],
            },
    });
    const agent = new exports.Experimental_Agent({ model, tools });
    const out = await agent.generate({ prompt: "go" });
    expect(ran).toEqual([]);
    expect(out.text).toBe("done");
    expect(agent.tools).toBe(tools);
    expect((await t.auditLines()).map((a) => [a.tool, a.outcome, a.gatedBy])).toEqual([
      ["send_email", "blocked", "instrumentation"],
    ]);
  });

  it("a version whose API it does not know: what is not there is named in missing, the rest still patched", () => {
    expect(
      instrumentation.patch(
        { streamText: ai.streamText, ToolLoopAgent: ai.ToolLoopAgent },
        info({ version: "7.0.1" }),
      ).missing,
    ).toEqual(["generateText"]);
    expect(
      instrumentation.patch(
        { generateText: ai.generateText, streamText: ai.streamText },
        info({ version: "7.0.1" }),
      ).missing,
    ).toEqual(["ToolLoopAgent"]);
    class Odd {}
    expect(
      instrumentation.patch(
        { generateText: ai.generateText, streamText: ai.streamText, ToolLoopAgent: Odd },
        info({ version: "6.1.0" }),
      ).missing,
    ).toEqual(["ToolLoopAgent.prototype.prepareCall"]);
    // AI SDK 4 (what Mastra 0.x runs on) has no agent class: nothing missing.
    expect(
      instrumentation.patch(
        { generateText: ai.generateText, streamText: ai.streamText },
        info({ version: "4.3.19" }),
      ).missing,
    ).toEqual([]);
  });
});
