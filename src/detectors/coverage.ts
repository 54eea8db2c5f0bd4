// Which layer gates each tool doctor can see in a package: its definition (a gate() in the code),
// its registration (governTools / governMcpServer / governMcpClient) or instrumentation
// (governor/register's hooks); and, for the rest, what would. Read only.
import { ts } from "ts-morph";
import { UNSUPPORTED_FRAMEWORKS, type FrameworkId } from "../frameworks.js";
import { detectInstrumentation, INSTRUMENTED, type Instrumentation } from "./instrumentation.js";
import type { PackageProject } from "./project.js";
import {
  isRegistered,
  scanRuntimeTools,
  type RuntimeScan,
  type RuntimeTool,
  type RuntimeToolKind,
} from "./runtime-tools.js";
import { preloadCommand, startScriptChanges } from "./start-scripts.js";

export type Layer = "definition" | "registration" | "instrumentation";

export interface CoverageItem {
  /** Relative to the package directory. */
  file: string;
  line: number;
  name: string | null;
  framework: FrameworkId | null;
  kind: "definition" | RuntimeToolKind | "skipped";
  /** `tool()`, `new TavilySearch() (@langchain/tavily)`. */
  what: string;
  gatedBy: Layer | null;
  /** Not gated: what would gate it. */
  fix?: string;
  /** Only a person can gate it (no command or flag does). */
  byHand?: boolean;
}

export interface PackageCoverage {
  instrumentation: Instrumentation;
  items: CoverageItem[];
}

const hooked = (inst: Instrumentation, via: FrameworkId[]) =>
  via.some((f) => inst.reaches.includes(f === "langgraph" ? "langchain" : f));

// Parsed texts, for holdsGate: the same file is asked about once per manual site in it.
const parsed = new Map<string, ts.SourceFile>();

/** A definition whose code already holds a gate() from governor/runtime: gated, whatever name the
 *  codemod could (or could not) resolve for it. */
function holdsGate(text: string | undefined, line: number): boolean {
  if (!text || !/["']governor(?:\/runtime)?["']/.test(text)) return false;
  const sf =
    parsed.get(text) ??
    ts.createSourceFile("x.tsx", text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  if (parsed.size > 50) parsed.clear();
  parsed.set(text, sf);
  const gates = new Set<string>();
  for (const st of sf.statements) {
    if (
      ts.isImportDeclaration(st) &&
      ts.isStringLiteral(st.moduleSpecifier) &&
      /^governor(?:\/runtime)?$/.test(st.moduleSpecifier.text)
    ) {
      const nb = st.importClause?.namedBindings;
      if (nb && ts.isNamedImports(nb))
        for (const e of nb.elements)
          if ((e.propertyName ?? e.name).text === "gate") gates.add(e.name.text);
    }
  }
  const req =
    /\b(?:const|let|var)\s*\{[^}]*\bgate(?:\s*:\s*(\w+))?[^}]*\}\s*=\s*require\(\s*["']governor(?:\/runtime)?["']\s*\)/.exec(
      text,
    );
  if (req) gates.add(req[1] ?? "gate");
  if (!gates.size) return false;
  let found = false;
  const visit = (n: ts.Node) => {
    if (found) return;
    const start = sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
    if (
      start === line &&
      (ts.isCallExpression(n) ||
        ts.isNewExpression(n) ||
        ts.isClassLike(n) ||
        ts.isObjectLiteralExpression(n))
    ) {
      const inner = (x: ts.Node): boolean =>
        (ts.isCallExpression(x) && ts.isIdentifier(x.expression) && gates.has(x.expression.text)) ||
        ts.forEachChild(x, inner) === true;
      if (inner(n)) found = true;
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

const unsupportedHow = (what: string) =>
  UNSUPPORTED_FRAMEWORKS.find((f) => what.includes(f.label))?.tools ?? "tools";

/** The fix for an unsupported framework's tools; `tools`: how it declares them (UnsupportedFramework.tools). */
export const unsupportedFix = (tools: string) =>
  `wrap each tool function it runs (its ${tools}) in gate("<name>", fn) from governor/runtime`;

/** The start command that preloads instrumentation in this package, for fixes. */
export function preloadHint(pkg: PackageProject): string {
  const change = startScriptChanges(
    pkg.packageJson?.scripts as Record<string, unknown> | undefined,
  )[0];
  if (change) return `start it with \`${change.after}\` (scripts.${change.script})`;
  const entry = pkg.entrypoints?.[0]?.file ?? null;
  return `start node with \`${preloadCommand(entry, pkg.language === "ts")}\``;
}

const WRAP: Record<string, string> = {
  prebuilt: "pass the tools through governTools([...]) from governor/runtime",
  "as-tool": "pass the tools through governTools([...]) from governor/runtime",
  "mastra-tool": "pass the agent's tools object through governTools({...}) from governor/runtime",
};

function runtimeFix(t: RuntimeTool, inst: Instrumentation, hint: string): string {
  const layers: string[] = [];
  if (t.via.length && !inst.unreachable) layers.push(`instrumentation would gate it: ${hint}`);
  let wrap = WRAP[t.kind];
  if (t.kind === "mcp-client") {
    if (t.framework === "mcp")
      wrap = "wrap the client with governMcpClient(client) from governor/runtime";
    else if (t.framework === "ai-sdk")
      wrap = "pass its tools through governTools(await client.tools()) from governor/runtime";
    else if (t.framework === "langchain")
      wrap = "pass its tools through governTools(await client.getTools()) from governor/runtime";
  }
  if (wrap) layers.push(wrap);
  const fix =
    layers.join(", or ") || "nothing in governor gates it yet; gate what it calls by hand";
  return inst.unreachable && t.via.length
    ? `${fix} (instrumentation cannot reach it: ${inst.unreachable})`
    : fix;
}

/** Files the package did not read that may hold tools (links out, too large, unreadable, not UTF-8):
 *  whatever is in them, no check can say it is gated, so each is one item only a person can close. */
export function skippedItems(pkg: PackageProject): CoverageItem[] {
  return (pkg.skipped ?? []).map((s) => ({
    file: s.path,
    line: 0,
    name: null,
    framework: null,
    kind: "skipped",
    what: `not read: ${s.why}`,
    gatedBy: null,
    fix: s.reason,
    byHand: true,
  }));
}

export interface CoverageInputs {
  /** How governor/register is loaded, when not as the package shows today (init: once its edits are in). */
  instrumentation?: Instrumentation;
  /** The package's runtime-tools scan, when the caller has it already. */
  scan?: RuntimeScan;
}

/** What coverage reads of a tool definition the codemod found (the fields of its ToolFinding). */
export interface FoundDefinition {
  file: string;
  line: number;
  name: string | null;
  framework: FrameworkId;
  form: string;
  status: "gated" | "already-gated" | "manual";
  reason?: string;
}

export function packageCoverage(
  pkg: PackageProject,
  definitions: FoundDefinition[],
  env: NodeJS.ProcessEnv,
  given: CoverageInputs = {},
): PackageCoverage {
  const inst = given.instrumentation ?? detectInstrumentation(pkg, env);
  const scan = given.scan ?? scanRuntimeTools(pkg.sources, pkg.pathAliases ?? []);
  const texts = new Map(pkg.sources.map((s) => [s.path, s.text]));
  const hint = preloadHint(pkg);
  const items: CoverageItem[] = [];
  // The codemod takes every asTool() in a file that imports OpenAI Agents for an Agent's; where the
  // scan sees a LangChain runnable there, its RunnableToolLike report is the true one.
  const langchainAsTool = new Set(
    scan.tools
      .filter((t) => t.kind === "as-tool" && t.framework === "langchain")
      .map((t) => `${t.file}:${t.line}`),
  );
  definitions = definitions.filter(
    (d) => !(d.form === "asTool" && langchainAsTool.has(`${d.file}:${d.line}`)),
  );
  for (const d of definitions) {
    // A tool init gates at the wrapper it adds where the tool is registered: named as the scan saw it.
    const atWrapper =
      d.form === "registration"
        ? scan.tools.find((t) => t.file === d.file && t.line === d.line)
        : undefined;
    const item: CoverageItem = {
      file: d.file,
      line: d.line,
      name: d.name,
      framework: d.framework,
      kind: "definition",
      what: atWrapper?.what ?? d.form,
      gatedBy: null,
    };
    const lineText = (texts.get(d.file) ?? "").split("\n")[d.line - 1] ?? "";
    const server = /(\w+)\s*\.\s*(?:tool|registerTool|setRequestHandler)\s*\(/.exec(lineText)?.[1];
    // A registration finding already gated: the governTools wrapper in the code asks for it.
    if (d.status === "already-gated" && d.form === "registration") item.gatedBy = "registration";
    else if (
      d.status === "already-gated" ||
      (d.status === "manual" && holdsGate(texts.get(d.file), d.line))
    )
      item.gatedBy = "definition";
    else if (
      isRegistered(scan.registration, d.file, d.line) ||
      (server && scan.registration.identifiers.get(d.file)?.has(server))
    )
      item.gatedBy = "registration";
    else if (hooked(inst, [d.framework])) item.gatedBy = "instrumentation";
    else {
      const offered = /--import governor\/register/.test(d.reason ?? "");
      const alt =
        INSTRUMENTED.includes(d.framework) && !inst.unreachable && !offered
          ? `; or ${hint} (instrumentation gates it)`
          : "";
      if (d.status === "gated")
        item.fix = `run \`governor init\` (${d.form === "registration" ? "gates it where it is registered" : "gates it at its definition"})${alt}`;
      else {
        item.fix = `${d.reason ?? `wrap it in gate("<name>", fn) from governor/runtime`}${alt}`;
        item.byHand = true;
      }
    }
    items.push(item);
  }
  const defined = new Set(definitions.map((d) => `${d.file}:${d.line}`));
  for (const t of scan.tools) {
    if (defined.has(`${t.file}:${t.line}`)) continue; // the codemod reported it already (asTool)
    const item: CoverageItem = {
      file: t.file,
      line: t.line,
      name: t.name,
      framework: t.framework,
      kind: t.kind,
      what: t.what,
      gatedBy: null,
    };
    if (t.kind === "hosted") {
      item.fix = /own executor/.test(t.what)
        ? 'its calls go to the executor you give it (shell, computer, patch), not through a function tool: wrap that executor\'s methods in gate("<name>", fn) from governor/runtime, or set needsApproval'
        : t.what.includes("hostedMcpTool")
          ? 'it runs on OpenAI\'s servers, where no local layer can gate it: limit it with allowedTools and requireApproval: "always"'
          : "it runs on OpenAI's servers, where no local layer can gate it: remove it from agents whose every call must ask enforce";
      item.byHand = true;
    } else if (t.kind === "unsupported") {
      item.fix = unsupportedFix(unsupportedHow(t.what));
      item.byHand = true;
    } else if (isRegistered(scan.registration, t.file, t.line, t.endLine, t.variable))
      item.gatedBy = "registration";
    else if (hooked(inst, t.via)) item.gatedBy = "instrumentation";
    else item.fix = runtimeFix(t, inst, hint);
    items.push(item);
  }
  items.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  return { instrumentation: inst, items };
}
