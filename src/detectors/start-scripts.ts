// The exact start command that preloads governor/register, for doctor's fixes and init's offer.
// Text in, text out; nothing here writes.
import { APP_SCRIPT, preloadIn } from "./instrumentation.js";

export const IMPORT_FLAG = "--import governor/register";

// Runners that take node's flags themselves: the flag goes right after them (after `watch` for tsx).
const TAKES_FLAGS = new Set(["node", "tsx", "bun"]);
// Runners that start node for you: NODE_OPTIONS reaches the process they start.
const WRAPPERS = new Set([
  "nodemon",
  "ts-node",
  "ts-node-esm",
  "ts-node-dev",
  "node-dev",
  "esno",
  "vite-node",
  "jiti",
]);

export interface ScriptChange {
  /** The script's name in package.json. */
  script: string;
  before: string;
  after: string;
  how: "flag" | "node-options";
}

/** `node src/x.js` -> `node --import governor/register src/x.js`; null when the line already preloads
 *  it or does not start node in a way we know (`next dev`, `vite`). */
export function withPreload(line: string): { after: string; how: ScriptChange["how"] } | null {
  if (preloadIn(line)) return null;
  const parts = line.split(/(&&|\|\||;)/);
  for (let i = 0; i < parts.length; i += 2) {
    const seg = parts[i];
    const tokens = [...seg.matchAll(/\S+/g)];
    const at = tokens.findIndex((t) => TAKES_FLAGS.has(base(t[0])) || WRAPPERS.has(base(t[0])));
    if (at < 0) continue;
    const runner = base(tokens[at][0]);
    // a runner with no file or arguments (`node`, `tsx --version`) is not the app
    if (!tokens.slice(at + 1).some((t) => !t[0].startsWith("-"))) continue;
    let next: string;
    let how: ScriptChange["how"] = "flag";
    if (runner === "bun") continue; // bun does not load Node's module hooks
    if (TAKES_FLAGS.has(runner)) {
      const after =
        runner === "tsx" && tokens[at + 1]?.[0] === "watch" ? tokens[at + 1] : tokens[at];
      const pos = after.index! + after[0].length;
      next = seg.slice(0, pos) + " " + IMPORT_FLAG + seg.slice(pos);
    } else {
      const pos = tokens[at].index!;
      next = seg.slice(0, pos) + `NODE_OPTIONS='${IMPORT_FLAG}' ` + seg.slice(pos);
      how = "node-options";
    }
    return { after: [...parts.slice(0, i), next, ...parts.slice(i + 1)].join(""), how };
  }
  return null;
}

const base = (t: string) => t.replace(/^.*\//, "");

/** The changes for a package's app scripts (start, dev, serve, start:prod, ...), in file order. */
export function startScriptChanges(scripts: Record<string, unknown> | undefined): ScriptChange[] {
  const out: ScriptChange[] = [];
  for (const [script, line] of Object.entries(scripts ?? {})) {
    if (typeof line !== "string" || !APP_SCRIPT.test(script)) continue;
    const c = withPreload(line);
    if (c) out.push({ script, before: line, ...c });
  }
  return out;
}

/** The command to show when no script starts the app: `node --import governor/register <entry>`. */
export function preloadCommand(entry: string | null, typescript: boolean): string {
  const file = entry ?? "<entry file>";
  return typescript && /\.[mc]?tsx?$/.test(file)
    ? `tsx ${IMPORT_FLAG} ${file}`
    : `node ${IMPORT_FLAG} ${file}`;
}
