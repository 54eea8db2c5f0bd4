// Which guards are on (GOVERNOR_GUARD*, read as the runtime reads them), and what the audit log says
// about side effects that ran outside any allowed tool call or intentScope.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import path from "node:path";
import type { ResolvedConfig } from "../runtime/config.js";
import {
  gateModeFromEnv,
  MODEL_PROVIDER_HOSTS,
  parseAllow,
  resolveGuard,
  type GuardSpec,
} from "../runtime/guard/config.js";
import { pass, skip, warn, type CheckResult } from "./types.js";

/** The tail of a big log is enough to count recent events; doctor must not read gigabytes. */
const MAX_READ = 32 * 1024 * 1024;
const TOP = 5;

export interface UngovernedCounts {
  total: number;
  blocked: number;
  letThrough: number;
  byPrimitive: Record<string, number>;
  byReason: Record<string, number>;
  /** The most frequent targets, most first: "http api.example.com" etc. */
  topTargets: { target: string; count: number }[];
  /** Only the last MAX_READ bytes were read. */
  partial: boolean;
}

/** The mode as the environment says, for when the whole configuration does not resolve. */
/** Counts the `ungoverned` lines of a JSON-lines audit log. Throws what reading the file throws. */
export function countUngoverned(file: string): UngovernedCounts {
  const fd = openSync(file, "r");
  let text: string;
  let partial = false;
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(0, size - MAX_READ);
    partial = start > 0;
    const buf = Buffer.alloc(size - start);
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, start + off);
      if (n === 0) break;
      off += n;
    }
    text = buf.subarray(0, off).toString("utf8");
  } finally {
    closeSync(fd);
  }
  const c: UngovernedCounts = {
    total: 0,
    blocked: 0,
    letThrough: 0,
    byPrimitive: {},
    byReason: {},
    topTargets: [],
    partial,
  };
  const targets = new Map<string, number>();
  const lines = text.split("\n");
  if (partial) lines.shift(); // the first line read may be cut
  for (const line of lines) {
    if (!line.includes('"ungoverned"')) continue;
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(line);
    } catch {
      continue;
    }
    if (!rec || rec.type !== "ungoverned") continue;
    const primitive = String(rec.primitive);
    const reason = String(rec.reason);
    c.total++;
    if (rec.blocked === true) c.blocked++;
    else c.letThrough++;
    c.byPrimitive[primitive] = (c.byPrimitive[primitive] ?? 0) + 1;
    c.byReason[reason] = (c.byReason[reason] ?? 0) + 1;
    const key = `${primitive} ${String(rec.target)}`;
    targets.set(key, (targets.get(key) ?? 0) + 1);
  }
  c.topTargets = [...targets]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, TOP)
    .map(([target, count]) => ({ target, count }));
  return c;
}

function describeSpec(g: GuardSpec): string {
  // The preset's hosts by its name: sixteen hosts would drown the line.
  const preset = MODEL_PROVIDER_HOSTS.every((h) => g.allow.hosts.includes(h));
  const hosts = preset
    ? ["@model-providers", ...g.allow.hosts.filter((h) => !MODEL_PROVIDER_HOSTS.includes(h))]
    : g.allow.hosts;
  const allow = [...hosts, ...g.allow.paths, ...g.allow.commands.map((c) => `exec:${c}`)];
  return `${g.primitives.join(", ")} guard${g.primitives.length === 1 ? "" : "s"} on, mode ${g.mode}, ${allow.length ? `allow ${allow.join(", ")}` : "nothing allowlisted"}`;
}

const tally = (o: Record<string, number>) =>
  Object.entries(o)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n}`)
    .join(", ");

function describeCounts(file: string, c: UngovernedCounts): string {
  if (!c.total)
    return `audit log ${file}: no ungoverned side effects recorded${c.partial ? " (last 32 MiB read)" : ""}`;
  const top = c.topTargets.map((t) => `${t.target} (${t.count})`).join(", ");
  return `audit log ${file}${c.partial ? " (last 32 MiB)" : ""}: ${c.total} ungoverned side effect(s), ${c.blocked} blocked, ${c.letThrough} let through; by guard ${tally(c.byPrimitive)}; by reason ${tally(c.byReason)}; top targets ${top}`;
}

const TURN_ON =
  "set GOVERNOR_GUARD=http,exec,fs (any of them) so outbound HTTP, child processes or file writes outside an allowed tool call or intentScope are refused (GOVERNOR_GUARD_MODE=observe only records them)";

export interface GuardInputs {
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** The resolved configuration; undefined when it is invalid (the mode is then read from env as
   *  the runtime's import does: the partial config drops every variable a problem names). */
  config: ResolvedConfig | undefined;
}

export function checkGuards(inp: GuardInputs): CheckResult {
  const problems: string[] = [];
  const notes: string[] = [];
  const spec = resolveGuard(
    undefined,
    inp.config?.mode ?? gateModeFromEnv(inp.env),
    inp.env,
    inp.cwd,
    problems,
    notes,
  );
  // With no guard on, the allowlist still serves governedFetch and the other wrappers.
  const allow =
    spec?.allow ??
    (inp.env.GOVERNOR_GUARD_ALLOW
      ? parseAllow(inp.env.GOVERNOR_GUARD_ALLOW, inp.env, inp.cwd, problems)
      : null);
  const details: Record<string, unknown> = {
    on: spec?.primitives ?? [],
    mode: spec?.mode ?? null,
    allow: allow ? { hosts: allow.hosts, paths: allow.paths, commands: allow.commands } : null,
  };
  const parts: string[] = [spec ? describeSpec(spec) : "guards are off"];

  // The log the app writes (GOVERNOR_AUDIT_LOG, relative to where it starts; doctor takes --cwd).
  const log = inp.config?.auditLog ?? (inp.env.GOVERNOR_AUDIT_LOG || undefined);
  let counts: UngovernedCounts | undefined;
  if (!log) {
    if (spec)
      parts.push(
        "no audit log to count ungoverned side effects in (set GOVERNOR_AUDIT_LOG to a file)",
      );
  } else if (log === "stderr") {
    if (spec)
      parts.push(
        "the audit log is stderr, so doctor cannot count ungoverned side effects (set GOVERNOR_AUDIT_LOG to a file)",
      );
  } else {
    const file = path.resolve(inp.cwd, log);
    details.audit_log = file;
    try {
      counts = countUngoverned(file);
      details.ungoverned = counts;
      parts.push(describeCounts(file, counts));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      parts.push(
        code === "ENOENT"
          ? `audit log ${file} not written yet`
          : `cannot read the audit log ${file} (${code ?? (err as Error).message})`,
      );
    }
  }

  if (problems.length || notes.length) {
    details.problems = [...problems, ...notes];
    const said = [...problems, ...notes.map((n) => n.replace(/^governor: (WARNING — )?/, ""))];
    return warn(
      "guards",
      `guard config: ${said.join("; ")}${counts ? `; ${parts.slice(1).join("; ")}` : ""}`,
      problems.length
        ? "Fix GOVERNOR_GUARD / GOVERNOR_GUARD_MODE / GOVERNOR_GUARD_ALLOW as said above: with them invalid every gated call and intentScope fails with config_invalid, and the guards GOVERNOR_GUARD names are still installed, enforcing (fail closed)."
        : "Turn governor's mode back on (unset GOVERNOR_MODE=off / GOVERNOR_DISABLED), or unset the GOVERNOR_GUARD* variables you do not mean.",
      details,
    );
  }
  if (counts && counts.letThrough > 0) {
    return warn(
      "guards",
      parts.join("; "),
      "Side effects ran outside any allowed tool call or intentScope and were let through (observe mode, fail-open or governor off). Move each into a gated tool or intentScope({ action, resource }, fn), add what must always work to GOVERNOR_GUARD_ALLOW, then set GOVERNOR_GUARD_MODE=enforce.",
      details,
    );
  }
  if (!spec) return skip("guards", `${parts.join("; ")}: ${TURN_ON}`);
  return pass("guards", parts.join("; "), details);
}
