// Reading and checking serve's policy file without ever echoing a file that is not a policy. Whoever can
// write the policy's directory can swap the file (a link to /etc/passwd, a key file renamed over it) and
// usually read the server's log: errors name the path, the kind and the position, never the text.
import { isObject, lineColumn } from "../runtime/shared.js";
import { constants } from "node:fs";
import { open, readFile, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { parseDocument } from "yaml";
import { NOT_FOUND_FIX, parsePolicy, PolicyError, type Policy } from "./policy.js";

const MAX_POLICY_BYTES = 1 << 20;
const POLICY_KEYS = ["version", "default", "rules", "vocabulary"];

export type PolicyFileProblem = "missing" | "outside" | "changed" | "unreadable";

/** A policy file that could not be read; `problem` tells the watcher what to do about it. */
export class PolicyFileError extends PolicyError {
  constructor(
    message: string,
    readonly problem: PolicyFileProblem,
    fix?: string,
  ) {
    super(message, fix);
  }
}

/** Directories a reloaded policy may resolve into: the given path's and the one its target had at start. */
export async function policyHome(file: string): Promise<string[]> {
  const dirs = new Set<string>();
  for (const p of [path.dirname(path.resolve(file)), file]) {
    try {
      const real = await realpath(p);
      dirs.add(p === file ? path.dirname(real) : real);
    } catch {
      // not there: nothing to allow
    }
  }
  return [...dirs];
}

const inside = (real: string, dir: string) =>
  real === dir || real.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep);

/**
 * The file's text. Opened without blocking (a FIFO swapped in must not hang a reader), a regular file of
 * at most 1 MiB, and with `home`, only when it resolves inside one of those directories: checked on the
 * opened file itself, so a link swapped between the check and the read is caught.
 */
export async function readPolicyFile(file: string, home?: string[]): Promise<string> {
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT")
      throw new PolicyFileError(`${file}: policy file not found.`, "missing", NOT_FOUND_FIX);
    throw new PolicyFileError(
      `${file}: cannot read the policy file (${code ?? (err as Error).message}).`,
      "unreadable",
      "Check the file's permissions, or pass --policy <file>.",
    );
  }
  try {
    const st = await handle.stat();
    // At start the user chose it (`--policy <(make-policy)` is a pipe); on a reload it may be a swapped-in FIFO.
    if (!st.isFile() && !home) return await readFile(file, "utf8");
    if (!st.isFile())
      throw new PolicyFileError(
        `${file}: not a regular file.`,
        "unreadable",
        "Point --policy at a YAML or JSON file.",
      );
    if (st.size > MAX_POLICY_BYTES)
      throw new PolicyFileError(
        `${file}: larger than 1 MiB, too big for a policy.`,
        "unreadable",
        "Point --policy at your policy file.",
      );
    if (home) {
      const real = await realpath(file).catch(() => undefined);
      if (real === undefined)
        throw new PolicyFileError(`${file}: changed while being read.`, "changed");
      if (!home.some((d) => inside(real, d)))
        throw new PolicyFileError(
          `${file} now resolves to ${real}, outside ${home.join(" and ")}; not reading it.`,
          "outside",
        );
      const now = await stat(real).catch(() => undefined);
      if (!now || now.ino !== st.ino || now.dev !== st.dev)
        throw new PolicyFileError(`${file}: changed while being read.`, "changed");
    }
    const buf = Buffer.alloc(Math.min(st.size, MAX_POLICY_BYTES));
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead).toString("utf8");
  } finally {
    await handle.close();
  }
}

function kindOf(doc: unknown): string {
  if (doc === null || doc === undefined) return "the file is empty";
  if (Array.isArray(doc)) return "the file holds a list, not a map with version, default and rules";
  if (typeof doc !== "object")
    return "the file holds a single value, not a map with version, default and rules";
  return "a map with none of version, default, rules or vocabulary";
}

/**
 * parsePolicy, after checking that the text is YAML (or JSON) shaped like a policy. Only a policy's own
 * validation messages quote its values; anything else is described by kind and position.
 */
export function compilePolicy(text: string, file: string): Policy {
  let doc: unknown;
  if (/\.json$/i.test(file)) {
    try {
      doc = JSON.parse(text);
    } catch (err) {
      const m = /position (\d+)/.exec((err as Error).message);
      throw new PolicyError(
        `${file}: not valid JSON${m ? " at " + lineColumn(text, Number(m[1])) : ""}.`,
      );
    }
  } else {
    const d = parseDocument(text);
    const first = d.errors[0];
    if (first) {
      const at = first.linePos?.[0];
      throw new PolicyError(
        `${file}: not valid YAML${at ? ` at line ${at.line}, column ${at.col}` : ""} (${first.code}).`,
      );
    }
    // The yaml parser prints its warnings with an excerpt of the file: refuse what would cause one.
    const warning = d.warnings[0];
    if (warning) {
      const at = warning.linePos?.[0];
      const what =
        warning.code === "TAG_RESOLVE_FAILED"
          ? "YAML tags are not part of a policy"
          : "YAML that a policy does not use";
      throw new PolicyError(
        `${file}: ${at ? `line ${at.line}, column ${at.col}: ` : ""}${what} (${warning.code}).`,
      );
    }
    try {
      doc = d.toJS();
    } catch (err) {
      throw new PolicyError(`${file}: not valid YAML (${(err as Error).name}).`);
    }
  }
  if (!isObject(doc) || !POLICY_KEYS.some((k) => Object.hasOwn(doc as object, k)))
    throw new PolicyError(
      `${file}: not a policy: ${kindOf(doc)}.`,
      "A policy is YAML or JSON starting with `version: 1` (see docs/cli.md).",
    );
  return parsePolicy(text, file);
}
