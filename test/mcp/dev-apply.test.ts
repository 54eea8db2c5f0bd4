import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cleanupTemp,
  copyFixture,
  ensureBuilt,
  gitInit,
  json,
  runInit,
  snapshot,
} from "../init/helpers.js";
import { devClient, errorOf, type DevClient } from "./dev-helpers.js";

// governor_plan then governor_apply writes what `governor init --yes` writes, and nothing once the
// tree changed since the plan. Install off on both sides: no package manager runs.

beforeAll(() => ensureBuilt(), 120_000);
afterAll(cleanupTemp);

/** Every file but init's backups (their directory names carry the time). */
function files(dir: string): Map<string, string> {
  const all = snapshot(dir);
  for (const k of [...all.keys()]) if (k.startsWith(".governor/")) all.delete(k);
  return all;
}

function project(fixture: string): string {
  const dir = copyFixture(fixture);
  gitInit(dir);
  return dir;
}

const env = () => {
  const e: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(e))
    if (k.startsWith("GOVERNOR_") && k !== "GOVERNOR_STATE_DIR") delete e[k];
  return e;
};

let dev: DevClient;
beforeAll(async () => {
  dev = await devClient({ cwd: process.cwd(), allowApply: true, env: env() });
});
afterAll(() => dev?.close());

describe("governor_plan", () => {
  it("is init's --dry-run --json report plus the diff, and writes nothing", async () => {
    const dir = project("ts-esm-npm");
    const before = snapshot(dir);
    const plan = await dev.data("governor_plan", { cwd: dir, install: false });
    expect(snapshot(dir)).toEqual(before);
    const cli = json(runInit(["--dry-run", "--json", "--no-install", "--cwd", dir]));
    expect(plan.report).toEqual(cli);
    expect(plan.plan_id).toMatch(/^plan_[0-9a-f]{24}$/);
    expect(plan.options).toEqual({ install: false, allowEdge: false });
    expect(plan.diff).toContain("+++ b/src/tools.ts");
    expect(plan.diff).toContain('+import { gate } from "governor/runtime";');
    expect(plan.diff).toContain("--- /dev/null\n+++ b/governor.config.json");
    expect(plan.command).toBe(`governor init --yes --cwd ${dir} --no-install`);
    // the same tree and options: the same id
    const again = await dev.data("governor_plan", { cwd: dir, install: false });
    expect(again.plan_id).toBe(plan.plan_id);
    const other = await dev.data("governor_plan", { cwd: dir, install: false, framework: ["mcp"] });
    expect(other.plan_id).not.toBe(plan.plan_id);
  });
});

describe("governor_apply", () => {
  for (const fixture of ["ts-esm-npm", "js-cjs-yarn", "monorepo"]) {
    it(`writes exactly what governor init --yes writes (${fixture})`, async () => {
      const byCli = project(fixture);
      const byMcp = project(fixture);
      const cli = runInit(["--yes", "--json", "--no-install", "--cwd", byCli]);
      expect(cli.code, cli.stderr).toBe(0);
      const plan = await dev.data("governor_plan", { cwd: byMcp, install: false });
      const applied = await dev.data("governor_apply", { plan_id: plan.plan_id });
      expect(applied).toMatchObject({ applied: true, plan_id: plan.plan_id, cwd: byMcp });
      expect(applied.differs).toBeUndefined();
      const a = files(byCli);
      const b = files(byMcp);
      expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
      for (const [k, v] of a) expect(b.get(k), k).toBe(v);
      expect(a).not.toEqual(files(copyFixture(fixture)));
      expect(applied.report).toEqual(json(cli));
    });
  }

  it("refuses a plan id it never made, and a plan applied once", async () => {
    const dir = project("ts-esm-npm");
    expect(errorOf(await dev.call("governor_apply", { plan_id: "plan_000" })).code).toBe(
      "plan_unknown",
    );
    const plan = await dev.data("governor_plan", { cwd: dir, install: false });
    await dev.data("governor_apply", { plan_id: plan.plan_id });
    expect(errorOf(await dev.call("governor_apply", { plan_id: plan.plan_id })).code).toBe(
      "plan_unknown",
    );
  });

  it("refuses, writing nothing, when a file the plan read changed since", async () => {
    const dir = project("ts-esm-npm");
    const plan = await dev.data("governor_plan", { cwd: dir, install: false });
    appendFileSync(path.join(dir, "src/tools.ts"), "\n// edited after the plan\n");
    const before = snapshot(dir);
    const e = errorOf(await dev.call("governor_apply", { plan_id: plan.plan_id }));
    expect(e.code).toBe("tree_changed");
    expect(e.context.changed).toEqual(["src/tools.ts"]);
    expect(e.context.current_plan_id).not.toBe(plan.plan_id);
    expect(e.fix).toMatch(/governor_plan/);
    expect(snapshot(dir)).toEqual(before);
  });

  it("refuses when a file the plan would create appeared since", async () => {
    const dir = project("ts-esm-npm");
    const plan = await dev.data("governor_plan", { cwd: dir, install: false });
    writeFileSync(path.join(dir, "governor.config.json"), '{ "tools": {} }\n');
    const e = errorOf(await dev.call("governor_apply", { plan_id: plan.plan_id }));
    expect(e.code).toBe("tree_changed");
    expect(e.context.changed).toContain("governor.config.json");
  });

  it("keeps init's dirty-tree rule: refused with uncommitted changes unless allowDirty", async () => {
    const dir = project("ts-esm-npm");
    writeFileSync(path.join(dir, "NOTES.md"), "work in progress\n");
    const plan = await dev.data("governor_plan", { cwd: dir, install: false });
    expect(plan.uncommitted).toEqual(["NOTES.md"]);
    expect(plan.apply).toMatch(/allowDirty: true/);
    const e = errorOf(await dev.call("governor_apply", { plan_id: plan.plan_id }));
    expect(e.code).toBe("dirty_tree");
    expect(readFileSync(path.join(dir, "src/tools.ts"), "utf8")).not.toContain("governor");
    const done = await dev.data("governor_apply", { plan_id: plan.plan_id, allowDirty: true });
    expect(done.applied).toBe(true);
    expect(readFileSync(path.join(dir, "src/tools.ts"), "utf8")).toContain("gate(");
  });
});
