// Tools no definition rewrite can reach, found in a package's source: prebuilt library tool
// instances, MCP clients, OpenAI Agents asTool(), Mastra createTool(), imports of frameworks governor
// does not support; and what flows into governTools / governMcpServer / governMcpClient. Read only.
import { ts } from "ts-morph";
import {
  isLibraryToolModule,
  UNSUPPORTED_FRAMEWORKS,
  unsupportedFrameworkOf,
  type FrameworkId,
} from "../frameworks.js";
import { isLangChainSpec, mayHaveTools, resolveSpec, type PathAlias } from "./modules.js";
import { parseSource } from "./parse.js";
import { compilerNodesOfKinds } from "./syntax-index.js";
import { agentToolKeys, nameMastraTools, type MastraSite, type Project } from "./mastra-keys.js";

export type RuntimeToolKind =
  "prebuilt" | "mcp-client" | "as-tool" | "mastra-tool" | "hosted" | "unsupported";

export interface RuntimeTool {
  kind: RuntimeToolKind;
  file: string;
  line: number;
  endLine: number;
  /** What it is in the user's words: `new TavilySearch()`, `createMCPClient()`. */
  what: string;
  /** The tool name when the source shows it (Mastra `id`, asTool `toolName`). */
  name: string | null;
  framework: FrameworkId | null;
  /** Frameworks whose instrumentation gates it (any one is enough); empty: none can. */
  via: FrameworkId[];
  /** A variable it is assigned to, for the registration flow. */
  variable: string | null;
}

/** Lines (1-based, inclusive) whose values flow into a govern* wrapper, and the identifiers that do. */
export interface Registration {
  ranges: { file: string; start: number; end: number }[];
  identifiers: Map<string, Set<string>>;
}

const INTEREST =
  /["'](?:@langchain\/|langchain|@modelcontextprotocol\/|@ai-sdk\/mcp|ai|@openai\/agents|@mastra\/|governor)[^"']*["']|\bgovern(?:Tools|McpServer|McpClient)\b/;
const UNSUPPORTED = new RegExp(
  `["'](?:${UNSUPPORTED_FRAMEWORKS.flatMap((f) => f.packages)
    .map((p) => p.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"))
    .join("|")})`,
);
const RUNTIME = new Set(["governor/runtime", "governor"]);
const WRAPPERS = new Set(["governTools", "governMcpServer", "governMcpClient"]);
const AGENTS_MCP = new Set(["MCPServerStdio", "MCPServerStreamableHttp", "MCPServerSSE"]);
// OpenAI Agents tools OpenAI runs (hosted), and the ones that run a local executor of their own:
// neither is a function tool any local layer can gate. Builder -> the tool name the model sees.
const AGENTS_HOSTED = new Map([
  ["webSearchTool", "web_search"],
  ["fileSearchTool", "file_search"],
  ["codeInterpreterTool", "code_interpreter"],
  ["imageGenerationTool", "image_generation"],
]);
const AGENTS_EXECUTORS = new Map([
  ["computerTool", "computer_use_preview"],
  ["shellTool", "shell"],
  ["applyPatchTool", "apply_patch"],
]);
const TOOL_TAKERS = new Set(["ToolNode", "createReactAgent", "createAgent", "bindTools", "Agent"]);
// LangChain classes the codemod gates where they are defined (or that are not tools at all).
const DEFINED_HERE = new Set([
  "DynamicTool",
  "DynamicStructuredTool",
  "StructuredTool",
  "Tool",
  "ToolNode",
]);

export interface Binding {
  spec: string;
  /** Imported name ("*" for a namespace, "default"). */
  name: string;
}

export interface FileFacts {
  path: string;
  sf: ts.SourceFile;
  imports: Map<string, Binding>;
  /** Variables by name: their initializer's lines and the identifiers it mentions. */
  vars: Map<string, { start: number; end: number; idents: Set<string> }[]>;
  governed: ts.Node[];
  /** Top-level initializers by variable name, for following a value to its definition. */
  inits: Map<string, ts.Expression>;
  /** `export { local as name }`, `export default local`: exported name -> local name. */
  exportsAs: Map<string, string>;
  /** `export { name } from "./x"` (exported name -> binding) and `export * from "./x"` specifiers. */
  reexports: { named: Map<string, Binding>; stars: string[] };
  /** The `tools` of each Mastra `new Agent({ tools })`: the names the model calls its tools by. */
  agentTools: ts.Expression[];
}

// What each pass looks at, from the file's one index (each used to walk the whole tree).
const K = ts.SyntaxKind;
const IMPORT_KINDS = [K.ImportDeclaration, K.VariableDeclaration];
const CALL_KINDS = [K.CallExpression, K.NewExpression];
const FACT_KINDS = [K.VariableDeclaration, K.CallExpression, K.NewExpression];
const TOOL_KINDS = [K.ImportDeclaration, K.ExportDeclaration, K.CallExpression, K.NewExpression];

const lineOf = (sf: ts.SourceFile, pos: number) => sf.getLineAndCharacterOfPosition(pos).line + 1;

function collectImports(sf: ts.SourceFile): Map<string, Binding> {
  const out = new Map<string, Binding>();
  const visit = (n: ts.Node) => {
    if (
      ts.isImportDeclaration(n) &&
      ts.isStringLiteral(n.moduleSpecifier) &&
      n.importClause &&
      !n.importClause.isTypeOnly
    ) {
      const spec = n.moduleSpecifier.text;
      const c = n.importClause;
      if (c.name) out.set(c.name.text, { spec, name: "default" });
      const nb = c.namedBindings;
      if (nb && ts.isNamespaceImport(nb)) out.set(nb.name.text, { spec, name: "*" });
      else if (nb)
        for (const e of nb.elements)
          if (!e.isTypeOnly) out.set(e.name.text, { spec, name: (e.propertyName ?? e.name).text });
    } else if (ts.isVariableDeclaration(n) && n.initializer) {
      // const { Client } = require("..."), const x = require("...")
      let init: ts.Expression = n.initializer;
      while (ts.isAwaitExpression(init) || ts.isParenthesizedExpression(init))
        init = init.expression;
      if (
        ts.isCallExpression(init) &&
        (init.expression.getText(sf) === "require" ||
          init.expression.kind === ts.SyntaxKind.ImportKeyword) &&
        init.arguments[0] &&
        ts.isStringLiteral(init.arguments[0])
      ) {
        const spec = init.arguments[0].text;
        if (ts.isIdentifier(n.name)) out.set(n.name.text, { spec, name: "*" });
        else if (ts.isObjectBindingPattern(n.name))
          for (const e of n.name.elements)
            if (ts.isIdentifier(e.name))
              out.set(e.name.text, {
                spec,
                name:
                  e.propertyName && ts.isIdentifier(e.propertyName)
                    ? e.propertyName.text
                    : e.name.text,
              });
      }
    }
  };
  for (const n of compilerNodesOfKinds(sf, IMPORT_KINDS)) visit(n);
  return out;
}

/** The binding an expression like `Client`, `mcp.Client` or `agents.MCPServerStdio` refers to. */
function bindingOf(f: FileFacts, e: ts.Expression): Binding | null {
  if (ts.isIdentifier(e)) return f.imports.get(e.text) ?? null;
  if (ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression)) {
    const ns = f.imports.get(e.expression.text);
    if (ns && ns.name === "*") return { spec: ns.spec, name: e.name.text };
  }
  return null;
}

function identsIn(n: ts.Node): Set<string> {
  const out = new Set<string>();
  const visit = (x: ts.Node) => {
    // values only: not `.name` of a property access, nor a property's key
    if (ts.isIdentifier(x)) {
      const p = x.parent;
      const key =
        (ts.isPropertyAccessExpression(p) && p.name === x) ||
        (ts.isPropertyAssignment(p) && p.name === x);
      if (!key) out.add(x.text);
    }
    ts.forEachChild(x, visit);
  };
  visit(n);
  return out;
}

function stringProp(arg: ts.Expression | undefined, key: string): string | null {
  if (!arg || !ts.isObjectLiteralExpression(arg)) return null;
  for (const p of arg.properties) {
    if (
      ts.isPropertyAssignment(p) &&
      (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) &&
      p.name.text === key
    ) {
      const v = p.initializer;
      if (ts.isStringLiteral(v) || ts.isNoSubstitutionTemplateLiteral(v)) return v.text;
    }
  }
  return null;
}

/** The value of `key` in an object literal (`{ tools }` counts). */
function propOf(arg: ts.Expression | undefined, key: string): ts.Expression | undefined {
  if (!arg || !ts.isObjectLiteralExpression(arg)) return undefined;
  for (const p of arg.properties) {
    if (
      ts.isPropertyAssignment(p) &&
      (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) &&
      p.name.text === key
    )
      return p.initializer;
    if (ts.isShorthandPropertyAssignment(p) && p.name.text === key) return p.name;
  }
  return undefined;
}

function collectExports(f: FileFacts): void {
  for (const st of f.sf.statements) {
    if (ts.isVariableStatement(st))
      for (const d of st.declarationList.declarations)
        if (ts.isIdentifier(d.name) && d.initializer) f.inits.set(d.name.text, d.initializer);
    if (ts.isExportAssignment(st) && !st.isExportEquals && ts.isIdentifier(st.expression))
      f.exportsAs.set("default", st.expression.text);
    if (!ts.isExportDeclaration(st) || st.isTypeOnly) continue;
    const spec =
      st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier) ? st.moduleSpecifier.text : null;
    const clause = st.exportClause;
    if (!clause && spec) f.reexports.stars.push(spec);
    else if (clause && ts.isNamedExports(clause))
      for (const e of clause.elements) {
        const local = (e.propertyName ?? e.name).text;
        if (spec) f.reexports.named.set(e.name.text, { spec, name: local });
        else f.exportsAs.set(e.name.text, local);
      }
  }
}

/** The variable a value is assigned to (`const t = new X()`, `const t = await f()`). */
function assignedTo(n: ts.Node): string | null {
  let p = n.parent;
  while (
    p &&
    (ts.isAwaitExpression(p) ||
      ts.isParenthesizedExpression(p) ||
      ts.isAsExpression(p) ||
      ts.isNonNullExpression(p))
  )
    p = p.parent;
  return p && ts.isVariableDeclaration(p) && ts.isIdentifier(p.name) ? p.name.text : null;
}

/** Is `n` (or the variable holding it) an element of a tools list handed to ToolNode, createAgent, bindTools...? */
function handedAsTool(f: FileFacts, n: ts.Node, variable: string | null): boolean {
  const takes = (call: ts.CallExpression | ts.NewExpression) => {
    const c = call.expression;
    const name = ts.isIdentifier(c) ? c.text : ts.isPropertyAccessExpression(c) ? c.name.text : "";
    return TOOL_TAKERS.has(name);
  };
  const lists: ts.Expression[] = [];
  const visit = (x: ts.Node) => {
    if ((ts.isCallExpression(x) || ts.isNewExpression(x)) && takes(x)) {
      for (const a of x.arguments ?? []) {
        if (ts.isArrayLiteralExpression(a) || ts.isIdentifier(a)) lists.push(a);
        if (ts.isObjectLiteralExpression(a))
          for (const p of a.properties) {
            if (ts.isPropertyAssignment(p) && p.name.getText(f.sf) === "tools")
              lists.push(p.initializer);
            if (ts.isShorthandPropertyAssignment(p) && p.name.text === "tools") lists.push(p.name);
          }
      }
    }
  };
  for (const x of compilerNodesOfKinds(f.sf, CALL_KINDS)) visit(x);
  for (const l of lists) {
    if (n.getStart(f.sf) >= l.getStart(f.sf) && n.getEnd() <= l.getEnd()) return true;
    if (variable && identsIn(l).has(variable)) return true;
    if (!ts.isIdentifier(l)) continue;
    const line = lineOf(f.sf, n.getStart(f.sf));
    for (const v of f.vars.get(l.text) ?? [])
      if ((variable && v.idents.has(variable)) || (line >= v.start && line <= v.end)) return true;
  }
  return false;
}

function parseFile(path: string, text: string): FileFacts {
  const sf = parseSource(path, text);
  const f: FileFacts = {
    path,
    sf,
    imports: collectImports(sf),
    vars: new Map(),
    governed: [],
    inits: new Map(),
    exportsAs: new Map(),
    reexports: { named: new Map(), stars: [] },
    agentTools: [],
  };
  collectExports(f);
  const visit = (n: ts.Node) => {
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.initializer) {
      if (!f.inits.has(n.name.text)) f.inits.set(n.name.text, n.initializer);
      const list = f.vars.get(n.name.text) ?? [];
      const init = n.initializer;
      let idents: Set<string> | undefined;
      list.push({
        start: lineOf(sf, n.getStart(sf)),
        end: lineOf(sf, n.getEnd()),
        // walked when asked: nested declarations would walk the same body again and again
        get idents() {
          return (idents ??= identsIn(init));
        },
      });
      f.vars.set(n.name.text, list);
    }
    if (ts.isCallExpression(n)) {
      const b = bindingOf(f, n.expression);
      if (b && RUNTIME.has(b.spec) && WRAPPERS.has(b.name) && n.arguments[0])
        f.governed.push(n.arguments[0]);
    }
    if (ts.isNewExpression(n)) {
      const b = bindingOf(f, n.expression);
      const tools =
        b && b.spec.startsWith("@mastra/core") && b.name === "Agent"
          ? propOf(n.arguments?.[0], "tools")
          : undefined;
      if (tools) f.agentTools.push(tools);
    }
  };
  for (const n of compilerNodesOfKinds(sf, FACT_KINDS)) visit(n);
  return f;
}

/** `x.asTool(...)`: OpenAI Agents (an Agent run as a tool) or LangChain (a Runnable as a
 *  RunnableToolLike), told apart by what the file imports, then by what `x` was built from. */
function asToolFramework(
  f: FileFacts,
  receiver: ts.Expression,
): "openai-agents" | "langchain" | null {
  const specs = [...f.imports.values()].map((i) => i.spec);
  const agents = specs.some((s) => s.startsWith("@openai/agents"));
  const langchain = specs.some(isLangChainSpec);
  if (agents !== langchain) return agents ? "openai-agents" : langchain ? "langchain" : null;
  if (!agents) return null;
  const built = ts.isIdentifier(receiver)
    ? (f.vars.get(receiver.text) ?? []).flatMap((v) => [...v.idents])
    : [...identsIn(receiver)];
  return built.some((id) => f.imports.get(id)?.spec.startsWith("@openai/agents"))
    ? "openai-agents"
    : "langchain";
}

/** The module a statement or call loads at run time: `import ... from`, `export ... from`,
 *  `require("x")`, `import("x")` (type-only imports load nothing). */
function loadedModule(n: ts.Node): string | null {
  if (
    ts.isImportDeclaration(n) &&
    ts.isStringLiteral(n.moduleSpecifier) &&
    !n.importClause?.isTypeOnly
  )
    return n.moduleSpecifier.text;
  if (
    ts.isExportDeclaration(n) &&
    n.moduleSpecifier &&
    ts.isStringLiteral(n.moduleSpecifier) &&
    !n.isTypeOnly
  )
    return n.moduleSpecifier.text;
  if (ts.isCallExpression(n) && n.arguments.length === 1 && ts.isStringLiteral(n.arguments[0])) {
    const callee = n.expression;
    if (
      callee.kind === ts.SyntaxKind.ImportKeyword ||
      (ts.isIdentifier(callee) && callee.text === "require")
    )
      return n.arguments[0].text;
  }
  return null;
}

function findTools(f: FileFacts, out: RuntimeTool[], mastra: MastraSite[]): void {
  const { sf } = f;
  const add = (
    kind: RuntimeToolKind,
    n: ts.Node,
    what: string,
    framework: FrameworkId | null,
    via: FrameworkId[],
    name: string | null = null,
  ) =>
    out.push({
      kind,
      file: f.path,
      line: lineOf(sf, n.getStart(sf)),
      endLine: lineOf(sf, n.getEnd()),
      what,
      name,
      framework,
      via,
      variable: assignedTo(n),
    });
  const seenUnsupported = new Set<string>();
  const visit = (n: ts.Node) => {
    const spec = loadedModule(n);
    const u = spec ? unsupportedFrameworkOf(spec) : null;
    if (u && !seenUnsupported.has(u.label)) {
      seenUnsupported.add(u.label);
      add("unsupported", n, `${spec}: ${u.label}, which governor does not support yet`, null, []);
    }
    if (ts.isNewExpression(n)) {
      const b = bindingOf(f, n.expression);
      const cls = n.expression.getText(sf);
      if (b && b.spec.startsWith("@modelcontextprotocol/sdk/client") && b.name === "Client")
        add("mcp-client", n, "MCP client new Client()", "mcp", ["mcp"]);
      else if (b && b.name === "MultiServerMCPClient")
        add("mcp-client", n, "MCP client new MultiServerMCPClient()", "langchain", ["langchain"]);
      else if (b && b.spec.startsWith("@openai/agents") && AGENTS_MCP.has(b.name))
        add("mcp-client", n, `MCP server new ${b.name}() for an OpenAI Agent`, "openai-agents", [
          "openai-agents",
        ]);
      else if (
        b &&
        !b.spec.startsWith(".") &&
        (isLibraryToolModule(b.spec) ||
          (/^(?:@langchain\/(?!langgraph)|langchain)/.test(b.spec) &&
            b.spec !== "@langchain/core/tools" &&
            !DEFINED_HERE.has(b.name) &&
            handedAsTool(f, n, assignedTo(n))))
      )
        add("prebuilt", n, `new ${cls}() from ${b.spec}`, "langchain", ["langchain"]);
    }
    if (ts.isCallExpression(n)) {
      const b = bindingOf(f, n.expression);
      const arg = n.arguments[0];
      if (
        b &&
        (b.spec === "@ai-sdk/mcp" || b.spec === "ai") &&
        /^(?:experimental_)?createMCPClient$/.test(b.name)
      )
        add("mcp-client", n, `MCP client ${b.name}()`, "ai-sdk", ["ai-sdk"]);
      else if (b && b.spec.startsWith("@mastra/core") && b.name === "createTool") {
        add("mastra-tool", n, "Mastra createTool()", "mastra", ["mastra"]);
        mastra.push({ tool: out[out.length - 1], f, call: n, id: stringProp(arg, "id") });
      } else if (b && b.spec.startsWith("@openai/agents") && b.name === "hostedMcpTool")
        add(
          "hosted",
          n,
          "OpenAI Agents hostedMcpTool()",
          "openai-agents",
          [],
          stringProp(arg, "serverLabel"),
        );
      else if (b && b.spec.startsWith("@openai/agents") && AGENTS_HOSTED.has(b.name))
        add(
          "hosted",
          n,
          `OpenAI Agents ${b.name}()`,
          "openai-agents",
          [],
          AGENTS_HOSTED.get(b.name)!,
        );
      else if (b && b.spec.startsWith("@openai/agents") && AGENTS_EXECUTORS.has(b.name))
        add(
          "hosted",
          n,
          `OpenAI Agents ${b.name}() (runs its own executor, not a function tool)`,
          "openai-agents",
          [],
          AGENTS_EXECUTORS.get(b.name)!,
        );
      else if (ts.isPropertyAccessExpression(n.expression) && n.expression.name.text === "asTool") {
        const receiver = n.expression.expression;
        const fw = asToolFramework(f, receiver);
        if (fw === "openai-agents")
          add(
            "as-tool",
            n,
            `OpenAI Agents ${n.expression.getText(sf)}()`,
            "openai-agents",
            ["openai-agents"],
            stringProp(arg, "toolName"),
          );
        // instrumentation gates RunnableToolLike through @langchain/core, as it does StructuredTool
        else if (fw === "langchain")
          add(
            "as-tool",
            n,
            `LangChain ${ts.isIdentifier(receiver) ? receiver.text : "runnable"}.asTool() (a RunnableToolLike)`,
            "langchain",
            ["langchain"],
            stringProp(arg, "name"),
          );
      }
    }
  };
  for (const n of compilerNodesOfKinds(sf, TOOL_KINDS)) visit(n);
}

/** What flows into govern* calls: their argument, the variables it names (transitively), and
 *  exported variables of relative modules it imports. `facts`: any source's, parsed when first asked
 *  (a chain may pass through a file the scan did not parse: `kit = [search]`, no tool word). */
function registrations(
  files: Map<string, FileFacts>,
  known: Set<string>,
  facts: (path: string) => FileFacts | undefined,
): Registration {
  const reg: Registration = { ranges: [], identifiers: new Map() };
  const queue: [FileFacts, string][] = [];
  const mark = (f: FileFacts, name: string) => {
    const set = reg.identifiers.get(f.path) ?? new Set<string>();
    if (set.has(name)) return;
    set.add(name);
    reg.identifiers.set(f.path, set);
    queue.push([f, name]);
  };
  for (const f of files.values()) {
    for (const arg of f.governed) {
      reg.ranges.push({
        file: f.path,
        start: lineOf(f.sf, arg.getStart(f.sf)),
        end: lineOf(f.sf, arg.getEnd()),
      });
      for (const id of identsIn(arg)) mark(f, id);
    }
  }
  for (let i = 0; i < queue.length && i < 5000; i++) {
    const [f, name] = queue[i];
    for (const v of f.vars.get(name) ?? []) {
      reg.ranges.push({ file: f.path, start: v.start, end: v.end });
      for (const id of v.idents) mark(f, id);
    }
    const b = f.imports.get(name);
    if (b && b.spec.startsWith(".")) {
      const target = resolveSpec(f.path, b.spec, known);
      const tf = target ? facts(target) : undefined;
      if (tf && b.name !== "*" && b.name !== "default") mark(tf, b.name);
    }
  }
  return reg;
}

export interface RuntimeScan {
  tools: RuntimeTool[];
  registration: Registration;
}

// What findTools looks for besides a tool word or an MCP `Client` (an Agents MCP server class), and
// where registrations start (the govern* calls; a file importing only governor is no framework file).
// The files a chain passes through are parsed when it reaches them.
const RUNTIME_WORD = /MCPServer|\bgovern(?:Tools|McpServer|McpClient)\b/;

/** Parsed only with a framework import and a word some finding needs (the codemod's own text test,
 *  or RUNTIME_WORD), or an unsupported framework's import. */
function mayHoldRuntimeTools(text: string): boolean {
  return (
    UNSUPPORTED.test(text) ||
    (INTEREST.test(text) && (mayHaveTools(text) || RUNTIME_WORD.test(text)))
  );
}

/** Scans a package's sources (paths relative to the package); `paths`: its tsconfig aliases. */
export function scanRuntimeTools(
  sources: { path: string; text: string }[],
  paths: PathAlias[] = [],
): RuntimeScan {
  const files = new Map<string, FileFacts>();
  for (const s of sources)
    if (mayHoldRuntimeTools(s.text)) files.set(s.path, parseFile(s.path, s.text));
  const tools: RuntimeTool[] = [];
  const mastra: MastraSite[] = [];
  for (const f of files.values()) findTools(f, tools, mastra);
  const known = new Set(sources.map((s) => s.path));
  // files the text test passed over (a barrel re-exporting tools, a module holding a tool list) are
  // parsed only when a Mastra agent or a govern* chain leads to them
  const texts = new Map(sources.map((s) => [s.path, s.text]));
  const other = new Map<string, FileFacts>();
  const facts = (path: string) => {
    const hit = files.get(path) ?? other.get(path);
    if (hit || !texts.has(path)) return hit;
    const f = parseFile(path, texts.get(path)!);
    other.set(path, f);
    return f;
  };
  if (mastra.length) {
    const project: Project = {
      facts,
      resolve: (from, spec) => resolveSpec(from, spec, known, paths),
    };
    nameMastraTools(mastra, agentToolKeys(project, files.values()));
  }
  return { tools, registration: registrations(files, known, facts) };
}

/** Does a value on `line`..`endLine` of `file` (or the variable holding it) flow into a govern* call? */
export function isRegistered(
  reg: Registration,
  file: string,
  line: number,
  endLine = line,
  variable: string | null = null,
): boolean {
  if (variable && reg.identifiers.get(file)?.has(variable)) return true;
  return reg.ranges.some((r) => r.file === file && line >= r.start && endLine <= r.end);
}
