// The exec guard: child_process spawn/exec/execFile/fork and their sync forms ask before a process
// starts. A refusal throws at the call (a promisified exec/execFile rejects), so nothing is spawned.
import { fileURLToPath } from "node:url";
import { baseName, type Effect } from "./state.js";
import {
  callOriginal,
  check,
  copyShape,
  hook,
  PROMISIFY_CUSTOM,
  refuseSync,
  refuseWithPromise,
  text,
} from "./wrap.js";

type Op = "spawn" | "spawnSync" | "exec" | "execSync" | "execFile" | "execFileSync" | "fork";

function fileUrlText(u: URL): string {
  try {
    return fileURLToPath(u);
  } catch {
    return u.href;
  }
}

/** A shell command line's first word (one pair of quotes taken off): what runs, without arguments.
 *  A line that runs more than one command (`git st && rm -rf x`, pipes, substitutions,
 *  redirections), or whose first word is not a plain name (`FOO=1 rm`, `rm;/usr/bin/git`,
 *  `"$(rm x)/git"`, `'git'x`), is "<first> …" or "<its leading name>…" (`FOO=…`): no allowlist
 *  entry or resource.commands names it, so only a grant that names no commands covers it. */
export function firstWord(line: string): string {
  const m = /^\s*(?:"([^"]*)"|'([^']*)'|(\S+))/.exec(line);
  if (!m) return "";
  const first = m[1] ?? m[2] ?? m[3];
  const rest = line.slice(m[0].length);
  // A plain name: no expansion, assignment or operator in it, and the word ends where the match does.
  const plain =
    (m[2] !== undefined ||
      (m[1] !== undefined ? !/[$`\\]/.test(first) : /^[\w./+,:@~-]+$/.test(first))) &&
    /^(\s|$)/.test(rest);
  // Not plain: only its leading name, so an assignment's value (`TOKEN=sk-… curl`) is never recorded.
  if (!plain) return `${/^[\w./+,:@~-]*=?/.exec(first)![0]}…`;
  return /[;&|`$()<>\n]/.test(rest) ? `${first} …` : first;
}

// The shells a `shell` option usually names: they run the line, so the line's first word is what runs.
const SHELLS = new Set([
  "sh",
  "bash",
  "dash",
  "zsh",
  "ksh",
  "mksh",
  "ash",
  "cmd",
  "cmd.exe",
  "powershell",
  "powershell.exe",
  "pwsh",
  "pwsh.exe",
]);

/** The options argument of spawn/execFile style calls (args may be left out, or null). */
function optionsOf(args: unknown[]): { shell?: unknown; execPath?: unknown } | undefined {
  const o = Array.isArray(args[1]) || args[1] == null ? args[2] : args[1];
  return o && typeof o === "object" ? (o as { shell?: unknown }) : undefined;
}

/** What `op(...args)` would run: the command as given; a shell line's first word (exec, or
 *  spawn/execFile with `shell`, whose arguments Node joins into the line); fork's module path.
 *  `execEffects` adds what else runs: a `shell` that is not a known shell, fork's `execPath`. */
export function execEffect(op: Op, args: unknown[]): Effect {
  const c = args[0];
  let target: string;
  if (op === "exec" || op === "execSync") target = firstWord(text(c));
  else if (op === "fork") target = c instanceof URL ? fileUrlText(c) : text(c);
  else if (optionsOf(args)?.shell)
    target = firstWord(Array.isArray(args[1]) ? [c, ...args[1]].map(text).join(" ") : text(c));
  else target = text(c);
  return { primitive: "exec", target, op };
}

export function execEffects(op: Op, args: unknown[]): Effect[] {
  const out = [execEffect(op, args)];
  const o = optionsOf(args);
  const shell = o?.shell;
  if (typeof shell === "string" && shell !== "" && !SHELLS.has(baseName(shell).toLowerCase()))
    out.push({ primitive: "exec", target: shell, op });
  const execPath = op === "fork" ? o?.execPath : undefined;
  if (execPath && execPath !== process.execPath)
    out.push({ primitive: "exec", target: text(execPath), op });
  return out;
}

const OPS: Op[] = ["spawn", "spawnSync", "exec", "execSync", "execFile", "execFileSync", "fork"];

/** Patch node:child_process in place (default imports and require see it; the installer syncs the
 *  ESM named exports afterwards). */
export function installExecGuard(): void {
  const cp = process.getBuiltinModule("node:child_process") as unknown as Record<string, unknown>;
  for (const op of OPS) {
    const orig = cp[op] as Function & { [PROMISIFY_CUSTOM]?: Function };
    hook(cp, op, {
      effects: (args) => execEffects(op, args),
      refuse: refuseSync,
      sync: op.endsWith("Sync"),
    });
    // promisify(exec) resolves { stdout, stderr } through Node's own custom form, which calls the
    // original exec: guard that form too (it rejects, as promise APIs report errors).
    const custom = orig?.[PROMISIFY_CUSTOM];
    if (typeof custom === "function") {
      const guardedCustom = function (this: unknown, ...args: unknown[]): unknown {
        const err = check(execEffects(op, args));
        return err ? refuseWithPromise(err) : callOriginal(custom, this, args);
      };
      copyShape(guardedCustom, custom);
      Object.defineProperty(cp[op] as Function, PROMISIFY_CUSTOM, {
        value: guardedCustom,
        enumerable: false,
        writable: false,
        configurable: true,
      });
    }
  }
}
