// Installing the guards: once per process (the first install wins), hooks installed only for the
// primitives asked for: a process with no guard on patches nothing.
import { trackGrants } from "../grant.js";
import { gateModeFromEnv, resolveGuard, type GuardSpec } from "./config.js";
import { installExecGuard } from "./exec.js";
import { installFsGuard } from "./fs.js";
import { installHttpGuard } from "./http.js";
import { guardState, makeRecorder, setGuardState, type GuardState } from "./state.js";

const SAID = Symbol.for("governor.guard.said");

/** Say `message` once per process (all bundles), keyed by `key`. */
export function sayOnce(key: string, warn: (m: string) => void, message: string): void {
  const g = globalThis as { [SAID]?: Set<string> };
  const said = (g[SAID] ??= new Set());
  if (said.has(key)) return;
  said.add(key);
  warn(message);
}

function describeSpec(s: { primitives: Iterable<string>; mode: string }): string {
  return `${[...s.primitives].join(",")} (${s.mode})`;
}

/** Install `spec`'s hooks unless guards are already installed in this process. */
export function installGuards(
  spec: GuardSpec,
  auditLog: string | undefined,
  warn: (m: string) => void,
): GuardState {
  const cur = guardState();
  if (cur) {
    if (describeSpec(cur) !== describeSpec(spec)) {
      sayOnce(
        `differs ${describeSpec(spec)}`,
        warn,
        `governor: guards are already on in this process as ${describeSpec(cur)}; the first install wins, so ${describeSpec(spec)} is ignored.`,
      );
    } else if (JSON.stringify(cur.allow) !== JSON.stringify(spec.allow)) {
      // Same guards, other allowlist: say so, or its hosts and paths are refused with no reason given.
      sayOnce(
        `allow ${JSON.stringify(spec.allow)}`,
        warn,
        `governor: guards are already on in this process with another allowlist; the first install wins, so this governor's GOVERNOR_GUARD_ALLOW (or guard.allow) is ignored.`,
      );
    }
    return cur;
  }
  const counts = { ungoverned: 0, blocked: 0 };
  const settings = { mode: spec.mode, allow: spec.allow, auditLog, warn };
  const st: GuardState = {
    ...settings,
    primitives: new Set(spec.primitives),
    counts,
    record: makeRecorder(settings, counts),
  };
  setGuardState(st);
  trackGrants();
  if (spec.primitives.includes("http")) installHttpGuard();
  if (spec.primitives.includes("exec")) installExecGuard();
  if (spec.primitives.includes("fs")) installFsGuard();
  // ESM named imports of built-ins (import { spawn } from "node:child_process") see the patches only now.
  process.getBuiltinModule("node:module").syncBuiltinESMExports();
  return st;
}

/** At the runtime's import (and governor/register's start): GOVERNOR_GUARD from the environment,
 *  before any governor exists, so side effects before the first tool call are guarded too. */
export function installGuardsFromEnv(warn: (m: string) => void): void {
  const env = process.env;
  if (!env.GOVERNOR_GUARD || guardState()) return;
  const problems: string[] = [];
  const notes: string[] = [];
  const spec = resolveGuard(undefined, gateModeFromEnv(env), env, process.cwd(), problems, notes);
  for (const n of notes) sayOnce(n, warn, n);
  if (problems.length)
    sayOnce(problems.join("; "), warn, `governor: guard config invalid: ${problems.join("; ")}.`);
  if (spec && spec.primitives.length)
    installGuards(spec, env.GOVERNOR_AUDIT_LOG || undefined, warn);
}
