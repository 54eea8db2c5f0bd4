// `governor mcp init`: the real CLI writing each client's project config, merging into what is there.
import { afterAll, describe, expect, it } from "vitest";
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import ts from "typescript";
import { cleanEnv, root, run } from "../cli/helpers.js";

const BIN = "node_modules/governor/bin/governor.js";

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function project(files: Record<string, string> = {}): string {
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), "governor-mcp-init-")));
  made.push(dir);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

/** A project where governor is installed: node_modules/governor links to this checkout. */
function installedProject(files: Record<string, string> = {}): string {
  const dir = project(files);
  mkdirSync(path.join(dir, "node_modules"));
  symlinkSync(root, path.join(dir, "node_modules/governor"), "dir");
  return dir;
}

async function mcpInit(dir: string, args: string[], env: Record<string, string> = {}) {
  const r = await run(["mcp", "init", "--cwd", dir, ...args], { env, cwd: dir });
  return { ...r, json: args.includes("--json") && r.stdout ? JSON.parse(r.stdout) : undefined };
}

const read = (dir: string, rel: string) => readFileSync(path.join(dir, rel), "utf8");
const readJson = (dir: string, rel: string) => JSON.parse(read(dir, rel));

describe("mcp init: a fresh config for each client", () => {
  it("claude: .mcp.json runs the installed bin relative to the project", async () => {
    const dir = installedProject();
    const r = await mcpInit(dir, ["--client", "claude", "--json"]);
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ client: "claude", file: ".mcp.json", action: "created" });
    expect(r.stderr).toBe("");
    expect(readJson(dir, ".mcp.json")).toEqual({
      mcpServers: {
        governor: {
          command: "node",
          args: [BIN, "mcp"],
          env: { GOVERNOR_ENFORCE_URL: "http://127.0.0.1:8787" },
        },
      },
    });
    expect(r.json.server).toEqual(readJson(dir, ".mcp.json").mcpServers.governor);
  });

  it("cursor: .cursor/mcp.json names the bin through ${workspaceFolder}", async () => {
    const dir = installedProject();
    const r = await mcpInit(dir, ["--client", "cursor", "--dev"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("created .cursor/mcp.json");
    expect(r.stdout).toContain("next: ");
    expect(readJson(dir, ".cursor/mcp.json")).toEqual({
      mcpServers: {
        governor: {
          command: "node",
          args: ["${workspaceFolder}/" + BIN, "mcp", "--dev", "--cwd", "${workspaceFolder}"],
          env: { GOVERNOR_ENFORCE_URL: "http://127.0.0.1:8787" },
        },
      },
    });
  });

  it("vscode: .vscode/mcp.json has servers.governor with type stdio and the workspace as cwd", async () => {
    const dir = installedProject();
    const r = await mcpInit(dir, ["--client", "vscode"]);
    expect(r.code).toBe(0);
    expect(readJson(dir, ".vscode/mcp.json")).toEqual({
      servers: {
        governor: {
          type: "stdio",
          command: "node",
          args: ["${workspaceFolder}/" + BIN, "mcp", "--cwd", "${workspaceFolder}"],
          cwd: "${workspaceFolder}",
          env: { GOVERNOR_ENFORCE_URL: "http://127.0.0.1:8787" },
        },
      },
    });
  });

  it("codex: .codex/config.toml gets [mcp_servers.governor] and its env table", async () => {
    const dir = installedProject();
    const r = await mcpInit(dir, ["--client", "codex", "--url", "http://127.0.0.1:9999"]);
    expect(r.code).toBe(0);
    expect(read(dir, ".codex/config.toml")).toBe(
      [
        "[mcp_servers.governor]",
        'command = "node"',
        `args = ["${BIN}", "mcp"]`,
        'env_vars = ["GOVERNOR_API_KEY", "GOVERNOR_API_KEY_FILE"]',
        "",
        "[mcp_servers.governor.env]",
        'GOVERNOR_ENFORCE_URL = "http://127.0.0.1:9999"',
        "",
      ].join("\n"),
    );
  });

  it("governor not installed: still writes the config, and warns with what to run", async () => {
    const dir = project({ "package.json": '{ "name": "app" }\n' });
    const r = await mcpInit(dir, ["--client", "claude"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: governor is not installed in this project/);
    expect(r.stderr).toContain("`governor init`");
    expect(readJson(dir, ".mcp.json").mcpServers.governor.args).toEqual([BIN, "mcp"]);
  });
});

describe("mcp init: merging into an existing config", () => {
  it("claude: other servers and unknown keys stay byte for byte; a user's fields on governor are kept", async () => {
    const other = `{
      "command": "npx",
      "args": ["-y", "other-server"]
    }`;
    const before = `{
  "mcpServers": {
    "other": ${other},
    "governor": {
      "command": "npx",
      "args": ["governor", "mcp", "--policy", "p.yaml"],
      "timeout": 5000,
      "env": { "FOO": "bar", "GOVERNOR_ENFORCE_URL": "http://old:1" }
    }
  },
  "x-team": { "owner": "platform" }
}
`;
    const dir = installedProject({ ".mcp.json": before });
    const r = await mcpInit(dir, ["--client", "claude", "--dev", "--json"]);
    expect(r.code).toBe(0);
    expect(r.json.action).toBe("updated");
    const after = read(dir, ".mcp.json");
    expect(after).toContain(`"other": ${other},`);
    const cfg = JSON.parse(after);
    expect(cfg["x-team"]).toEqual({ owner: "platform" });
    expect(cfg.mcpServers.governor).toEqual({
      command: "node",
      // the --policy the user added after `mcp` stays
      args: [BIN, "mcp", "--dev", "--policy", "p.yaml"],
      timeout: 5000,
      env: { FOO: "bar", GOVERNOR_ENFORCE_URL: "http://old:1" },
    });
  });

  it("cursor: a JSONC file keeps its comments and trailing commas, and other servers", async () => {
    const before = `// project MCP servers
{
  /* shared with the team */
  "mcpServers": {
    "db": { "command": "db-mcp", "args": ["--ro"] }, // read only
  },
}
`;
    const dir = installedProject({ ".cursor/mcp.json": before });
    const r = await mcpInit(dir, ["--client", "cursor"]);
    expect(r.code).toBe(0);
    const after = read(dir, ".cursor/mcp.json");
    expect(after).toContain("// project MCP servers\n{\n  /* shared with the team */\n");
    // the comment stays on the line of the server it was written for
    expect(after).toContain('"db": { "command": "db-mcp", "args": ["--ro"] }, // read only\n');
    const cfg = ts.parseConfigFileTextToJson("mcp.json", after).config;
    expect(Object.keys(cfg.mcpServers)).toEqual(["db", "governor"]);
    expect(cfg.mcpServers.governor.args).toEqual([
      "${workspaceFolder}/" + BIN,
      "mcp",
      "--cwd",
      "${workspaceFolder}",
    ]);
    // and a second run leaves it alone
    const again = await mcpInit(dir, ["--client", "cursor", "--json"]);
    expect(again.json.action).toBe("unchanged");
    expect(read(dir, ".cursor/mcp.json")).toBe(after);
  });

  it("vscode: inputs and other servers are kept; a stale governor entry is updated in place", async () => {
    const before = `{
	"inputs": [{ "id": "tok", "type": "promptString", "password": true }],
	"servers": {
		"governor": { "type": "stdio", "command": "governor", "args": ["mcp"], "dev": { "watch": "src/**" } },
		"github": { "type": "http", "url": "https://api.example.com/mcp" }
	}
}
`;
    const dir = installedProject({ ".vscode/mcp.json": before });
    const r = await mcpInit(dir, ["--client", "vscode", "--url", "http://127.0.0.1:7000"]);
    expect(r.code).toBe(0);
    const after = read(dir, ".vscode/mcp.json");
    expect(after).toContain(
      '\t"inputs": [{ "id": "tok", "type": "promptString", "password": true }],',
    );
    expect(after).toContain(
      '\t\t"github": { "type": "http", "url": "https://api.example.com/mcp" }',
    );
    const cfg = JSON.parse(after);
    expect(cfg.servers.governor).toEqual({
      type: "stdio",
      command: "node",
      args: ["${workspaceFolder}/" + BIN, "mcp", "--cwd", "${workspaceFolder}"],
      dev: { watch: "src/**" },
      cwd: "${workspaceFolder}",
      env: { GOVERNOR_ENFORCE_URL: "http://127.0.0.1:7000" },
    });
  });

  it("codex: other tables, comments and the user's keys on governor stay; the env table is added", async () => {
    const before = [
      "# my codex settings",
      'model = "o3"',
      "",
      "[mcp_servers.other]",
      'command = "npx" # pinned',
      "args = [",
      '  "-y",',
      '  "other-server",',
      "]",
      "",
      "[mcp_servers.governor]",
      'command = "governor"',
      "startup_timeout_sec = 20",
      'env_vars = ["HTTPS_PROXY"]',
      "",
      '[projects."/home/me/app"]',
      'trust_level = "trusted"',
      "",
    ].join("\n");
    const dir = installedProject({ ".codex/config.toml": before });
    const r = await mcpInit(dir, ["--client", "codex", "--json"]);
    expect(r.code).toBe(0);
    expect(r.json.action).toBe("updated");
    expect(read(dir, ".codex/config.toml")).toBe(
      [
        "# my codex settings",
        'model = "o3"',
        "",
        "[mcp_servers.other]",
        'command = "npx" # pinned',
        "args = [",
        '  "-y",',
        '  "other-server",',
        "]",
        "",
        "[mcp_servers.governor]",
        'command = "node"',
        "startup_timeout_sec = 20",
        'env_vars = ["HTTPS_PROXY", "GOVERNOR_API_KEY", "GOVERNOR_API_KEY_FILE"]',
        `args = ["${BIN}", "mcp"]`,
        "",
        "[mcp_servers.governor.env]",
        'GOVERNOR_ENFORCE_URL = "http://127.0.0.1:8787"',
        "",
        '[projects."/home/me/app"]',
        'trust_level = "trusted"',
        "",
      ].join("\n"),
    );
  });

  it("codex: an existing env table gets the URL and keeps its other variables", async () => {
    const before = '[mcp_servers.governor.env]\nFOO = "1"\n\n[mcp_servers.x]\ncommand = "x"\n';
    const dir = installedProject({ ".codex/config.toml": before });
    expect((await mcpInit(dir, ["--client", "codex"])).code).toBe(0);
    expect(read(dir, ".codex/config.toml")).toBe(
      [
        "[mcp_servers.governor]",
        'command = "node"',
        `args = ["${BIN}", "mcp"]`,
        'env_vars = ["GOVERNOR_API_KEY", "GOVERNOR_API_KEY_FILE"]',
        "",
        "[mcp_servers.governor.env]",
        'FOO = "1"',
        'GOVERNOR_ENFORCE_URL = "http://127.0.0.1:8787"',
        "",
        "[mcp_servers.x]",
        'command = "x"',
        "",
      ].join("\n"),
    );
  });

  for (const client of ["claude", "cursor", "vscode", "codex"]) {
    it(`${client}: a second run reports unchanged and does not rewrite the file`, async () => {
      const dir = installedProject();
      const first = await mcpInit(dir, ["--client", client, "--json"]);
      expect(first.json.action).toBe("created");
      const file = path.join(dir, first.json.file);
      const st = statSync(file);
      const text = readFileSync(file, "utf8");
      const second = await mcpInit(dir, ["--client", client, "--json"]);
      expect(second.code).toBe(0);
      expect(second.json.action).toBe("unchanged");
      const st2 = statSync(file);
      expect([st2.ino, st2.mtimeMs]).toEqual([st.ino, st.mtimeMs]);
      expect(readFileSync(file, "utf8")).toBe(text);
      const text2 = await mcpInit(dir, ["--client", client]);
      expect(text2.stdout).toMatch(/^unchanged /);
      // no temp file left beside it
      expect(readdirSync(path.dirname(file)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    });
  }
});

describe("mcp init: the enforce URL, never a key", () => {
  const secrets = {
    GOVERNOR_API_KEY: "sk-live-api-key-0123456789",
    GOVERNOR_MCP_API_KEY: "mcp-bearer-key-0123456789",
    GOVERNOR_DECISION_KEY: "decision-key-0123456789",
  };

  for (const client of ["claude", "cursor", "vscode", "codex"]) {
    it(`${client}: keys in the environment are not written or printed`, async () => {
      const dir = installedProject();
      const r = await mcpInit(dir, ["--client", client, "--json"], secrets);
      expect(r.code).toBe(0);
      const text = read(dir, r.json.file);
      for (const v of Object.values(secrets)) {
        expect(text).not.toContain(v);
        expect(r.stdout + r.stderr).not.toContain(v);
      }
      expect(Object.keys(r.json.server.env)).toEqual(["GOVERNOR_ENFORCE_URL"]);
      expect(text).not.toContain("GOVERNOR_MCP_API_KEY");
    });
  }

  it("takes --url, else GOVERNOR_ENFORCE_URL, else .env.local, else .env, else the default", async () => {
    const dir = installedProject({
      ".env": "GOVERNOR_ENFORCE_URL=http://from-dotenv:1 # local\n",
      ".env.local": 'export GOVERNOR_ENFORCE_URL="http://from-local:2"\n',
    });
    const url = async (args: string[], env: Record<string, string> = {}) => {
      const r = await mcpInit(dir, ["--client", "claude", "--json", ...args], env);
      expect(r.code).toBe(0);
      return [r.json.server.env.GOVERNOR_ENFORCE_URL, r.json.url_from];
    };
    expect(await url([])).toEqual(["http://from-local:2", ".env.local"]);
    expect(await url([], { GOVERNOR_ENFORCE_URL: "http://from-env:3" })).toEqual([
      "http://from-env:3",
      "GOVERNOR_ENFORCE_URL",
    ]);
    expect(
      await url(["--url", "http://from-flag:4"], { GOVERNOR_ENFORCE_URL: "http://x:5" }),
    ).toEqual(["http://from-flag:4", "--url"]);
    writeFileSync(path.join(dir, ".env.local"), "OTHER=1\n");
    expect(await url([])).toEqual(["http://from-dotenv:1", ".env"]);
    const bare = installedProject();
    const r = await mcpInit(bare, ["--client", "claude", "--json"]);
    expect([r.json.server.env.GOVERNOR_ENFORCE_URL, r.json.url_from]).toEqual([
      "http://127.0.0.1:8787",
      "the default",
    ]);
  });

  it("refuses a URL with credentials, without echoing them", async () => {
    const dir = installedProject();
    const r = await mcpInit(dir, [
      "--client",
      "claude",
      "--json",
      "--url",
      "http://u:hunter2pass@h:1",
    ]);
    expect(r.code).toBe(2);
    expect(r.json.error.code).toBe("invalid_url");
    expect(r.stdout + r.stderr).not.toContain("hunter2pass");
    expect(readdirSync(dir)).toEqual(["node_modules"]);
  });

  it("warns about a key the user put in the governor entry, without printing it", async () => {
    const before = JSON.stringify({
      mcpServers: { governor: { command: "node", env: { GOVERNOR_API_KEY: "sk-committed-0123" } } },
    });
    const dir = installedProject({ ".mcp.json": before });
    const r = await mcpInit(dir, ["--client", "claude"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/sets GOVERNOR_API_KEY to a value/);
    expect(r.stdout + r.stderr).not.toContain("sk-committed-0123");
  });
});

describe("mcp init: refusals leave everything as it was", () => {
  const broken: [string, string, string][] = [
    ["claude", ".mcp.json", '{ "mcpServers": { "a": { "command": "x" }, } }'],
    ["cursor", ".cursor/mcp.json", '// c\n{ "mcpServers": { "a": { "command": "x" }\n'],
    ["vscode", ".vscode/mcp.json", '{ "servers": [] }'],
    ["codex", ".codex/config.toml", '[mcp_servers.a]\ncommand = "x\n'],
    ["codex", ".codex/config.toml", '[mcp_servers.a]\ncommand = "x"\ncommand = "y"\n'],
    ["codex", ".codex/config.toml", '[mcp_servers]\ngovernor = { command = "x" }\n'],
  ];
  for (const [client, file, text] of broken) {
    it(`${client}: ${JSON.stringify(text).slice(0, 50)} is refused`, async () => {
      const dir = installedProject({ [file]: text });
      const r = await mcpInit(dir, ["--client", client, "--json"]);
      expect(r.code).toBe(2);
      expect(r.json.error.code).toBe("mcp_config_invalid");
      expect(r.json.error.message).toContain(file);
      expect(r.json.error.fix).toBeTruthy();
      expect(r.stderr).toContain(`error [mcp_config_invalid]: ${file}`);
      expect(read(dir, file)).toBe(text);
      expect(readdirSync(path.dirname(path.join(dir, file))).sort()).toEqual(
        readdirSync(path.dirname(path.join(dir, file)))
          .filter((f) => !f.endsWith(".tmp"))
          .sort(),
      );
    });
  }

  it("a config dir linked outside the project is refused, and nothing is written there", async () => {
    const outside = project();
    const dir = installedProject();
    symlinkSync(outside, path.join(dir, ".cursor"), "dir");
    const r = await mcpInit(dir, ["--client", "cursor", "--json"]);
    expect(r.code).toBe(2);
    expect(r.json.error.code).toBe("mcp_config_outside");
    expect(readdirSync(outside)).toEqual([]);
  });

  it("a config file linked outside the project is refused", async () => {
    const outside = project({ "mcp.json": "{}\n" });
    const dir = installedProject();
    symlinkSync(path.join(outside, "mcp.json"), path.join(dir, ".mcp.json"));
    const r = await mcpInit(dir, ["--client", "claude", "--json"]);
    expect(r.code).toBe(2);
    expect(r.json.error.code).toBe("mcp_config_outside");
    expect(read(outside, "mcp.json")).toBe("{}\n");
  });

  it("an unknown client is a usage error", async () => {
    const dir = installedProject();
    const r = await mcpInit(dir, ["--client", "zed"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--client/);
    expect(readdirSync(dir)).toEqual(["node_modules"]);
  });
});

describe("mcp init: the written config starts the server", () => {
  for (const client of ["claude", "cursor"] as const) {
    it(`${client}: spawning the file's command, args and env answers tools/list`, async () => {
      const dir = installedProject();
      const r = await mcpInit(dir, ["--client", client, "--json"]);
      expect(r.code).toBe(0);
      const entry = readJson(dir, r.json.file).mcpServers.governor;
      // what the client does before spawning: Cursor expands ${workspaceFolder}; Claude Code starts
      // the server in the project directory
      const expand = (s: string) => s.replaceAll("${workspaceFolder}", dir);
      const transport = new StdioClientTransport({
        command: entry.command,
        args: entry.args.map(expand),
        env: { ...(cleanEnv() as Record<string, string>), ...entry.env },
        cwd: dir,
        stderr: "pipe",
      });
      const mcp = new Client({ name: "mcp-init-test", version: "0" });
      await mcp.connect(transport);
      try {
        const { tools } = await mcp.listTools();
        expect(tools.map((t) => t.name)).toContain("enforce_intent");
      } finally {
        await mcp.close();
      }
    });
  }
});
