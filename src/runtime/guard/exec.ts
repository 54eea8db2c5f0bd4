// The exec guard: child_process spawn/exec/execFile/fork and their sync forms ask before a process
// starts. A refusal throws at the call (a promisified exec/execFile rejects), so nothing is spawned.
import { fileURLToPath } from "node:url";
import type { Effect } from "./state.js";
import { callOriginal, check, copyShape, hook, PROMISIFY_CUSTOM, refuseSync, refuseWithPromise } from "./wrap.js";

type Op = "spawn" | "spawnSync" | "exec" | "execSync" | "execFile" | "execFileSync" | "fork";

function text(v: unknown): string {
  try {
    return String(v);
  } catch {
    return "";
  }
}

function fileUrlText(u: URL): string {
  try {
    return fileURLToPath(u);
  } catch {
    return u.href;
  }
}

/** A shell command line's first word (one pair of quotes taken off): what runs, without arguments.
 *  `a;b` stays one word, which names no allowed command. A line that runs more than one command
 *  (`git st && rm -rf x`, pipes, substitutions, redirections) is "<first> …": no allowlist entry or
 *  resource.commands names it, so only a grant that names no commands covers it. */
export function firstWord(line: string): string {
  const m = /^\s*(?:"([^"]*)"|'([^']*)'|(\S+))/.exec(line);
  const first = m ? (m[1] ?? m[2] ?? m[3]) : "";
  return /[;&|`$()<>\n]/.test(line.slice(m ? m[0].length : 0)) ? `${first} …` : first;
}

/** The options argument of spawn/execFile style calls (args may be left out). */
function optionsOf(args: unknown[]): { shell?: unknown } | undefined {
  const o = Array.isArray(args[1]) ? args[2] : args[1];
  return o && typeof o === "object" ? (o as { shell?: unknown }) : undefined;
}

/** What `op(...args)` would run: the command as given; a shell line's first word (exec, or
 *  spawn/execFile with `shell`); fork's module path. */
export function execEffect(op: Op, args: unknown[]): Effect {
  const c = args[0];
  let target: string;
  if (op === "exec" || op === "execSync") target = firstWord(text(c));
  else if (op === "fork") target = c instanceof URL ? fileUrlText(c) : text(c);
  else target = optionsOf(args)?.shell ? firstWord(text(c)) : text(c);
  return { primitive: "exec", target, op };
}

const OPS: Op[] = ["spawn", "spawnSync", "exec", "execSync", "execFile", "execFileSync", "fork"];

/** Patch node:child_process in place (default imports and require see it; the installer syncs the
 *  ESM named exports afterwards). */
export function installExecGuard(): void {
  const cp = process.getBuiltinModule("node:child_process") as unknown as Record<string, unknown>;
  for (const op of OPS) {
    const orig = cp[op] as Function & { [PROMISIFY_CUSTOM]?: Function };
    hook(cp, op, { effects: (args) => [execEffect(op, args)], refuse: refuseSync, sync: op.endsWith("Sync") });
    // promisify(exec) resolves { stdout, stderr } through Node's own custom form, which calls the
    // original exec: guard that form too (it rejects, as promise APIs report errors).
    const custom = orig?.[PROMISIFY_CUSTOM];
    if (typeof custom === "function") {
      const guardedCustom = function (this: unknown, ...args: unknown[]): unknown {
        const err = check([execEffect(op, args)]);
        return err ? refuseWithPromise(err) : callOriginal(custom, this, args);
      };
      copyShape(guardedCustom, custom);
      Object.defineProperty(cp[op] as Function, PROMISIFY_CUSTOM, { value: guardedCustom, enumerable: false, writable: false, configurable: true });
    }
  }
}
