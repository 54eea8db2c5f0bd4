// governor mcp --dev --http: the integration server over Streamable HTTP. Each request gets a server
// of its own, so a plan shown on one request must still be known when another applies it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import {
  cleanupTemp,
  copyFixture,
  ensureBuilt,
  gitInit,
  runInit,
  snapshot,
} from "../init/helpers.js";
import { httpClient, httpServer, type HttpServer } from "./enforce-helpers.js";

beforeAll(() => ensureBuilt(), 120_000);
afterAll(cleanupTemp);

const withoutBackups = (dir: string) => {
  const all = snapshot(dir);
  for (const k of [...all.keys()]) if (k.startsWith(".governor/")) all.delete(k);
  return all;
};

async function call(client: Client, name: string, args: Record<string, unknown>) {
  const r = (await client.callTool({ name, arguments: args })) as CallToolResult;
  return r;
}

let srv: HttpServer;
let dir: string;
beforeAll(async () => {
  dir = copyFixture("ts-esm-npm");
  gitInit(dir);
  srv = await httpServer(["--dev", "--allow-apply", "--cwd", dir]);
});
afterAll(async () => {
  await srv?.stop();
});

describe("governor mcp --dev --http", () => {
  it("plans on one connection and applies on another, writing what init --yes writes", async () => {
    const planner = await httpClient(srv.url);
    const names = (await planner.listTools()).tools.map((t) => t.name);
    expect(names).toContain("governor_apply");
    // no cwd given: the server's --cwd is the project
    const plan = await call(planner, "governor_plan", { install: false });
    expect(plan.isError, JSON.stringify(plan.content)).toBeFalsy();
    const id = (plan.structuredContent as { plan_id: string }).plan_id;
    await planner.close();

    const applier = await httpClient(srv.url);
    const applied = await call(applier, "governor_apply", { plan_id: id });
    expect(applied.isError, JSON.stringify(applied.content)).toBeFalsy();
    expect(applied.structuredContent).toMatchObject({ applied: true, plan_id: id, cwd: dir });
    // the same id again: already used, refused
    const again = await call(applier, "governor_apply", { plan_id: id });
    expect(again.isError).toBe(true);
    await applier.close();

    const byCli = copyFixture("ts-esm-npm");
    gitInit(byCli);
    const cli = runInit(["--yes", "--json", "--no-install", "--cwd", byCli]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(withoutBackups(dir)).toEqual(withoutBackups(byCli));
    expect(srv.stdout()).toBe("");
  });
});
