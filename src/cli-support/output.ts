// Colour and small tables for CLI output. Colour only on a TTY, never with NO_COLOR, forced by FORCE_COLOR.
import { Chalk, type ChalkInstance } from "chalk";

export function colorEnabled(
  stream: { isTTY?: boolean },
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== "0" && env.FORCE_COLOR !== "false";
  return Boolean(stream.isTTY) && env.TERM !== "dumb";
}

export function paint(stream: { isTTY?: boolean } = process.stdout): ChalkInstance {
  return new Chalk({ level: colorEnabled(stream) ? 1 : 0 });
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;
const width = (s: string) => s.replace(ANSI, "").length;

/** Left-aligned columns separated by two spaces; cells may contain colour codes. */
export function table(rows: string[][], indent = "  "): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, width(cell))));
  return rows
    .map(
      (r) =>
        indent +
        r
          .map((cell, i) =>
            i === r.length - 1 ? cell : cell + " ".repeat(widths[i] - width(cell)),
          )
          .join("  "),
    )
    .join("\n");
}

/** Writes to stdout; a closed pipe (`| head`) is not an error. */
export function print(text: string): void {
  process.stdout.write(text.endsWith("\n") ? text : text + "\n");
}
