import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { CliError } from "../cli-support/errors.js";
import { decodeUtf8 } from "../detectors/files.js";
import { safeUrl } from "../runtime/redact.js";
import { JsonConfigError, parseConfig, readServerEntry, setServerEntry } from "./jsonc.js";
import { readCodexServer, setCodexServer } from "./codex-toml.js";
import { TomlError } from "./toml.js";

// `governor mcp init`: writes one MCP client's project config so it starts the project's own governor
// (node + the installed bin, no npx cold start) with GOVERNOR_ENFORCE_URL in its env and never a key.

export const CLIENTS = ["claude", "cursor", "vscode", "codex"] as const;
export type Client = (typeof CLIENTS)[number];

export const SERVER_NAME = "governor";
export const DEFAULT_URL = "http://127.0.0.1:8787";
/** Where `npm install` puts the governor that `governor init` adds as the dependency `governor`. */
const BIN = "node_modules/governor/bin/governor.js";
/** Codex passes only a short list of variables to a server: these let the key reach it by name. */
const CODEX_FORWARD = ["GOVERNOR_API_KEY", "GOVERNOR_API_KEY_FILE"];

interface ClientInfo {
  label: string;
  file: string;
  format: "json" | "jsonc" | "toml";
  serversKey: string;
  /** How the bin path is written: relative to the process's cwd, or through the client's variable. */
  root: string;
  next: string;
}

const INFO: Record<Client, ClientInfo> = {
  // Claude Code starts project servers in the directory it runs in (the one holding .mcp.json) and
  // ignores `cwd`, so a path relative to the project works for everyone who opens the repo.
  claude: {
    label: "Claude Code",
    file: ".mcp.json",
    format: "json",
    serversKey: "mcpServers",
    root: "",
    next: 'Start Claude Code in this directory and approve the project server "governor" when it asks (check with /mcp).',
  },
  // Cursor may start stdio servers outside the project (cwd /): ${workspaceFolder} names it.
  cursor: {
    label: "Cursor",
    file: ".cursor/mcp.json",
    format: "jsonc",
    serversKey: "mcpServers",
    root: "${workspaceFolder}/",
    next: 'Open Cursor Settings > MCP and turn on "governor" (or reload the window).',
  },
  vscode: {
    label: "VS Code",
    file: ".vscode/mcp.json",
    format: "jsonc",
    serversKey: "servers",
    root: "${workspaceFolder}/",
    next: 'Open .vscode/mcp.json and choose Start above "governor" (or run "MCP: List Servers"); VS Code asks you to trust it the first time.',
  },
  // Codex reads a project's .codex/config.toml only once the project is trusted, and starts servers
  // in the directory it runs in.
  codex: {
    label: "Codex",
    file: ".codex/config.toml",
    format: "toml",
    serversKey: "mcp_servers",
    root: "",
    next: "Trust this project in Codex (it reads .codex/config.toml only in a trusted project), restart Codex, and check with /mcp.",
  },
};

export interface McpInitOptions {
  client: Client;
  cwd: string;
  dev?: boolean;
  url?: string;
  env?: NodeJS.ProcessEnv;
}

export interface McpInitOutcome {
  client: Client;
  /** The config file, relative to the project. */
  file: string;
  action: "created" | "updated" | "unchanged";
  /** The fields governor manages in the server entry, as written. */
  server: Record<string, unknown>;
  /** Where GOVERNOR_ENFORCE_URL came from. */
  urlFrom: string;
  warnings: string[];
  next: string;
}

const invalid = (file: string, why: string, fix: string) =>
  new CliError("mcp_config_invalid", `${file}: ${why}; nothing was written.`, fix);

/** A value set in .env.local or .env (the later files override, as dotenv-flow and Next.js read them). */
function envFileValue(dir: string, name: string): { value: string; file: string } | undefined {
  for (const file of [".env.local", ".env"]) {
    let text: string;
    try {
      text = readFileSync(path.join(dir, file), "utf8");
    } catch {
      continue;
    }
    const re = new RegExp(`^[ \\t]*(?:export[ \\t]+)?${name}[ \\t]*=[ \\t]*(.*)$`, "gm");
    let value: string | undefined;
    for (const m of text.matchAll(re)) value = m[1];
    if (value === undefined) continue;
    const quoted = /^(["'])(.*)\1/.exec(value.trim());
    value = quoted ? quoted[2] : value.replace(/[ \t]+#.*$/, "").trim();
    if (value) return { value, file };
  }
  return undefined;
}

function checkUrl(raw: string, from: string): string {
  const url = raw.trim();
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new CliError(
      "invalid_url",
      `${from} is not a URL (${JSON.stringify(safeUrl(url))}).`,
      "Pass the enforce base URL, e.g. --url http://127.0.0.1:8787.",
    );
  }
  if (u.protocol !== "http:" && u.protocol !== "https:")
    throw new CliError(
      "invalid_url",
      `${from} must be an http(s) URL (got ${JSON.stringify(safeUrl(url))}).`,
      "Pass the enforce base URL, e.g. --url http://127.0.0.1:8787.",
    );
  // a query string or fragment is where some gateways take a key (`?code=...`): never in a committed file
  if (u.search || u.hash)
    throw new CliError(
      "invalid_url",
      `${from} has a query string or fragment (${JSON.stringify(safeUrl(url))}); the config file is meant to be committed, and a query string can carry a key.`,
      "Pass the base URL without ?... or #..., or, if it must carry one, set GOVERNOR_ENFORCE_URL in the environment the client starts from and remove it from the entry.",
    );
  if (u.username || u.password)
    throw new CliError(
      "invalid_url",
      `${from} carries credentials (${JSON.stringify(safeUrl(url))}); the config file is meant to be committed, so it never holds a key.`,
      "Pass the URL without user:password@ and give the server its key through GOVERNOR_API_KEY in the environment the client starts from.",
    );
  return url;
}

/** Where the installed governor is, relative to the project: the project's node_modules, else a
 *  workspace root's above it (not past the repository root). */
function findInstalled(project: string): { rel: string; found: boolean; stranger?: string } {
  for (let dir = project; ; dir = path.dirname(dir)) {
    const pkgFile = path.join(dir, "node_modules/governor/package.json");
    if (existsSync(pkgFile)) {
      let pkg: { bin?: unknown } = {};
      try {
        pkg = JSON.parse(readFileSync(pkgFile, "utf8"));
      } catch {
        // unreadable: treated as not ours below
      }
      const bin = (pkg.bin as Record<string, string> | undefined)?.governor;
      const rel = path.relative(project, path.join(dir, BIN)).split(path.sep).join("/");
      if (bin?.replace(/^\.\//, "") === "bin/governor.js") return { rel, found: true };
      return { rel, found: false, stranger: path.relative(project, path.dirname(pkgFile)) || "." };
    }
    if (existsSync(path.join(dir, ".git")) || path.dirname(dir) === dir) break;
  }
  return { rel: BIN, found: false };
}

function declaresGovernor(project: string): boolean {
  try {
    const pkg = JSON.parse(readFileSync(path.join(project, "package.json"), "utf8"));
    return ["dependencies", "devDependencies", "optionalDependencies", "peerDependencies"].some(
      (f) => pkg?.[f] && typeof pkg[f].governor === "string",
    );
  } catch {
    return false;
  }
}

const inside = (root: string, p: string) => p === root || p.startsWith(root + path.sep);

/** The real path to write, refusing anything that leads out of the project or is not a plain file. */
function targetPath(project: string, rel: string): { target: string; existing: boolean } {
  const dir = path.join(project, path.dirname(rel));
  let link: string | undefined;
  try {
    if (lstatSync(dir).isSymbolicLink() && !existsSync(dir)) link = readlinkSync(dir);
  } catch {
    // not there: mcp init creates it
  }
  if (link !== undefined)
    throw new CliError(
      "mcp_config_invalid",
      `${path.dirname(rel)} is a link to ${link}, which does not exist; nothing was written.`,
      `Remove the link ${path.dirname(rel)} (or create what it points to), then run again.`,
    );
  if (existsSync(dir)) {
    const real = realpathSync(dir);
    if (!inside(project, real))
      throw new CliError(
        "mcp_config_outside",
        `${path.dirname(rel)} leads outside the project (to ${real}); mcp init writes only inside it.`,
        `Replace the link ${path.dirname(rel)} with a directory, or write the config by hand.`,
      );
    if (!statSync(real).isDirectory())
      throw new CliError(
        "mcp_config_invalid",
        `${path.dirname(rel)} is not a directory.`,
        "Move it aside and run again.",
      );
  }
  const file = path.join(project, rel);
  let st;
  try {
    st = lstatSync(file);
  } catch {
    return { target: file, existing: false };
  }
  const real = st.isSymbolicLink() ? realpathSync(file) : file;
  if (!inside(project, st.isSymbolicLink() ? real : realpathSync(path.dirname(file))))
    throw new CliError(
      "mcp_config_outside",
      `${rel} leads outside the project (to ${real}); mcp init writes only inside it.`,
      `Replace the link ${rel} with a file, or write the config by hand.`,
    );
  const info = statSync(real);
  if (!info.isFile())
    throw new CliError(
      "mcp_config_invalid",
      `${rel} is not a regular file.`,
      "Move it aside and run again.",
    );
  // rename() would replace a file its owner made read-only: take that as "do not edit"
  if ((info.mode & 0o222) === 0)
    throw new CliError(
      "mcp_config_read_only",
      `${rel} is read-only; nothing was written.`,
      `Make it writable (chmod u+w ${rel}) if governor may edit it, or add the server by hand.`,
    );
  if (info.size > 1024 * 1024)
    throw new CliError(
      "mcp_config_invalid",
      `${rel} is over 1 MiB.`,
      "Check the file; mcp init edits small config files only.",
    );
  return { target: real, existing: true };
}

/** Temp file beside the target, then rename: a reader sees the old file or the new one, never half. */
function writeAtomic(target: string, text: string, mode: number | undefined): void {
  const tmp = path.join(
    path.dirname(target),
    `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`,
  );
  writeFileSync(tmp, text, { flag: "wx", mode: mode ?? 0o644 });
  try {
    renameSync(tmp, target);
  } catch (e) {
    unlinkSync(tmp);
    throw e;
  }
}

const KEYISH = /(?:KEY|TOKEN|SECRET|PASSWORD)/i;

export function runMcpInit(o: McpInitOptions): McpInitOutcome {
  const env = o.env ?? process.env;
  if (!existsSync(o.cwd) || !statSync(o.cwd).isDirectory())
    throw new CliError(
      "cwd_missing",
      `--cwd ${o.cwd} is not a directory.`,
      "Pass the directory of your project.",
    );
  const project = realpathSync(o.cwd);
  const info = INFO[o.client];
  const { target, existing } = targetPath(project, info.file);
  const fixSyntax = `Fix the syntax of ${info.file} (or move it aside), then run again.`;
  // decoded strictly: a byte that is not UTF-8 (a Latin-1 comment) would be written back as U+FFFD
  const decoded = existing ? decodeUtf8(readFileSync(target)) : null;
  if (existing && !decoded)
    throw invalid(info.file, "it is not UTF-8 text", `Save ${info.file} as UTF-8, then run again.`);
  const bom = decoded?.bom ? "\uFEFF" : "";
  const text = decoded ? decoded.text : null;
  const before = decoded ? bom + decoded.text : null;

  // The current entry, read first: an unparsable file is refused before anything is computed.
  let current: Record<string, unknown> | undefined;
  try {
    if (text !== null && text.trim() !== "") {
      if (info.format === "toml") current = readCodexServer(text, SERVER_NAME);
      else {
        const { servers, entry } = readServerEntry(
          parseConfig(text, info.format === "jsonc"),
          info.serversKey,
          SERVER_NAME,
        );
        if (
          servers !== undefined &&
          (typeof servers !== "object" || servers === null || Array.isArray(servers))
        )
          throw new JsonConfigError(`its "${info.serversKey}" is not an object`);
        if (
          entry !== undefined &&
          (typeof entry !== "object" || entry === null || Array.isArray(entry))
        )
          throw new JsonConfigError(`its server "${SERVER_NAME}" is not an object`);
        current = entry as Record<string, unknown> | undefined;
      }
    }
  } catch (e) {
    if (e instanceof JsonConfigError || e instanceof TomlError)
      throw invalid(info.file, e.message, fixSyntax);
    throw e;
  }

  const currentEnv = (current?.env ?? {}) as Record<string, unknown>;
  const fromFile = envFileValue(project, "GOVERNOR_ENFORCE_URL");
  const kept =
    typeof currentEnv.GOVERNOR_ENFORCE_URL === "string"
      ? currentEnv.GOVERNOR_ENFORCE_URL
      : undefined;
  const [rawUrl, urlFrom] =
    o.url !== undefined
      ? [o.url, "--url"]
      : env.GOVERNOR_ENFORCE_URL
        ? [env.GOVERNOR_ENFORCE_URL, "GOVERNOR_ENFORCE_URL"]
        : fromFile
          ? [fromFile.value, fromFile.file]
          : kept
            ? [kept, `the existing entry in ${info.file}`]
            : [DEFAULT_URL, "the default"];
  // a ${...} reference the user wrote is the client's to expand
  const url =
    urlFrom.startsWith("the existing") && kept?.includes("${") ? kept : checkUrl(rawUrl, urlFrom);

  const installed = findInstalled(project);
  // a client that starts servers outside the project (Cursor: cwd /) is told where the project is
  const cwdArgs = info.root ? ["--cwd", "${workspaceFolder}"] : [];
  const serverArgs = ["mcp", ...(o.dev ? ["--dev"] : []), ...cwdArgs];
  // extra arguments the user added after `mcp` (a --policy, say) are kept; --dev and --cwd are ours
  const oldArgs = Array.isArray(current?.args) ? (current.args as unknown[]) : [];
  const extra =
    typeof oldArgs[0] === "string" && /governor(\.js)?$/.test(oldArgs[0]) && oldArgs[1] === "mcp"
      ? oldArgs
          .slice(2)
          .filter((a, i, all) => a !== "--dev" && a !== "--cwd" && all[i - 1] !== "--cwd")
      : [];
  const args = [info.root + installed.rel, ...serverArgs, ...extra];

  let server: Record<string, unknown>;
  let after: string;
  const warnings: string[] = [];
  try {
    if (info.format === "toml") {
      const had = Array.isArray(current?.env_vars)
        ? (current.env_vars as unknown[]).filter((v) => typeof v === "string")
        : [];
      const envVars = [...had, ...CODEX_FORWARD.filter((v) => !had.includes(v))];
      server = { command: "node", args, env_vars: envVars, env: { GOVERNOR_ENFORCE_URL: url } };
      after = setCodexServer(text ?? "", SERVER_NAME, {
        keys: { command: "node", args, env_vars: envVars },
        env: { GOVERNOR_ENFORCE_URL: url },
      });
    } else {
      server = {
        ...(o.client === "vscode" ? { type: "stdio" } : {}),
        command: "node",
        args,
        ...(o.client === "vscode" ? { cwd: "${workspaceFolder}" } : {}),
        env: { GOVERNOR_ENFORCE_URL: url },
      };
      const base = text === null || text.trim() === "" ? null : text;
      after =
        base === null
          ? JSON.stringify({ [info.serversKey]: { [SERVER_NAME]: server } }, null, 2) + "\n"
          : setServerEntry(base, {
              serversKey: info.serversKey,
              name: SERVER_NAME,
              fields: server,
            });
      parseConfig(after, info.format === "jsonc"); // the edit left a file the client can read
    }
  } catch (e) {
    if (e instanceof JsonConfigError || e instanceof TomlError)
      throw invalid(info.file, e.message, fixSyntax);
    throw e;
  }

  for (const [k, v] of Object.entries(currentEnv))
    if (KEYISH.test(k) && typeof v === "string" && v && !v.includes("${"))
      warnings.push(
        `the "${SERVER_NAME}" entry in ${info.file} sets ${k} to a value: a committed file is readable by everyone with the repo; remove it and set ${k} in the environment the client starts from.`,
      );
  // a cloned repo's entry may already carry flags that widen what the server may do: kept, but said
  const widening = extra.filter(
    (a) => typeof a === "string" && /^--(allow-apply|trust-actor|host)(=|$)/.test(a),
  );
  if (widening.length)
    warnings.push(
      `kept ${widening.join(", ")} from the existing "${SERVER_NAME}" entry in ${info.file}: it lets the server do more than mcp init sets up (writes, actors from tool arguments, other hosts); remove it unless you added it.`,
    );
  if (!installed.found)
    warnings.push(
      installed.stranger
        ? `${installed.stranger} is not this governor (the npm package named "governor" is unrelated): install governor the way \`governor init\` does, then the server starts.`
        : `governor is not installed in this project, so ${installed.rel} does not exist yet: run ${declaresGovernor(project) ? "`npm install`" : "`governor init` (it adds governor to your dependencies), then `npm install`"}, then start the server.`,
    );

  const action = before === null ? "created" : bom + after === before ? "unchanged" : "updated";
  if (action !== "unchanged") {
    mkdirSync(path.dirname(target), { recursive: true });
    writeAtomic(target, bom + after, existing ? statSync(target).mode & 0o777 : undefined);
  }
  return { client: o.client, file: info.file, action, server, urlFrom, warnings, next: info.next };
}

export function clientLabel(c: Client): string {
  return INFO[c].label;
}
