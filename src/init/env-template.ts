import { eolOf } from "../runtime/shared.js";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

// Merges governor's runtime variables into the project's env template. Existing keys are never
// changed; only missing ones are appended, each with its comment.

export { ENV_TEMPLATE_NAMES } from "../detectors/project-files.js";

const KEY_LINE = /^\s*#?\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/;

/** templates/env.example, found from dist/ (the CLI) or src/init/ (tests). */
export function readEnvTemplate(): string {
  for (const rel of ["../templates/env.example", "../../templates/env.example"]) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path)) return readFileSync(path, "utf8");
  }
  throw new Error("templates/env.example is missing from the governor package");
}

/** Keys already present, including commented-out ones (`# KEY=`), which the user chose to leave unset. */
export function envKeys(text: string): Set<string> {
  const keys = new Set<string>();
  for (const line of text.split(/\r?\n/)) {
    const m = KEY_LINE.exec(line);
    if (m) keys.add(m[1]);
  }
  return keys;
}

/** Blocks of the template: comment lines followed by one or more KEY= (or `# KEY=`) lines. */
function templateBlocks(
  template: string,
): { comments: string[]; lines: { key: string; line: string }[] }[] {
  const blocks: { comments: string[]; lines: { key: string; line: string }[] }[] = [];
  for (const chunk of template.split(/\r?\n\s*\r?\n/)) {
    const comments: string[] = [];
    const lines: { key: string; line: string }[] = [];
    for (const line of chunk.split(/\r?\n/)) {
      if (!line.trim()) continue;
      // `# KEY=value`: a variable the template leaves unset on purpose (GOVERNOR_MODE), added commented.
      const m =
        /^(?:#\s?)?([A-Z_][A-Z0-9_]*)=/.exec(line) ?? /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(line);
      if (m) lines.push({ key: m[1], line });
      else comments.push(line);
    }
    if (lines.length) blocks.push({ comments, lines });
  }
  return blocks;
}

/** The merged text, or `existing` unchanged when every key is already there. */
export function mergeEnvTemplate(existing: string | null, template: string): string {
  const base = existing ?? "";
  const present = envKeys(base);
  const eol = eolOf(base);
  const out: string[] = [];
  for (const block of templateBlocks(template)) {
    const missing = block.lines.filter((l) => !present.has(l.key));
    if (!missing.length) continue;
    out.push([...block.comments, ...missing.map((l) => l.line)].join(eol));
  }
  if (!out.length) return base;
  const header = "# --- governor: policy gate for AI tool calls (added by `governor init`) ---";
  const added = header + eol + out.join(eol + eol) + eol;
  if (!base) return added;
  const sep = base.endsWith(eol + eol) ? "" : base.endsWith("\n") ? eol : eol + eol;
  return base + sep + added;
}
