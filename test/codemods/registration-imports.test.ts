// A registration pass adds a governor/runtime import only where it wraps something.
import { expect, it } from "vitest";
import { gateSources } from "../../src/codemods/index.js";

it("leaves a file alone when its AI SDK MCP client is handed on and nothing is wrapped", () => {
  const text = `import { experimental_createMCPClient } from "ai";
export async function f(use: (c: unknown) => void) {
  use(await experimental_createMCPClient({ transport: { type: "sse", url: "http://localhost" } }));
}
`;
  const r = gateSources([{ path: "a.ts", text }], { moduleKind: () => "esm" });
  expect(r.files).toEqual([]);
});
