// Configuration that reaches processes started elsewhere: governor.config.json found from the
// entrypoint's package root, its "enforce" block, <NAME>_FILE secrets, relative GOVERNOR_CONFIG,
// and messages that say what was missing and where governor looked (never a secret).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { resolveConfig, type ConfigSite } from "../../src/runtime/config.js";
import { checkConfig } from "../../src/doctor/config.js";
import { GovernorConfigError } from "../../src/runtime/errors.js";

const KEY = "sk-config-test-abcdef123456";
const DKEY = "decision-key-0123456789abcdef";

const made: string[] = [];
const temp = (prefix: string) => {
  const d = mkdtempSync(path.join(tmpdir(), prefix));
  made.push(d);
  return d;
};
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** An app: <root>/package.json, <root>/dist/server.js (the entrypoint), and a working directory elsewhere. */
function app(files: Record<string, string> = {}): { root: string; site: ConfigSite } {
  const root = temp("gov-cfg-app-");
  writeFileSync(path.join(root, "package.json"), "{}");
  mkdirSync(path.join(root, "dist"));
  writeFileSync(path.join(root, "dist", "server.js"), "");
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  return { root, site: { cwd: temp("gov-cfg-cwd-"), entry: path.join(root, "dist", "server.js") } };
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof GovernorConfigError) return err.problems;
    throw err;
  }
  throw new Error("expected a GovernorConfigError");
}

const file = (x: object) => JSON.stringify(x);

describe("governor.config.json", () => {
  it("is found at the entrypoint's package root when the working directory has none; enforce.url and apiKeyFile (relative to the file) apply", () => {
    const { root, site } = app({
      "governor.config.json": file({
        enforce: { url: "http://127.0.0.1:9/base", apiKeyFile: "secrets/key" },
        tools: { lookup: { action: "read" } },
      }),
      "secrets/key": `${KEY}\n`,
    });
    const cfg = resolveConfig({ env: {} }, site);
    expect(cfg.endpoint?.href).toBe("http://127.0.0.1:9/base/api/v2/enforce");
    expect(cfg.apiKey).toBe(KEY);
    expect(cfg.map?.tools?.lookup?.action).toBe("read");
    expect(cfg.map).not.toHaveProperty("enforce");
    expect(cfg.mapPath).toBe(path.join(root, "governor.config.json"));
    expect(cfg.sources).toEqual({
      configFile: cfg.mapPath,
      enforceUrl: `${cfg.mapPath} "enforce.url"`,
      apiKey: `${cfg.mapPath} "enforce.apiKeyFile" (${path.join(root, "secrets", "key")})`,
    });
  });

  it("the environment wins where both are set", () => {
    const { site } = app({
      "governor.config.json": file({ enforce: { url: "http://file.example", apiKeyFile: "key" } }),
      key: "from-file-key-123",
    });
    const cfg = resolveConfig(
      { env: { GOVERNOR_ENFORCE_URL: "http://env.example", GOVERNOR_API_KEY: KEY } },
      site,
    );
    expect(cfg.endpoint?.origin).toBe("http://env.example");
    expect(cfg.apiKey).toBe(KEY);
    expect(cfg.sources.enforceUrl).toBe("GOVERNOR_ENFORCE_URL");
  });

  it("the app's package's file comes first (a client picks the working directory), with a warning naming the other", () => {
    const { site } = app({
      "governor.config.json": file({ enforce: { url: "http://root.example" } }),
    });
    writeFileSync(
      path.join(site.cwd, "governor.config.json"),
      file({ enforce: { url: "http://cwd.example" } }),
    );
    const warnings: string[] = [];
    const cfg = resolveConfig({ env: {}, warn: (m) => warnings.push(m) }, site);
    expect(cfg.endpoint?.origin).toBe("http://root.example");
    expect(warnings).toEqual([
      expect.stringMatching(
        /^governor: using .*governor\.config\.json \(the app's package\); the working directory's .* is NOT read\. Set GOVERNOR_CONFIG/,
      ),
    ]);
  });

  it("a relative GOVERNOR_CONFIG resolves from the entrypoint's package root", () => {
    const { site } = app({ "config/gov.json": file({ enforce: { url: "http://rel.example" } }) });
    expect(
      resolveConfig({ env: { GOVERNOR_CONFIG: "config/gov.json" } }, site).endpoint?.origin,
    ).toBe("http://rel.example");
    const problems = problemsOf(() =>
      resolveConfig(
        { env: { GOVERNOR_CONFIG: "config/missing.json", GOVERNOR_ENFORCE_URL: "http://x" } },
        site,
      ),
    );
    expect(problems[0]).toMatch(
      /^GOVERNOR_CONFIG \(config\/missing\.json\) does not exist: looked at .*config\/missing\.json and .*config\/missing\.json/,
    );
  });

  it("the enforce block is validated by hand, with what to do", () => {
    const { site } = app({
      "governor.config.json": file({
        enforce: { url: 5, apiKey: KEY, token: "x", apiKeyFile: "nope" },
      }),
    });
    const problems = problemsOf(() => resolveConfig({ env: {} }, site));
    const text = problems.join("\n");
    expect(text).toMatch(/"enforce"\.url must be a non-empty string/);
    expect(text).toMatch(
      /"enforce": "apiKey" is not allowed \(a config file gets committed\): put the secret in a file and name it with "apiKeyFile"/,
    );
    expect(text).toMatch(
      /"enforce": "token" is not a known field \(url, apiKeyFile, decisionKeyFile\)/,
    );
    expect(text).toMatch(/"enforce"\.apiKeyFile: .*nope does not exist/);
    expect(text).not.toContain(KEY);
    const { site: s2 } = app({ "governor.config.json": file({ enforce: "http://x" }) });
    expect(problemsOf(() => resolveConfig({ env: {} }, s2))[0]).toMatch(
      /"enforce" must be an object like \{ "url"/,
    );
  });

  it("with no URL anywhere, the problem names the variable and every file looked at", () => {
    const { root, site } = app();
    const [p] = problemsOf(() => resolveConfig({ env: {} }, site));
    expect(p).toMatch(
      /^GOVERNOR_ENFORCE_URL is not set \(looked in: the environment; governor\.config\.json, not found at /,
    );
    expect(p).toContain(path.join(site.cwd, "governor.config.json"));
    expect(p).toContain(path.join(root, "governor.config.json"));
    const { site: s2 } = app({ "governor.config.json": file({ tools: {} }) });
    expect(problemsOf(() => resolveConfig({ env: {} }, s2))[0]).toMatch(
      /governor\.config\.json \(no "enforce" block\)\)/,
    );
  });
});

describe("<NAME>_FILE secrets", () => {
  it("GOVERNOR_API_KEY_FILE, GOVERNOR_DECISION_KEY_FILE and GOVERNOR_HEADERS_FILE are read (relative: from the package root)", () => {
    const { site } = app({
      "run/key": `${KEY}\n`,
      "run/dkey": DKEY,
      "run/headers.json": file({ "x-tenant-id": "acme-tenant-1" }),
    });
    const cfg = resolveConfig(
      {
        env: {
          GOVERNOR_ENFORCE_URL: "http://x",
          GOVERNOR_API_KEY_FILE: "run/key",
          GOVERNOR_DECISION_KEY_FILE: "run/dkey",
          GOVERNOR_HEADERS_FILE: "run/headers.json",
        },
      },
      site,
    );
    expect(cfg.apiKey).toBe(KEY);
    expect(cfg.decisionKey).toBe(DKEY);
    expect(cfg.headers).toEqual({ "x-tenant-id": "acme-tenant-1" });
    expect(cfg.sources.apiKey).toMatch(/^GOVERNOR_API_KEY_FILE \(.*run\/key\)$/);
  });

  it("both set, a missing file or an empty one: a problem naming the variable and path, never the value", () => {
    const { site } = app({ "run/key": KEY, "run/empty": "\n" });
    const both = problemsOf(() =>
      resolveConfig(
        {
          env: {
            GOVERNOR_ENFORCE_URL: "http://x",
            GOVERNOR_API_KEY: KEY,
            GOVERNOR_API_KEY_FILE: "run/key",
          },
        },
        site,
      ),
    );
    expect(both).toEqual(["GOVERNOR_API_KEY and GOVERNOR_API_KEY_FILE are both set: keep one"]);
    const missing = problemsOf(() =>
      resolveConfig(
        {
          env: {
            GOVERNOR_ENFORCE_URL: "http://x",
            GOVERNOR_DECISION_KEY_FILE: "/nonexistent/dkey",
          },
        },
        site,
      ),
    );
    expect(missing).toEqual(["GOVERNOR_DECISION_KEY_FILE: /nonexistent/dkey does not exist"]);
    const empty = problemsOf(() =>
      resolveConfig(
        { env: { GOVERNOR_ENFORCE_URL: "http://x", GOVERNOR_API_KEY_FILE: "run/empty" } },
        site,
      ),
    );
    expect(empty[0]).toMatch(/^GOVERNOR_API_KEY_FILE: .*run\/empty is empty$/);
  });

  it("a key file holding two lines is refused without echoing it", () => {
    const { site } = app({ "run/key": `${KEY}\nsecond-line-secret` });
    let message = "";
    try {
      resolveConfig(
        { env: { GOVERNOR_ENFORCE_URL: "http://x", GOVERNOR_API_KEY_FILE: "run/key" } },
        site,
      );
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/GOVERNOR_API_KEY must be a single-line string/);
    expect(message).not.toContain(KEY);
    expect(message).not.toContain("second-line-secret");
  });

  it("mode off does not fail on an unreadable key file", () => {
    const { site } = app();
    expect(
      resolveConfig({ env: { GOVERNOR_MODE: "off", GOVERNOR_API_KEY_FILE: "/nonexistent" } }, site)
        .mode,
    ).toBe("off");
  });
});

describe("doctor", () => {
  it("reads the project's governor.config.json enforce block and says where each setting came from", () => {
    const { root } = app({
      "governor.config.json": file({ enforce: { url: "http://127.0.0.1:9", apiKeyFile: "key" } }),
      key: KEY,
    });
    const { result } = checkConfig({ cwd: root, env: {}, ci: false });
    expect(result.status).toBe("pass");
    expect(result.message).toContain(
      `URL from ${path.join(root, "governor.config.json")} "enforce.url"`,
    );
    expect(result.message).toContain(
      `API key from ${path.join(root, "governor.config.json")} "enforce.apiKeyFile"`,
    );
    expect(JSON.stringify(result)).not.toContain(KEY);
  });

  it("with no URL, says where it looked and how a filtered-environment process gets one", () => {
    const { root } = app();
    const { result } = checkConfig({ cwd: root, env: {}, ci: false });
    expect(result.status).toBe("fail");
    expect(result.message).toContain(
      `GOVERNOR_ENFORCE_URL is not set (looked in: the environment; governor.config.json, not found at ${path.join(root, "governor.config.json")})`,
    );
    expect(result.fix).toMatch(
      /"enforce": \{ "url": "\.\.\.", "apiKeyFile": "\.\.\." \} to governor\.config\.json/,
    );
  });
});
