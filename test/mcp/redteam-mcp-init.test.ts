// Red team of `governor mcp init`: hostile or odd config files. Whatever it refuses, the file is left
// byte for byte; whatever it writes is a file the client can read, with nothing lost and no key.
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runMcpInit, type Client } from "../../src/mcp/client-config.js";
import { readCodexServer } from "../../src/mcp/codex-toml.js";
import { parseConfig, stripJsonc } from "../../src/mcp/jsonc.js";
import { readToml } from "../../src/mcp/toml.js";
import { cleanEnv, run } from "../cli/helpers.js";

const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

const FILE: Record<Client, string> = {
  claude: ".mcp.json",
  cursor: ".cursor/mcp.json",
  vscode: ".vscode/mcp.json",
  codex: ".codex/config.toml",
};

function project(client: Client, content?: string | Buffer): string {
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), "governor-redteam-init-")));
  made.push(dir);
  if (content !== undefined) {
    mkdirSync(path.dirname(path.join(dir, FILE[client])), { recursive: true });
    writeFileSync(path.join(dir, FILE[client]), content);
  }
  return dir;
}

const env = { PATH: process.env.PATH };
const init = (client: Client, dir: string, extra: { url?: string; dev?: boolean } = {}) =>
  runMcpInit({ client, cwd: dir, env, ...extra });
const bytes = (dir: string, client: Client) => readFileSync(path.join(dir, FILE[client]));

/** Runs init and expects a refusal with `code` that leaves the file as it was. */
function refused(
  client: Client,
  content: string | Buffer,
  code: string,
  pre?: (d: string) => void,
) {
  const dir = project(client, content);
  pre?.(dir);
  let err: { code?: string; message?: string } | undefined;
  try {
    init(client, dir);
  } catch (e) {
    err = e as never;
  }
  expect(err?.code).toBe(code);
  expect(bytes(dir, client).equals(Buffer.from(content))).toBe(true);
  return err!;
}

describe("codex: a config.toml whose mcp_servers is not a table of tables", () => {
  it("an inline `mcp_servers = { ... }` is refused (a [mcp_servers.governor] after it is invalid TOML)", () => {
    const e = refused(
      "codex",
      `mcp_servers = { other = { command = "x" } }\n`,
      "mcp_config_invalid",
    );
    expect(e.message).toMatch(/inline table/);
  });

  it("`[[mcp_servers]]` is refused", () => {
    refused("codex", `[[mcp_servers]]\nname = "x"\n`, "mcp_config_invalid");
  });

  it("`[mcp_servers.governor]` inside a multi-line string is text: the real table is added", () => {
    const text = `note = """\n[mcp_servers.governor]\ncommand = "evil"\n"""\nlit = '''\n[mcp_servers.governor.env]\n'''\n`;
    const dir = project("codex", text);
    init("codex", dir);
    const after = bytes(dir, "codex").toString();
    expect(after.startsWith(text)).toBe(true);
    expect(() => readToml(after)).not.toThrow();
    expect(readCodexServer(after, "governor")).toMatchObject({
      command: "node",
      env: { GOVERNOR_ENFORCE_URL: "http://127.0.0.1:8787" },
    });
  });

  it("CRLF and a BOM are kept", () => {
    const dir = project("codex", `\uFEFF# c\r\n[a]\r\nb = 1\r\n`);
    init("codex", dir);
    const after = bytes(dir, "codex").toString();
    expect(after.startsWith(`\uFEFF# c\r\n[a]\r\nb = 1\r\n`)).toBe(true);
    expect(after.replace(/\r\n/g, "")).not.toContain("\n");
  });
});

describe("bytes are never lost", () => {
  it("a file that is not UTF-8 (a Latin-1 comment) is refused, not written back with U+FFFD", () => {
    const latin1 = Buffer.concat([
      Buffer.from("{\n  // caf"),
      Buffer.from([0xe9]),
      Buffer.from('\n  "mcpServers": {}\n}\n'),
    ]);
    const e = refused("cursor", latin1, "mcp_config_invalid");
    expect(e.message).toMatch(/not UTF-8/);
  });

  it("a comma before } inside a JSONC string stays a comma", () => {
    const text = `{"mcpServers": {"governor": {"command": "node", "args": ["node_modules/governor/bin/governor.js", "mcp", "--policy", "a,}", "b,]"],}},}\n`;
    expect(parseConfig(text, true)).toEqual({
      mcpServers: {
        governor: {
          command: "node",
          args: ["node_modules/governor/bin/governor.js", "mcp", "--policy", "a,}", "b,]"],
        },
      },
    });
    // offsets kept: the comma and the comment become spaces
    expect(stripJsonc(`[1, /* x */ ]`)).toBe("[1" + " ".repeat(10) + "]");
    const dir = project("cursor", text);
    init("cursor", dir);
    const entry = parseConfig(bytes(dir, "cursor").toString(), true).mcpServers as any;
    expect(entry.governor.args.slice(-3)).toEqual(["--policy", "a,}", "b,]"]);
  });

  it("a read-only config is refused (rename would replace it)", () => {
    const e = refused("claude", `{"mcpServers": {}}\n`, "mcp_config_read_only", (d) =>
      chmodSync(path.join(d, FILE.claude), 0o444),
    );
    expect(e.message).toMatch(/read-only/);
  });

  it("a JSONC `governor` in a comment or a string is not the entry: the real one is added", () => {
    const text = `{\n  // "servers": { "governor": {} }\n  "note": "\\"governor\\": {}",\n  "servers": {\n    /* "governor": */ "x": {"command": "y"}\n  }\n}\n`;
    const dir = project("vscode", text);
    init("vscode", dir);
    const after = bytes(dir, "vscode").toString();
    expect(after).toContain(`// "servers": { "governor": {} }`);
    expect(after).toContain(`/* "governor": */ "x": {"command": "y"},`);
    const parsed = parseConfig(after, true) as any;
    expect(Object.keys(parsed.servers)).toEqual(["x", "governor"]);
    expect(parsed.note).toBe('"governor": {}');
  });
});

describe("no write outside the project, no key written", () => {
  it("a config directory that is a dangling link is refused, and nothing is created", () => {
    const dir = project("cursor");
    const gone = path.join(dir, "..", `governor-redteam-nowhere-${path.basename(dir)}`);
    symlinkSync(gone, path.join(dir, ".cursor"));
    expect(() => init("cursor", dir)).toThrow(/does not exist; nothing was written/);
    expect(existsSync(gone)).toBe(false);
    expect(lstatSync(path.join(dir, ".cursor")).isSymbolicLink()).toBe(true);
  });

  it("a config file linked to a file inside the project: that file is edited, the link kept", () => {
    const dir = project("claude");
    writeFileSync(path.join(dir, "shared-mcp.json"), `{"mcpServers": {"a": {"command": "b"}}}\n`);
    symlinkSync("shared-mcp.json", path.join(dir, ".mcp.json"));
    init("claude", dir);
    expect(lstatSync(path.join(dir, ".mcp.json")).isSymbolicLink()).toBe(true);
    const real = JSON.parse(readFileSync(path.join(dir, "shared-mcp.json"), "utf8"));
    expect(Object.keys(real.mcpServers)).toEqual(["a", "governor"]);
  });

  it.each([
    ["a query string", "https://enforce.example.com/?code=sk-live-REDTEAM123456789"],
    ["a fragment", "https://enforce.example.com/#token=sk-live-REDTEAM123456789"],
  ])("a URL with %s is refused (a gateway key rides there), without echoing it", (_, url) => {
    const dir = project("claude");
    let msg = "";
    try {
      init("claude", dir, { url });
    } catch (e) {
      msg = (e as Error).message + (e as { fix?: string }).fix;
      expect((e as { code?: string }).code).toBe("invalid_url");
    }
    expect(msg).not.toContain("REDTEAM");
    expect(existsSync(path.join(dir, FILE.claude))).toBe(false);
  });

  it("so is one from .env", () => {
    const dir = project("claude");
    writeFileSync(
      path.join(dir, ".env"),
      "GOVERNOR_ENFORCE_URL=https://e.example.com/api?code=sk-live-REDTEAM123456789\n",
    );
    expect(() => init("claude", dir)).toThrow(/query string/);
    expect(existsSync(path.join(dir, FILE.claude))).toBe(false);
  });

  it("a cloned entry carrying --allow-apply is kept but warned about", () => {
    const dir = project(
      "claude",
      JSON.stringify({
        mcpServers: {
          governor: {
            command: "node",
            args: ["node_modules/governor/bin/governor.js", "mcp", "--dev", "--allow-apply"],
          },
        },
      }),
    );
    const out = init("claude", dir, { dev: true });
    expect(out.warnings.join("\n")).toMatch(
      /kept --allow-apply from the existing "governor" entry/,
    );
  });
});

describe("the CLI writes in the project it is given", () => {
  it("`governor mcp init --cwd <project>` run elsewhere writes there, not in the shell's directory", async () => {
    const dir = project("claude");
    const elsewhere = project("claude");
    for (const args of [
      ["mcp", "init", "--client", "claude", "--cwd", dir, "--json"],
      ["mcp", "--cwd", dir, "init", "--client", "cursor"],
    ]) {
      const r = await run(args, { env: cleanEnv(), cwd: elsewhere });
      expect(r.code, r.stderr).toBe(0);
    }
    expect(existsSync(path.join(dir, FILE.claude))).toBe(true);
    expect(existsSync(path.join(dir, FILE.cursor))).toBe(true);
    expect(existsSync(path.join(elsewhere, FILE.claude))).toBe(false);
    expect(existsSync(path.join(elsewhere, FILE.cursor))).toBe(false);
  });
});
