// Keys given to the CLI. A flag's value is on the command line, which every user of the machine can read
// (`ps`, /proc/<pid>/cmdline): so each key flag has a `-file` twin and an environment variable, and using
// the flag itself prints a warning.
import { readFileSync } from "node:fs";
import { whyUnreadable } from "../runtime/shared.js";
import { CliError } from "./errors.js";

export { whyUnreadable };

/** The key in a file: surrounding whitespace (the trailing newline `echo` writes) dropped; one line, not empty. */
export function readKeyFile(file: string, from: string): string {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const what = whyUnreadable(err);
    throw new CliError(
      "key_file",
      `${from} ${file} ${what}.`,
      'Write the key alone into that file (`umask 077; printf %s "$KEY" > <file>`), or fix the path.',
    );
  }
  const key = text.trim();
  if (key === "")
    throw new CliError(
      "key_file",
      `${from} ${file} is empty.`,
      "Write the key into that file, on one line.",
    );
  if (/[\r\n]/.test(key))
    throw new CliError(
      "key_file",
      `${from} ${file} holds more than one line.`,
      "A key file holds the key alone, on one line.",
    );
  return key;
}

export interface KeyFlag {
  /** e.g. "--api-key"; its file twin is "--api-key-file". */
  flag: string;
  /** e.g. "GOVERNOR_SERVE_API_KEY"; its file twin is "GOVERNOR_SERVE_API_KEY_FILE". */
  env: string;
}

/** The warning printed when a key comes from its flag. */
export function visibleKeyWarning(k: KeyFlag): string {
  return `warning: ${k.flag} is visible to other users of this machine (in \`ps\`); use ${k.flag}-file <path> or ${k.env} instead.`;
}

/**
 * The key from `--x` or `--x-file`, then (when `env` is given) from ENV or ENV_FILE; undefined if none.
 * Both of a pair set is an error: which one wins would be a guess.
 */
export function resolveKey(
  k: KeyFlag,
  given: { value?: string; file?: string },
  opts: { env?: NodeJS.ProcessEnv; warn?: (line: string) => void } = {},
): string | undefined {
  if (given.value !== undefined && given.file !== undefined)
    throw new CliError(
      "invalid_options",
      `${k.flag} and ${k.flag}-file are both given.`,
      `Keep ${k.flag}-file <path> (not visible in \`ps\`).`,
    );
  if (given.file !== undefined) return readKeyFile(given.file, `${k.flag}-file`);
  if (given.value !== undefined) {
    (opts.warn ?? ((line) => process.stderr.write(line + "\n")))(visibleKeyWarning(k));
    return given.value;
  }
  const env = opts.env;
  if (!env) return undefined;
  const direct = env[k.env] || undefined;
  const named = env[`${k.env}_FILE`] || undefined;
  if (direct !== undefined && named !== undefined)
    throw new CliError(
      "invalid_options",
      `${k.env} and ${k.env}_FILE are both set.`,
      "Keep one of them.",
    );
  if (named !== undefined) return readKeyFile(named, `${k.env}_FILE`);
  return direct;
}
