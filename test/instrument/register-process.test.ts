// governor/register in a process of its own: what it must not disturb.
import { execFileSync, spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { REGISTER_CJS, REGISTER_ESM, REPO, cleanEnv } from "./helpers.js";

const node = (args: string[], env: Record<string, string> = {}) =>
  execFileSync(process.execPath, args, {
    cwd: REPO,
    env: { ...cleanEnv(), GOVERNOR_ENFORCE_URL: "http://127.0.0.1:9", ...env },
    encoding: "utf8",
  });

describe("governor/register", () => {
  it("the app's own require('debug') is the real module (require-in-the-middle got a silent one)", () => {
    for (const load of [
      ["-r", REGISTER_CJS],
      ["--import", REGISTER_ESM],
    ]) {
      const out = node([
        ...load,
        "-e",
        'const d = require("debug"); process.stdout.write(typeof d.enable + " " + typeof d("app").extend)',
      ]);
      expect(out).toBe("function function");
    }
  });

  it("GOVERNOR_INSTRUMENT=off hooks nothing; otherwise the hooked frameworks are named with GOVERNOR_DEBUG=1", () => {
    const script = 'require("@langchain/core/tools")';
    const errOn = spawnErr(["-r", REGISTER_CJS, "-e", script], { GOVERNOR_DEBUG: "1" });
    expect(errOn).toMatch(
      /instrumented @langchain\/core\/tools 1\.\d+\.\d+ \(cjs\): StructuredTool\.prototype\.call/,
    );
    const errOff = spawnErr(["-r", REGISTER_CJS, "-e", script], {
      GOVERNOR_DEBUG: "1",
      GOVERNOR_INSTRUMENT: "off",
    });
    expect(errOff).toMatch(/instrumentation off \(GOVERNOR_INSTRUMENT=off\)/);
    expect(errOff).not.toMatch(/instrumented /);
  });
});

function spawnErr(args: string[], env: Record<string, string>): string {
  return spawnSync(process.execPath, args, {
    cwd: REPO,
    env: { ...cleanEnv(), GOVERNOR_ENFORCE_URL: "http://127.0.0.1:9", ...env },
    encoding: "utf8",
  }).stderr;
}
