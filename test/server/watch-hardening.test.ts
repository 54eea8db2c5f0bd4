// The policy file of a running `governor serve` swapped, replaced or deleted (issue 10, finding 12). Whoever
// can write the policy's directory can read the server's log: the log must never show what a file the swap
// points at holds, and a policy that is gone must be said so, with the last good one kept in force.
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { policies, run, serve, tempPolicy, until, type Served } from "../cli/helpers.js";

const CANARY = "sk-canary-7f3a9c0d1e2b";
const readIntent = {
  action: "query",
  actor: { id: "user-123", type: "user" },
  resource: { type: "postgres_db", name: "users" },
};
const good = readFileSync(path.join(policies, "basic.yaml"), "utf8");
const denyReads = good.replace("id: reads\n    effect: allow", "id: reads\n    effect: deny");

async function decision(s: Served): Promise<string> {
  const res = await fetch(`${s.url}/api/v2/enforce`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(readIntent),
  });
  return ((await res.json()) as any).decision;
}

/** A secret the server's user can read, in a directory of its own. */
function secretElsewhere(text = `root:x:0:0:${CANARY}:/root:/bin/bash\n`): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "governor-secret-")), "secret.txt");
  writeFileSync(file, text);
  return file;
}

/** Replaces `file` with a symlink to `target` in one rename, as an attacker (or kubelet) would. */
function swapForLink(file: string, target: string): void {
  symlinkSync(target, file + ".lnk");
  renameSync(file + ".lnk", file);
}

async function withServe(file: string, body: (s: Served) => Promise<void>): Promise<void> {
  const s = await serve(["--policy", file]);
  try {
    await body(s);
  } finally {
    await s.stop();
  }
}

/** Waits for an event; the bound is a safety net for a loaded machine, not a margin. */
const wait = (check: () => Promise<boolean>, what: string) => until(check, what, 20_000);
const logCount = (s: Served, re: RegExp) => (s.stderr().match(new RegExp(re, "g")) ?? []).length;

describe.concurrent("a policy swapped for a link never shows what the link points at", () => {
  it("a symlink to a file outside the policy's directory is refused unread; the last good policy stays", async () => {
    const file = tempPolicy("basic.yaml");
    const secret = secretElsewhere();
    await withServe(file, async (s) => {
      swapForLink(file, secret);
      await wait(async () => /outside/.test(s.stderr()), "refusal log line");
      expect(s.stderr()).toMatch(
        new RegExp(
          `policy reload refused, keeping the last good policy: ${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} now resolves to .*secret\\.txt, outside `,
        ),
      );
      expect(s.stderr()).not.toContain(CANARY);
      expect(s.stderr()).not.toContain("root:x");
      expect(await decision(s)).toBe("ALLOW");
      // Put back as a plain file, the policy reloads again.
      writeFileSync(file + ".tmp", denyReads);
      renameSync(file + ".tmp", file);
      await wait(
        async () => (await decision(s)) === "DENY",
        "reload after the link is replaced by a file",
      );
    });
  });

  it("the same for /etc/passwd itself", async () => {
    if (!existsSync("/etc/passwd")) return;
    const file = tempPolicy("basic.yaml");
    await withServe(file, async (s) => {
      swapForLink(file, "/etc/passwd");
      await wait(async () => /outside/.test(s.stderr()), "refusal log line");
      expect(s.stderr()).not.toMatch(/root:/);
      expect(await decision(s)).toBe("ALLOW");
    });
  });

  it("a symlink to a secret beside the policy: path, kind and position only", async () => {
    const file = tempPolicy("basic.yaml");
    writeFileSync(path.join(path.dirname(file), "api.key"), CANARY + "\n");
    await withServe(file, async (s) => {
      swapForLink(file, "api.key");
      await wait(
        async () => s.stderr().includes("keeping the last good policy"),
        "reload failure log",
      );
      expect(s.stderr()).toMatch(
        /policy reload failed, keeping the last good policy: .*policy\.yaml: not a policy: the file holds a single value, not a map with version, default and rules\./,
      );
      expect(s.stderr()).not.toContain(CANARY);
      expect(await decision(s)).toBe("ALLOW");
    });
  });

  it("a secret renamed over the policy (a plain file, no link) shows nothing of it either", async () => {
    const file = tempPolicy("basic.yaml");
    const secret = path.join(path.dirname(file), "db.env");
    writeFileSync(secret, `DATABASE_PASSWORD=${CANARY}\n`);
    await withServe(file, async (s) => {
      renameSync(secret, file);
      await wait(
        async () => s.stderr().includes("keeping the last good policy"),
        "reload failure log",
      );
      expect(s.stderr()).not.toContain(CANARY);
      expect(s.stderr()).not.toContain("DATABASE_PASSWORD");
    });
  });

  it("a JSON policy swapped for a secret: no excerpt from JSON.parse's message", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "governor-policy-"));
    const file = path.join(dir, "policy.json");
    writeFileSync(file, JSON.stringify({ version: 1, default: "allow", rules: [] }));
    writeFileSync(path.join(dir, "token"), `${CANARY}-and-more`);
    await withServe(file, async (s) => {
      swapForLink(file, "token");
      await wait(
        async () => s.stderr().includes("keeping the last good policy"),
        "reload failure log",
      );
      expect(s.stderr()).toMatch(/policy\.json: not valid JSON( at line \d+, column \d+)?\./);
      expect(s.stderr()).not.toContain("sk-canary");
    });
  });

  it("broken YAML is reported by line and column, never with the parser's excerpt of the file", async () => {
    const file = tempPolicy("basic.yaml");
    await withServe(file, async (s) => {
      writeFileSync(file, `version: 1\nrules: [ { id: "${CANARY}"\n`);
      await wait(
        async () => s.stderr().includes("keeping the last good policy"),
        "reload failure log",
      );
      expect(s.stderr()).toMatch(
        /policy\.yaml: not valid YAML at line \d+, column \d+ \([A-Z_]+\)\./,
      );
      expect(s.stderr()).not.toContain(CANARY);
    });
  });

  it("a YAML tag (which the yaml parser would warn about with an excerpt) is refused, without the excerpt", async () => {
    const file = tempPolicy("basic.yaml");
    await withServe(file, async (s) => {
      writeFileSync(file, `version: 1\ndefault: allow\nrules: !secret ${CANARY}\n`);
      await wait(
        async () => s.stderr().includes("keeping the last good policy"),
        "reload failure log",
      );
      expect(s.stderr()).toMatch(
        /policy\.yaml: line 3, column 8: YAML tags are not part of a policy \(TAG_RESOLVE_FAILED\)\./,
      );
      expect(s.stderr()).not.toContain(CANARY);
    });
  });

  it("a FIFO swapped in is refused (not a regular file) instead of blocking a reader forever", async () => {
    const file = tempPolicy("basic.yaml");
    await withServe(file, async (s) => {
      execFileSync("mkfifo", [file + ".fifo"]);
      renameSync(file + ".fifo", file);
      await wait(async () => /not a regular file/.test(s.stderr()), "FIFO refusal log line");
      expect(await decision(s)).toBe("ALLOW");
      writeFileSync(file + ".tmp", denyReads);
      renameSync(file + ".tmp", file);
      await wait(async () => (await decision(s)) === "DENY", "reload after the FIFO is replaced");
    });
  });
});

describe.concurrent("a deleted policy is said so, and picked up again when it comes back", () => {
  it("deleted: one log line, the last good policy stays in force; written again: reloaded and logged", async () => {
    const file = tempPolicy("basic.yaml");
    await withServe(file, async (s) => {
      rmSync(file);
      await wait(async () => /deleted/.test(s.stderr()), "deletion log line");
      expect(s.stderr()).toMatch(
        /policy file .*policy\.yaml was deleted \(or its link points nowhere\); the last good policy stays in force \(4 rule\(s\), default deny\) until it is back/,
      );
      expect(await decision(s)).toBe("ALLOW");
      writeFileSync(file, denyReads);
      await wait(async () => (await decision(s)) === "DENY", "reload when the file is back");
      await wait(
        async () => /policy file .*policy\.yaml is back/.test(s.stderr()),
        "back log line",
      );
      expect(logCount(s, /was deleted/)).toBe(1);
    });
  });

  it("its whole directory removed and made again: reloaded, and later edits are still followed", async () => {
    const file = tempPolicy("basic.yaml");
    const dir = path.dirname(file);
    await withServe(file, async (s) => {
      rmSync(dir, { recursive: true });
      await wait(async () => /was deleted/.test(s.stderr()), "deletion log line");
      mkdirSync(dir);
      writeFileSync(file, denyReads);
      await wait(async () => (await decision(s)) === "DENY", "reload when the directory is back");
      writeFileSync(file, good);
      await wait(
        async () => (await decision(s)) === "ALLOW",
        "an edit after the directory came back",
      );
    });
  });

  it("the same file back unchanged still says it is back", async () => {
    const file = tempPolicy("basic.yaml");
    await withServe(file, async (s) => {
      rmSync(file);
      await wait(async () => /was deleted/.test(s.stderr()), "deletion log line");
      writeFileSync(file, good);
      await wait(async () => /is back/.test(s.stderr()), "back log line");
      expect(await decision(s)).toBe("ALLOW");
    });
  });
});

describe.concurrent("at start, too, a file that is not a policy is described, not shown", () => {
  it("--policy pointing (through a link or not) at a secret: exit 2, nothing of it printed", async () => {
    const secret = secretElsewhere();
    const link = path.join(mkdtempSync(path.join(tmpdir(), "governor-policy-")), "policy.yaml");
    symlinkSync(secret, link);
    const results = await Promise.all([
      run(["serve", "--port", "0", "--policy", link]),
      run(["serve", "--port", "0", "--policy", secret]),
    ]);
    for (const r of results) {
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        /^error \[policy_invalid\]: .*: not a policy: the file holds a single value, not a map with version, default and rules\./,
      );
      expect(r.stderr).not.toContain(CANARY);
    }
  });
});
