import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, ensureBuilt, gitInit, json, read, REPO, runInit, snapshot } from "./helpers.js";

// A Next.js route on the Edge runtime cannot load governor (it needs Node.js). init used to gate the
// tools such a route reaches anyway and exit 0, and doctor passed: the route then fails to build, or
// its own tools run ungated. Now init refuses (edge_route) unless --allow-edge, and doctor's
// runtime.edge check fails. Real CLI on temp Next.js apps.

beforeAll(() => ensureBuilt(), 120_000);
const made: string[] = [];
afterAll(() => {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});

const TOOLS = `import { tool } from "ai";
import { z } from "zod";

export const tools = {
  refund_payment: tool({
    description: "Refund a payment",
    inputSchema: z.object({ id: z.string() }),
    execute: async ({ id }) => ({ id, refunded: true }),
  }),
};
`;
const ROUTE = (head: string, imports: string) => `${imports}import { streamText } from "ai";
${head}
export async function POST(req: Request) {
  const { messages, model } = await req.json();
  return streamText({ model, messages, tools }).toTextStreamResponse();
}
`;
const OWN_TOOL = `import { streamText, tool } from "ai";
import { z } from "zod";
export const runtime = "edge";
export async function POST(req: Request) {
  const { messages, model } = await req.json();
  return streamText({ model, messages, tools: { track_parcel: tool({ description: "Track", inputSchema: z.object({ id: z.string() }), execute: async ({ id }) => ({ id }) }) } }).toTextStreamResponse();
}
`;

/** A Next.js app: lib/tools.ts holds tools, app/api/agent/route.ts (Node.js) uses them, plus `files`. */
function nextApp(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "governor-edge-"));
  made.push(dir);
  const all: Record<string, string> = {
    "package.json":
      JSON.stringify(
        {
          name: "shop",
          private: true,
          scripts: { dev: "next dev" },
          dependencies: { next: "15.0.0", ai: "^6.0.0", zod: "^4.0.0" },
        },
        null,
        2,
      ) + "\n",
    "tsconfig.json":
      JSON.stringify({ compilerOptions: { baseUrl: ".", paths: { "@/*": ["./*"] } } }, null, 2) +
      "\n",
    "lib/tools.ts": TOOLS,
    "app/api/agent/route.ts": ROUTE("", 'import { tools } from "@/lib/tools";\n'),
    ...files,
  };
  for (const [path, text] of Object.entries(all)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  gitInit(dir);
  return dir;
}

const APPLY = ["--yes", "--json", "--no-install", "--governor-spec", `file:${REPO}`];

function expectRefused(dir: string, route: string, args: string[] = APPLY): void {
  const before = snapshot(dir);
  const r = runInit([...args, "--cwd", dir]);
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toContain("error [edge_route]");
  expect(r.stderr).toContain(route);
  expect(r.stderr).toMatch(/--allow-edge/);
  const out = JSON.parse(r.stdout);
  expect(out.error.code).toBe("edge_route");
  expect(out.edgeRoutes.map((e: { file: string }) => e.file)).toContain(route);
  if (!args.includes("--dry-run")) {
    expect(snapshot(dir)).toEqual(before);
    expect(existsSync(join(dir, ".governor"))).toBe(false);
  }
}

/** doctor's runtime.edge check (enforce down: only the repo checks matter here). */
function doctorEdge(dir: string): {
  code: number;
  check: { status: string; message: string; fix?: string; details?: Record<string, unknown> };
} {
  mkdirSync(join(dir, "node_modules"), { recursive: true });
  if (!existsSync(join(dir, "node_modules", "governor")))
    symlinkSync(REPO, join(dir, "node_modules", "governor"), "dir");
  const r = spawnSync(process.execPath, [CLI, "doctor", "--cwd", dir, "--json"], {
    encoding: "utf8",
    env: {
      ...process.env,
      CI: undefined,
      GOVERNOR_ENFORCE_URL: "http://127.0.0.1:9",
      GOVERNOR_DECISION_KEY: undefined,
    },
    timeout: 120_000,
  });
  const out = JSON.parse(r.stdout);
  return {
    code: r.status ?? -1,
    check: out.checks.find((c: { id: string }) => c.id === "runtime.edge"),
  };
}

describe("init on a Next.js Edge route", { timeout: 180_000 }, () => {
  it("an Edge route importing tools (through another module and a tsconfig alias): refused, nothing written", () => {
    const dir = nextApp({
      "lib/agent.ts": 'import { tools } from "@/lib/tools";\nexport const agentTools = tools;\n',
      "app/api/edge/route.ts": ROUTE(
        'export const runtime = "edge";\nconst tools = agentTools;\n',
        'import { agentTools } from "../../../lib/agent";\n',
      ),
    });
    expectRefused(dir, "app/api/edge/route.ts");
    // a dry run says the same (exit 1), so CI catches it before anyone applies
    expectRefused(dir, "app/api/edge/route.ts", [
      "--dry-run",
      "--json",
      "--governor-spec",
      `file:${REPO}`,
    ]);
  });

  it("an Edge route holding its own tools, a pages-router config and an Edge layout's page: each refused", () => {
    expectRefused(nextApp({ "app/api/track/route.ts": OWN_TOOL }), "app/api/track/route.ts");
    expectRefused(
      nextApp({
        "pages/api/legacy.ts":
          'import { tools } from "@/lib/tools";\nexport const config = { runtime: "experimental-edge" };\nexport default function handler() { return tools; }\n',
      }),
      "pages/api/legacy.ts",
    );
    expectRefused(
      nextApp({
        "app/chat/layout.tsx":
          'export const runtime = "edge";\nexport default function Layout({ children }: { children: unknown }) { return children; }\n',
        "app/chat/page.tsx":
          'import { tools } from "@/lib/tools";\nexport default function Page() { return String(Object.keys(tools)); }\n',
      }),
      "app/chat/page.tsx",
    );
  });

  it("a workspace: an Edge route importing the package that holds the tools is refused; a subpath without tools is not", () => {
    const workspace = (route: string) =>
      nextApp({
        "package.json":
          JSON.stringify(
            { name: "acme", private: true, workspaces: ["apps/*", "packages/*"] },
            null,
            2,
          ) + "\n",
        "tsconfig.json": "{}\n",
        "lib/tools.ts": "export {};\n",
        "app/api/agent/route.ts": "export {};\n",
        "apps/web/package.json":
          JSON.stringify(
            { name: "web", private: true, dependencies: { next: "15.0.0", "@acme/ai": "*" } },
            null,
            2,
          ) + "\n",
        "apps/web/app/api/edge/route.ts": route,
        "packages/ai/package.json":
          JSON.stringify(
            {
              name: "@acme/ai",
              main: "src/index.ts",
              dependencies: { ai: "^6.0.0", zod: "^4.0.0" },
            },
            null,
            2,
          ) + "\n",
        "packages/ai/src/index.ts": 'export { tools } from "./tools";\n',
        "packages/ai/src/tools.ts": TOOLS,
        "packages/ai/src/format.ts": "export const format = (s: string) => s.trim();\n",
      });
    const dir = workspace(
      ROUTE('export const runtime = "edge";\n', 'import { tools } from "@acme/ai";\n'),
    );
    expectRefused(dir, "apps/web/app/api/edge/route.ts");
    const fine = workspace(
      'import { format } from "@acme/ai/format";\nexport const runtime = "edge";\nexport async function GET() { return new Response(format(" ok ")); }\n',
    );
    const r = runInit([...APPLY, "--cwd", fine]);
    expect(r.code, r.stderr).toBe(0);
  });

  it("--allow-edge behaves as before (gates, warns, exit 0); doctor's runtime.edge then fails and names the route", () => {
    const dir = nextApp({
      "app/api/edge/route.ts": ROUTE(
        'export const runtime = "edge";\n',
        'import { tools } from "@/lib/tools";\n',
      ),
    });
    const r = runInit([...APPLY, "--allow-edge", "--cwd", dir]);
    expect(r.code, r.stderr).toBe(0);
    const report = json(r);
    expect(report.tools.find((t) => t.name === "refund_payment")?.status).toBe("gated");
    expect(read(dir, "lib/tools.ts")).toContain('gate("refund_payment"');
    expect(
      report.warnings.some((w) => w.startsWith("app/api/edge/route.ts runs on the Edge runtime")),
    ).toBe(true);

    const d = doctorEdge(dir);
    expect(d.code).toBe(1);
    expect(d.check).toMatchObject({ status: "fail" });
    expect(d.check.message).toContain("app/api/edge/route.ts");
    expect(d.check.message).toMatch(/lib\/tools\.ts/);
    expect(d.check.fix).toMatch(/runtime = "nodejs"/);
  });

  it("an Edge route that reaches no tools is fine: init exits 0 without --allow-edge, doctor's runtime.edge passes", () => {
    const dir = nextApp({
      "app/api/og/route.ts":
        'import type { tools } from "@/lib/tools";\nexport const runtime = "edge";\nexport async function GET() { return new Response("og"); }\nexport type T = typeof tools;\n',
    });
    const r = runInit([...APPLY, "--cwd", dir]);
    expect(r.code, r.stderr).toBe(0);
    const d = doctorEdge(dir);
    expect(d.check.status, d.check.message).toBe("pass");
  });

  it("doctor on a project nobody ran init on: an Edge route holding its own tool fails runtime.edge", () => {
    const dir = nextApp({ "app/api/track/route.ts": OWN_TOOL });
    const d = doctorEdge(dir);
    expect(d.check).toMatchObject({ status: "fail" });
    expect(d.check.message).toMatch(/app\/api\/track\/route\.ts.*track_parcel/);
  });
});
