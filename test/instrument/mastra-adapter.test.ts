// The Mastra adapter on module shapes: the installed 0.24 classes, a 1.x-shaped Agent (convertTools
// and listTools, as 1.x's source has them; 1.x needs Node 22.13 and is not run here), and shapes
// it does not know, which it must name in `missing` rather than gate nothing silently.
import { describe, expect, it } from "vitest";
import { instrumentation } from "../../src/runtime/adapters/mastra.js";
import type { PatchInfo } from "../../src/runtime/adapters/types.js";
import { RUN, type GateHost } from "../../src/runtime/gate.js";

const asked: string[] = [];
const host = (): GateHost => ({
  before: async (name) => {
    asked.push(name);
    return name.startsWith("deny") ? `refused ${name}` : RUN;
  },
});
const info = (specifier: string): PatchInfo => ({
  specifier,
  format: "esm",
  version: "1.0.0",
  host,
});

describe("Mastra instrumentation on module shapes", () => {
  it("1.x-shaped Agent: patches convertTools and listTools; convertTools' record is gated by the model's names", async () => {
    class Agent {
      async convertTools() {
        return {
          denyWrite: { description: "w", execute: async (input: unknown) => ({ wrote: input }) },
          clientSide: { description: "no execute" },
        };
      }
      async listTools() {
        return {};
      }
    }
    const r = instrumentation.patch({ Agent }, info("@mastra/core/agent"));
    expect(r).toEqual({
      patched: ["Agent.prototype.convertTools", "Agent.prototype.listTools"],
      missing: [],
    });
    const tools: any = await new Agent().convertTools();
    asked.length = 0;
    expect(await tools.denyWrite.execute({ a: 1 }, { toolCallId: "c" })).toBe("refused denyWrite");
    expect(asked).toEqual(["denyWrite"]);
    expect(tools.clientSide.execute).toBeUndefined();
    // Patching the same class again (the root and the subpath share it) is a no-op.
    instrumentation.patch({ Agent }, info("@mastra/core"));
    const again: any = await new Agent().convertTools();
    asked.length = 0;
    await again.denyWrite.execute({}, {});
    expect(asked).toEqual(["denyWrite"]);
  });

  it("a subclass (0.x root's Agent) patches the parent that owns the methods", () => {
    class Base {
      convertTools() {
        return {};
      }
      getTools() {
        return {};
      }
    }
    class Warned extends Base {}
    const original = Base.prototype.convertTools;
    const r = instrumentation.patch({ Agent: Warned }, info("@mastra/core"));
    expect(r).toEqual({
      patched: ["Agent.prototype.convertTools", "Agent.prototype.getTools"],
      missing: [],
    });
    expect(Object.prototype.hasOwnProperty.call(Warned.prototype, "convertTools")).toBe(false);
    expect(Base.prototype.convertTools).not.toBe(original);
  });

  it("names what it cannot find", () => {
    expect(instrumentation.patch({ Agent: class {} }, info("@mastra/core/agent")).missing).toEqual([
      "Agent.prototype.convertTools (the tools of agent.generate()/stream())",
      "Agent.prototype.getTools/listTools (tools agent.network() runs)",
    ]);
    expect(instrumentation.patch({}, info("@mastra/core/agent")).missing).toEqual([
      "the Agent class",
    ]);
    // 1.x's root exports no Agent: nothing expected there.
    expect(instrumentation.patch({ Mastra: class {} }, info("@mastra/core"))).toEqual({
      patched: [],
    });
  });
});
