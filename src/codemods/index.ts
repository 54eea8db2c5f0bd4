// governor's codemod core: find every tool definition in a set of source texts and wrap its function
// in gate(name, fn). Pure (text in, text out), no fs; formatting outside touched nodes is kept.
import { applyEdits, isMarkerEdit, markerEdit } from "./edits.js";
import { isSourcePath, posOfLine } from "../runtime/shared.js";
import { lineAfterMoves, lineMoves } from "./line-after.js";
import { addGateImport } from "./imports.js";
import { declaresEdgeRuntime, importsMcp, mayHaveTools, normalize } from "../detectors/modules.js";
import { Program } from "./program.js";
import { FORMS, type Form, type Run } from "./forms/index.js";
import type { Edit } from "./edits.js";
import type { ToolFinding } from "./types.js";
import type { FileCtx } from "./context.js";
import type { Framework, GateOptions, GateResult, SourceInput } from "./types.js";

export type {
  Framework,
  GateOptions,
  GateResult,
  PathAlias,
  SourceInput,
  ToolFinding,
  ToolStatus,
} from "./types.js";
export { declaresEdgeRuntime, mayHaveTools } from "../detectors/modules.js";

const EDGE_REASON =
  'this file runs on the Edge runtime, where governor\'s runtime cannot load (it needs Node.js); set `export const runtime = "nodejs"` and run governor init again, or gate this tool another way';

/** An Edge route keeps its code: every site it would have gated becomes a manual one. */
function leaveEdgeFileManual(text: string, out: FormOutput): FormOutput {
  const edits = out.edits.filter(isMarkerEdit);
  const findings = out.findings.map((f) =>
    f.status === "gated" ? { ...f, status: "manual" as const, reason: EDGE_REASON } : f,
  );
  for (const f of findings) {
    const marker =
      f.reason === EDGE_REASON && markerEdit(text, posOfLine(text, f.line), EDGE_REASON, edits);
    if (marker) edits.push(marker);
  }
  return { edits, findings, needsGate: false };
}

/** What one form recorded on one file. */
interface FormOutput {
  edits: Edit[];
  findings: ToolFinding[];
  needsGate: boolean;
}

/**
 * Runs one form on a view of the file: the view shares the parse, bindings and claimed sites, but
 * collects its own edits and findings, which are returned (a form that throws returns nothing).
 */
function runForm(form: Form, ctx: FileCtx, run: Run, earlier: Edit[]): FormOutput {
  const view: FileCtx = Object.create(ctx, {
    edits: { value: [], writable: true },
    findings: { value: [], writable: true },
    needsGate: { value: false, writable: true },
    earlierEdits: { value: earlier },
  });
  form.run?.(view, run);
  return { edits: view.edits, findings: view.findings, needsGate: view.needsGate };
}

export function gateSources(inputs: SourceInput[], options: GateOptions): GateResult {
  const prog = new Program(inputs, options.paths);
  const wanted = (f: Framework) => !options.frameworks || options.frameworks.includes(f);
  const pathMap = new Map<string, string>();
  for (const i of inputs) pathMap.set(normalize(i.path.replace(/\\/g, "/")), i.path);
  const paths = new Set(
    [...prog.texts].filter(([p, t]) => isSourcePath(p) && mayHaveTools(t)).map(([p]) => p),
  );
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

  const run: Run = {
    prog,
    aiSdkNames: names,
    // from every text: the file making the server need not be parsed for another to register on it
    projectUsesMcp: [...prog.texts.values()].some(importsMcp),
    wanted,
  };
  const defaultApplies = (form: Form, ctx: FileCtx) =>
    form.frameworks.some((f) => wanted(f) && ctx.frameworks.has(f));
  for (const ctx of candidates) {
    let file: FormOutput = { edits: [], findings: [], needsGate: false };
    for (const form of FORMS) {
      if (
        !form.run ||
        !form.frameworks.some(wanted) ||
        !(form.applies ? form.applies(ctx, run) : defaultApplies(form, ctx))
      )
        continue;
      try {
        const out = runForm(form, ctx, run, file.edits);
        file = {
          edits: [...file.edits, ...out.edits],
          findings: [...file.findings, ...out.findings],
          needsGate: file.needsGate || out.needsGate,
        };
      } catch (err) {
        // A construct we do not understand must not take the rest of the project down with it.
        file = { edits: [], findings: [], needsGate: false };
        prog.warnings.push(
          `${ctx.path}: left unchanged, the codemod could not analyse it (${(err as Error).message}); gate its tools by hand`,
        );
        break;
      }
    }
    if (declaresEdgeRuntime(ctx.text)) file = leaveEdgeFileManual(ctx.text, file);
    ctx.edits.push(...file.edits);
    ctx.findings.push(...file.findings);
    ctx.needsGate ||= file.needsGate;
  }

  for (const form of FORMS) {
    if (!form.finish || !form.frameworks.some(wanted)) continue;
    try {
      form.finish(candidates, run);
    } catch (err) {
      prog.warnings.push(
        `${form.id}: registration sites left unchanged, the codemod could not analyse them (${(err as Error).message})`,
      );
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
      prog.warnings.push(
        `${ctx.path}: left unchanged, conflicting edits (${(err as Error).message}); gate its tools by hand`,
      );
      tools.push(
        ...ctx.findings.map((t) =>
          t.status === "gated"
            ? { ...t, status: "manual" as const, reason: "conflicting edits; gate by hand" }
            : t,
        ),
      );
      continue;
    }
    const moves = lineMoves(ctx.text, ctx.edits);
    for (const t of ctx.findings) t.lineAfter = lineAfterMoves(ctx.text, moves, t.line);
    tools.push(...ctx.findings);
    if (after !== ctx.text) files.push({ path: ctx.path, before: ctx.text, after, moves });
  }
  // Report paths as the caller spelled them.
  const orig = (p: string) => pathMap.get(p) ?? p;
  for (const f of files) f.path = orig(f.path);
  for (const t of tools) t.file = orig(t.file);
  return {
    files,
    tools,
    warnings: prog.warnings.map((w) => w.replace(/^([^:]+):/, (_, p: string) => `${orig(p)}:`)),
  };
}
