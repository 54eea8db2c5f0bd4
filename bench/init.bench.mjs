// governor init's codemod path vs a naive ts-morph load, on a generated repo of 1,000 source files
// (a few dozen define tools). Both measured in this run, alternating, median of 3.
//  ours:  read every file + text pre-filter + gateSources (what `init --dry-run` does per package)
//  naive: one ts-morph Project over the same files (addSourceFilesAtPaths + getPreEmitDiagnostics)
// Targets: ours <= 5 s, and >= 3x faster than naive.
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { tsImport } from "tsx/esm/api";
import { Project } from "ts-morph";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { gateSources } = await tsImport(path.join(root, "src/codemods/index.ts"), import.meta.url);

const FILES = 1000;
const TOOL_FILES = 40;
const dir = mkdtempSync(path.join(tmpdir(), "governor-init-bench-"));
// The packages resolve as in a real project (the naive load follows imports into their types).
symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"), "dir");
writeFileSync(
  path.join(dir, "package.json"),
  JSON.stringify({ name: "bench-app", type: "module" }),
);
writeFileSync(
  path.join(dir, "tsconfig.json"),
  JSON.stringify({
    compilerOptions: {
      target: "ES2022",
      module: "NodeNext",
      moduleResolution: "NodeNext",
      strict: true,
      skipLibCheck: true,
      noEmit: true,
      types: [],
    },
    include: ["src"],
  }),
);

const FILLERS = FILES - TOOL_FILES - 1; // + the tool files + agent.ts = FILES
function filler(i) {
  const a = (i * 7 + 1) % FILLERS;
  const b = (i * 13 + 5) % FILLERS;
  return `import { helper${a} } from "./mod${a}.js";
import { Store${b} } from "./mod${b}.js";

// Module ${i}: business logic unrelated to tools.
export interface Record${i} { id: string; total: number; tags: string[]; createdAt: Date }

export function helper${i}(input: Record${i}[]): number {
  let sum = 0;
  for (const r of input) {
    if (r.tags.includes("skip")) continue;
    sum += r.total * (r.tags.length + 1);
  }
  return sum;
}

export class Store${i} {
  private items = new Map<string, Record${i}>();
  add(r: Record${i}): void { this.items.set(r.id, r); }
  get(id: string): Record${i} | undefined { return this.items.get(id); }
  total(): number { return helper${i}([...this.items.values()]); }
  async load(fetcher: (id: string) => Promise<Record${i}>, ids: string[]): Promise<void> {
    for (const id of ids) this.add(await fetcher(id));
  }
}

export const format${i} = (r: Record${i}) => \`\${r.id}: \${r.total.toFixed(2)} [\${r.tags.join(", ")}]\`;
export const uses${i} = [typeof helper${a}, typeof Store${b}];
`;
}

const forms = [
  (i) => `import { tool } from "ai";
import { z } from "zod";
export const sendEmail${i} = tool({
  description: "Send email ${i}",
  inputSchema: z.object({ to: z.string() }),
  execute: async ({ to }) => \`sent \${to}\`,
});
`,
  (i) => `import { tool } from "@langchain/core/tools";
import { z } from "zod";
export const lookup${i} = tool(async ({ q }) => \`found \${q}\`, { name: "lookup_${i}", description: "Lookup", schema: z.object({ q: z.string() }) });
`,
  (i) => `import { tool } from "@openai/agents";
import { z } from "zod";
export const refund${i} = tool({ name: "refund_${i}", description: "Refund", parameters: z.object({ id: z.string() }), execute: async ({ id }) => \`refunded \${id}\` });
`,
  (i) => `import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
export function register${i}(server: McpServer) {
  server.registerTool("delete_${i}", { inputSchema: { path: z.string() } }, async ({ path }) => ({ content: [{ type: "text", text: \`deleted \${path}\` }] }));
}
`,
];

mkdirSync(path.join(dir, "src/lib"), { recursive: true });
mkdirSync(path.join(dir, "src/tools"), { recursive: true });
const aiTools = [];
for (let i = 0; i < FILLERS; i++) writeFileSync(path.join(dir, `src/lib/mod${i}.ts`), filler(i));
for (let i = 0; i < TOOL_FILES; i++) {
  writeFileSync(path.join(dir, `src/tools/t${i}.ts`), forms[i % forms.length](i));
  if (i % forms.length === 0) aiTools.push(i);
}
writeFileSync(
  path.join(dir, "src/agent.ts"),
  `import { generateText, type LanguageModel } from "ai";\n${aiTools.map((i) => `import { sendEmail${i} } from "./tools/t${i}.js";`).join("\n")}\n` +
    `export const run = (model: LanguageModel) => generateText({ model, prompt: "hi", tools: {\n${aiTools.map((i) => `  send_email_${i}: sendEmail${i},`).join("\n")}\n} });\n`,
);

const readdirSyncSorted = (d) =>
  readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
function listTs(d, out = []) {
  for (const e of readdirSyncSorted(d)) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) listTs(p, out);
    else if (e.name.endsWith(".ts")) out.push(p);
  }
  return out;
}
const files = listTs(path.join(dir, "src"));

function ours() {
  const t0 = performance.now();
  const inputs = files.map((f) => ({
    path: path.relative(dir, f).split(path.sep).join("/"),
    text: readFileSync(f, "utf8"),
  }));
  const r = gateSources(inputs, { moduleKind: () => "esm" });
  return {
    ms: performance.now() - t0,
    tools: r.tools.length,
    gated: r.tools.filter((t) => t.status === "gated").length,
    changed: r.files.length,
  };
}

function naive() {
  const t0 = performance.now();
  const project = new Project({
    tsConfigFilePath: path.join(dir, "tsconfig.json"),
    skipAddingFilesFromTsConfig: true,
  });
  project.addSourceFilesAtPaths(path.join(dir, "src/**/*.ts"));
  const diags = project.getPreEmitDiagnostics();
  return {
    ms: performance.now() - t0,
    files: project.getSourceFiles().length,
    diags: diags.length,
  };
}

// The real command, when dist/ is built: `governor init --dry-run` (detect + plan + diff, no writes).
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
const cli = path.join(root, "bin/governor.js");
const hasCli = existsSync(path.join(root, "dist/cli.js"));
function realInit() {
  const t0 = performance.now();
  const r = spawnSync(
    process.execPath,
    [cli, "init", "--cwd", dir, "--dry-run", "--json", "--no-install", "--allow-dirty"],
    { encoding: "utf8", maxBuffer: 64 << 20 },
  );
  const ms = performance.now() - t0;
  let gated = -1;
  try {
    gated = JSON.parse(r.stdout).tools.filter((t) => t.status === "gated").length;
  } catch {
    // no JSON report (the run failed): gated stays -1, beside the exit status
  }
  return { ms, gated, status: r.status };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const a = [];
const b = [];
const c = [];
let info;
let naiveInfo;
let cliInfo;
try {
  for (let k = 0; k < 3; k++) {
    info = ours();
    a.push(info.ms);
    naiveInfo = naive();
    b.push(naiveInfo.ms);
    if (hasCli) {
      cliInfo = realInit();
      c.push(cliInfo.ms);
    }
    globalThis.gc?.();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const mo = median(a);
const mn = median(b);
console.log(`repo: ${files.length} .ts files, ${TOOL_FILES} with tools (+ agent.ts)`);
console.log(
  `ours  (read + prefilter + gateSources): median ${(mo / 1000).toFixed(2)} s  [${a.map((x) => (x / 1000).toFixed(2)).join(", ")}]  tools found ${info.tools}, gated ${info.gated}, files changed ${info.changed}`,
);
console.log(
  `naive (ts-morph Project + getPreEmitDiagnostics): median ${(mn / 1000).toFixed(2)} s  [${b.map((x) => (x / 1000).toFixed(2)).join(", ")}]  (${naiveInfo.files} files, ${naiveInfo.diags} diagnostics)`,
);
console.log(`ratio naive/ours: ${(mn / mo).toFixed(1)}x  (targets: ours <= 5 s, ratio >= 3x)`);
if (hasCli) {
  const mc = median(c);
  console.log(
    `real \`governor init --dry-run --json\` (new process, whole plan): median ${(mc / 1000).toFixed(2)} s  [${c.map((x) => (x / 1000).toFixed(2)).join(", ")}]  gated ${cliInfo.gated}, exit ${cliInfo.status}; ratio naive/init ${(mn / mc).toFixed(1)}x`,
  );
} else console.log("real init --dry-run: skipped (build dist/ first: npm run build)");
const ok = mo <= 5000 && mn / mo >= 3 && info.gated === TOOL_FILES;
console.log(ok ? "PASS" : "FAIL");
process.exitCode = ok ? 0 : 1;
