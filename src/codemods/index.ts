// governor's codemod core: find every tool definition in a set of source texts and wrap its function
// in gate(name, fn). Pure (text in, text out), no fs; formatting outside touched nodes is kept.
import { applyEdits } from "./edits.js";
import { addGateImport } from "./imports.js";
import { declaresEdgeRuntime, mayHaveTools, normalize } from "./modules.js";
import { Program } from "./program.js";
import { gateAiSdk } from "./forms/ai-sdk.js";
import { gateLangChain } from "./forms/langchain.js";
import { gateLangChainClasses } from "./forms/langchain-classes.js";
import { gateOpenAiAgents } from "./forms/openai-agents.js";
import { gateMcp } from "./forms/mcp.js";
import { gateRawLoops } from "./forms/raw-loops.js";
import { gateSdkRunners } from "./forms/sdk-runners.js";
import type { FileCtx } from "./context.js";
import type { Framework, GateOptions, GateResult, SourceInput } from "./types.js";

export type { Framework, GateOptions, GateResult, PathAlias, SourceInput, ToolFinding, ToolStatus } from "./types.js";
export { declaresEdgeRuntime, mayHaveTools } from "./modules.js";

// JS/TS sources only; declaration files hold no implementations.
const SOURCE = /(?<!\.d)\.(?:[cm]?[jt]s|[jt]sx)$/;

const EDGE_REASON =
  "this file runs on the Edge runtime, where governor's runtime cannot load (it needs Node.js); set `export const runtime = \"nodejs\"` and run governor init again, or gate this tool another way";

/** An Edge route keeps its code: every site it would have gated becomes a manual one. */
function leaveEdgeFileManual(ctx: FileCtx, edits: number, findings: number, needsGate: boolean): void {
  ctx.edits.splice(edits, ctx.edits.length - edits, ...ctx.edits.slice(edits).filter((e) => e.text.includes("// governor:")));
  ctx.needsGate = needsGate;
  const eol = ctx.text.includes("\r\n") ? "\r\n" : "\n";
  for (const f of ctx.findings.slice(findings)) {
    if (f.status !== "gated") continue;
    f.status = "manual";
    f.reason = EDGE_REASON;
    const start = lineStart(ctx.text, f.line);
    const prev = ctx.text.slice(ctx.text.lastIndexOf("\n", start - 2) + 1, Math.max(start - 1, 0));
    if (/^\s*\/\/ governor:/.test(prev) || ctx.edits.some((e) => e.start === start && e.text.includes("// governor:"))) continue;
    const indent = /^[ \t]*/.exec(ctx.text.slice(start))![0];
    ctx.edits.push({ start, end: start, text: `${indent}// governor: ${EDGE_REASON}${eol}` });
  }
}

function lineStart(text: string, line: number): number {
  let pos = 0;
  for (let i = 1; i < line; i++) pos = text.indexOf("\n", pos) + 1;
  return pos;
}

export function gateSources(inputs: SourceInput[], options: GateOptions): GateResult {
  const prog = new Program(inputs, options.paths);
  const wanted = (f: Framework) => !options.frameworks || options.frameworks.includes(f);
  const pathMap = new Map<string, string>();
  for (const i of inputs) pathMap.set(normalize(i.path.replace(/\\/g, "/")), i.path);
  const paths = new Set([...prog.texts].filter(([p, t]) => SOURCE.test(p) && mayHaveTools(t)).map(([p]) => p));
  for (const p of prog.reexportImporters()) paths.add(p);
  const candidates = [...paths].map((p) => prog.get(p)).filter((c) => c !== null);
  for (const c of candidates) prog.rebindReexports(c);

  // Names AI SDK tools may be imported under elsewhere: drives the cross-file key lookup.
  const names = new Set<string>();
  for (const c of candidates) {
    if (!c.frameworks.has("ai-sdk")) continue;
    for (const k of c.exports.keys()) if (k !== "default") names.add(k);
    // A default export is imported under any name: look for its module path instead.
    if (c.exports.has("default")) {
      const stem = c.path.replace(/^.*\//, "").replace(/\.[^.]+$/, "");
      names.add(stem === "index" ? (c.path.split("/").slice(-2, -1)[0] ?? stem) : stem);
    }
  }

  const projectUsesMcp = candidates.some((c) => c.frameworks.has("mcp"));
  for (const ctx of candidates) {
    const fw = ctx.frameworks;
    const mark = { edits: ctx.edits.length, findings: ctx.findings.length, needsGate: ctx.needsGate };
    try {
      if (wanted("ai-sdk")) gateAiSdk(prog, ctx, names);
      if ((wanted("langchain") || wanted("langgraph")) && (fw.has("langchain") || fw.has("langgraph"))) {
        gateLangChain(ctx);
        gateLangChainClasses(prog, ctx);
      }
      if (wanted("openai-agents") && fw.has("openai-agents")) gateOpenAiAgents(ctx);
      if (wanted("mcp") && fw.has("mcp")) gateMcp(ctx);
      else if (wanted("mcp") && projectUsesMcp && /\.(?:registerTool\s*\(|tool\s*\(\s*["'`])/.test(ctx.text)) gateMcp(ctx, true);
      if ((wanted("openai") && fw.has("openai")) || (wanted("anthropic") && fw.has("anthropic"))) {
        gateSdkRunners(ctx);
        gateRawLoops(ctx);
      }
      if (declaresEdgeRuntime(ctx.text)) leaveEdgeFileManual(ctx, mark.edits, mark.findings, mark.needsGate);
    } catch (err) {
      // A construct we do not understand must not take the rest of the project down with it.
      ctx.edits.length = mark.edits;
      ctx.findings.length = mark.findings;
      ctx.needsGate = mark.needsGate;
      prog.warnings.push(`${ctx.path}: left unchanged, the codemod could not analyse it (${(err as Error).message}); gate its tools by hand`);
    }
  }

  const files: GateResult["files"] = [];
  const tools: GateResult["tools"] = [];
  for (const ctx of prog.parsed()) {
    addGateImport(ctx, options.moduleKind(ctx.path));
    ctx.findings.sort((a, b) => a.line - b.line);
    let after: string;
    try {
      after = applyEdits(ctx.text, ctx.edits);
    } catch (err) {
      prog.warnings.push(`${ctx.path}: left unchanged, conflicting edits (${(err as Error).message}); gate its tools by hand`);
      tools.push(...ctx.findings.map((t) => (t.status === "gated" ? { ...t, status: "manual" as const, reason: "conflicting edits; gate by hand" } : t)));
      continue;
    }
    tools.push(...ctx.findings);
    if (after !== ctx.text) files.push({ path: ctx.path, before: ctx.text, after });
  }
  // Report paths as the caller spelled them.
  const orig = (p: string) => pathMap.get(p) ?? p;
  for (const f of files) f.path = orig(f.path);
  for (const t of tools) t.file = orig(t.file);
  return { files, tools, warnings: prog.warnings.map((w) => w.replace(/^([^:]+):/, (_, p: string) => `${orig(p)}:`)) };
}
