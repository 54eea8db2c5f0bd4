import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  cleanupTemp,
  copyFixture,
  ensureBuilt,
  git,
  gitInit,
  json,
  REPO,
  runInit,
} from "./helpers.js";

// Red-team variants of issue 10's init findings that the first fixes missed.

beforeAll(() => ensureBuilt(), 120_000);
const made: string[] = [];
afterAll(() => {
  cleanupTemp();
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});
vi.setConfig({ testTimeout: 120_000 });

const APPLY = ["--yes", "--json", "--no-install"];

describe("init never writes into .git or .governor through a link inside the project", () => {
  it(".gitignore linked to .git/info/exclude, .env.example to .git/config: refused, nothing written (undo could never restore them)", () => {
    const dir = copyFixture("js-cjs-yarn");
    gitInit(dir);
    const exclude = readFileSync(join(dir, ".git", "info", "exclude"));
    const config = readFileSync(join(dir, ".git", "config"));
    rmSync(join(dir, ".env.example"));
    symlinkSync(join(".git", "info", "exclude"), join(dir, ".gitignore"));
    symlinkSync(join(".git", "config"), join(dir, ".env.example"));
    git(dir, "add", "-A");
    git(dir, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "links");
    const r = runInit([...APPLY, "--cwd", dir]);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    const out = json<{ refused: { path: string; why: string }[]; error: { code: string } }>(r);
    expect(out.error.code).toBe("write_refused");
    expect(out.refused.map((f) => f.path).sort()).toEqual([".env.example", ".gitignore"]);
    expect(readFileSync(join(dir, ".git", "info", "exclude")).equals(exclude)).toBe(true);
    expect(readFileSync(join(dir, ".git", "config")).equals(config)).toBe(true);
  });
});

const TOOLS = `import { tool } from "ai";
import { z } from "zod";
export const tools = {
  refund_payment: tool({ description: "Refund", inputSchema: z.object({ id: z.string() }), execute: async ({ id }) => ({ id }) }),
};
`;
const HANDLER = `import { tools } from "../../lib/tools";
import { streamText } from "ai";
export default async function handler(req: Request) {
  const { messages, model } = await req.json();
  return streamText({ model, messages, tools }).toTextStreamResponse();
}
`;

function edgeApp(route: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "governor-redteam-edge-"));
  made.push(dir);
  const files: Record<string, string> = {
    "package.json":
      JSON.stringify({
        name: "shop",
        private: true,
        dependencies: { next: "15.0.0", ai: "^6.0.0", zod: "^4.0.0" },
      }) + "\n",
    "lib/tools.ts": TOOLS,
    [route]: text,
  };
  for (const [path, body] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), body);
  }
  gitInit(dir);
  return dir;
}

describe("Edge routes Next.js reads from any static segment config", () => {
  const configs = {
    "a nested object before runtime":
      'export const config = { api: { bodyParser: false }, runtime: "edge" };',
    "a quoted key": "export const config = { 'runtime': 'experimental-edge' };",
    "a comment before the value": 'export const runtime = /* fast */ "edge";',
    "a typed config": 'export const config: { runtime: string } = { runtime: "edge" };',
  };
  for (const [what, line] of Object.entries(configs)) {
    it(`${what}: init refuses (edge_route)`, () => {
      const dir = edgeApp("pages/api/agent.ts", `${line}\n${HANDLER}`);
      const r = runInit([
        "--yes",
        "--json",
        "--no-install",
        "--dry-run",
        "--governor-spec",
        `file:${REPO}`,
        "--cwd",
        dir,
      ]);
      expect(r.code, r.stderr).toBe(2);
      expect(json<{ error: { code: string } }>(r).error.code).toBe("edge_route");
    });
  }
});

describe("a governor.config.json with a UTF-8 BOM", () => {
  it("is refused by name, saying it is the BOM (JSON has none; the runtime could not read it), not quoting the character", () => {
    const dir = copyFixture("js-cjs-yarn");
    writeFileSync(
      join(dir, "governor.config.json"),
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{ "tools": {} }\n')]),
    );
    gitInit(dir);
    const r = runInit(["--yes", "--no-install", "--cwd", dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "error [config_invalid]: governor.config.json starts with a UTF-8 byte order mark",
    );
    expect(r.stderr).not.toContain("\uFEFF");
    expect(git(dir, "status", "--porcelain")).toBe("");
  });
});

describe("a linked directory that is a package outside the project", () => {
  it("is named as skipped (its tools stay ungated), in init's --json", () => {
    const dir = copyFixture("js-cjs-yarn");
    const out = mkdtempSync(join(tmpdir(), "governor-redteam-out-"));
    made.push(out);
    mkdirSync(join(out, "lib"));
    writeFileSync(join(out, "package.json"), '{ "name": "shared-tools" }\n');
    writeFileSync(join(out, "lib", "agent.js"), readFileSync(join(dir, "lib", "agent.js")));
    symlinkSync(out, join(dir, "vendor-tools"), "dir");
    gitInit(dir);
    const r = runInit(["--dry-run", "--json", "--cwd", dir]);
    const skipped = json<{ skipped: { path: string; why: string }[] }>(r).skipped;
    expect(skipped).toContainEqual(
      expect.objectContaining({ path: "vendor-tools", why: "link-outside" }),
    );
  });
});
