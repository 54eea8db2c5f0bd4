// The fs guard, in child processes against the built runtime: every file-writing function, in its
// sync, callback and promise forms, asks before it touches the disk.
import { afterEach, describe, expect, it } from "vitest";
import * as realFs from "node:fs";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { allow, startEnforce, type EnforceServer } from "../support/enforce-server.js";
import { runChild, ungoverned } from "./guard-child.js";
import { rejection, tmp } from "./helpers.js";
import { GovernorGuardError } from "../../src/runtime/index.js";
import { governedWriteFile } from "../../src/runtime/guard/explicit.js";
import { fsTarget } from "../../src/runtime/guard/fs.js";

let server: EnforceServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function env(extra: Record<string, string>): Promise<Record<string, string>> {
  server ??= await startEnforce(() => allow("f-1"));
  return { GOVERNOR_GUARD: "fs", GOVERNOR_ENFORCE_URL: server.url, ...extra };
}

// What each function writes, per form ("sync", "cb", "promise"); the files it needs are made first.
const OPS: Record<string, (f: string) => string[]> = {
  writeFile: (f) => [`w-${f}`],
  appendFile: (f) => [`append-${f}`],
  rm: (f) => [`rm-${f}`],
  rmdir: (f) => [`rmdir-${f}`],
  unlink: (f) => [`unlink-${f}`],
  rename: (f) => [`renamed-${f}`, `rename-${f}`],
  mkdir: (f) => [`mkdir-${f}/deep`],
  copyFile: (f) => [`copy-${f}`],
  cp: (f) => [`cp-${f}`],
  truncate: (f) => [`trunc-${f}`],
  symlink: (f) => [`sym-${f}`],
  link: (f) => [`hard-${f}`],
};
const FORMS = ["sync", "cb", "promise"] as const;

function prepare(t: string): void {
  for (const f of FORMS) {
    writeFileSync(path.join(t, `append-${f}`), "orig");
    mkdirSync(path.join(t, `rm-${f}`, "sub"), { recursive: true });
    writeFileSync(path.join(t, `rm-${f}`, "sub", "inner"), "x");
    mkdirSync(path.join(t, `rmdir-${f}`));
    writeFileSync(path.join(t, `unlink-${f}`), "x");
    writeFileSync(path.join(t, `rename-${f}`), "x");
    writeFileSync(path.join(t, `trunc-${f}`), "content");
  }
  writeFileSync(path.join(t, "src.txt"), "src");
  mkdirSync(path.join(t, "tree", "sub"), { recursive: true });
  writeFileSync(path.join(t, "tree", "sub", "leaf"), "leaf");
}

/** Every entry under `t` (the audit log aside) with its kind and content. */
function snapshot(t: string, rel = ""): string[] {
  const out: string[] = [];
  for (const name of readdirSync(path.join(t, rel)).sort()) {
    const r = path.join(rel, name);
    if (r === "audit.jsonl") continue;
    const st = lstatSync(path.join(t, r));
    if (st.isSymbolicLink()) out.push(`${r} -> ${readlinkSync(path.join(t, r))}`);
    else if (st.isDirectory()) out.push(`${r}/`, ...snapshot(t, r));
    else out.push(`${r} = ${readFileSync(path.join(t, r), "utf8")} (${st.nlink})`);
  }
  return out;
}

const ALL = `
import fs from "node:fs";
import fsp from "node:fs/promises";
import { writeFile as namedWriteFile } from "node:fs/promises";
import { writeFileSync as namedWriteFileSync, promises as namedPromises } from "node:fs";
import { createRequire } from "node:module";
import { attempt, withCallback, report } from __ATTEMPT__;
import __RUNTIME__;
const require = createRequire(import.meta.url);
const T = process.env.TARGET_DIR;
const p = (n) => T + "/" + n;
const ARGS = {
  writeFile: (f) => [p("w-" + f), "x"],
  appendFile: (f) => [p("append-" + f), "x"],
  rm: (f) => [p("rm-" + f), { recursive: true }],
  rmdir: (f) => [p("rmdir-" + f)],
  unlink: (f) => [p("unlink-" + f)],
  rename: (f) => [p("rename-" + f), p("renamed-" + f)],
  mkdir: (f) => [p("mkdir-" + f + "/deep"), { recursive: true }],
  copyFile: (f) => [p("src.txt"), p("copy-" + f)],
  cp: (f) => [p("tree"), p("cp-" + f), { recursive: true }],
  truncate: (f) => [p("trunc-" + f), 0],
  symlink: (f) => ["src.txt", p("sym-" + f)],
  link: (f) => [p("src.txt"), p("hard-" + f)],
};
const out = {};
for (const [op, args] of Object.entries(ARGS)) {
  out[op + "Sync"] = await attempt(() => fs[op + "Sync"](...args("sync")));
  out[op] = await withCallback((cb) => fs[op](...args("cb"), cb));
  out["promises." + op] = await attempt(() => fsp[op](...args("promise")));
}
out.createWriteStream = await attempt(() => { const s = fs.createWriteStream(p("stream")); return new Promise((res, rej) => { s.on("error", rej); s.end("x", res); }); });
out.samePromises = fs.promises === fsp && namedPromises === fsp && require("fs/promises") === fsp;
out.namedWriteFile = await attempt(() => namedWriteFile(p("named-promise"), "x"));
out.namedWriteFileSync = await attempt(() => namedWriteFileSync(p("named-sync"), "x"));
out.requireWriteFileSync = await attempt(() => require("fs").writeFileSync(p("required"), "x"));
out.url = await attempt(() => fs.writeFileSync(new URL("file://" + p("from-url")), "x"));
out.buffer = await attempt(() => fs.writeFileSync(Buffer.from(p("from-buffer")), "x"));
report(out);
`;
const EXTRA = [
  "createWriteStream",
  "namedWriteFile",
  "namedWriteFileSync",
  "requireWriteFileSync",
  "url",
  "buffer",
];
const EXTRA_RECORDS = [
  ["createWriteStream", "stream"],
  ["writeFile", "named-promise"],
  ["writeFileSync", "named-sync"],
  ["writeFileSync", "required"],
  ["writeFileSync", "from-url"],
  ["writeFileSync", "from-buffer"],
];

/** The records of one run of ALL in order: per function, sync, callback, promise forms. */
function records(t: string, reason: string, blocked: boolean, onlyFirst: boolean): unknown[][] {
  const out: unknown[][] = [];
  for (const [op, targets] of Object.entries(OPS)) {
    for (const f of FORMS) {
      const name = f === "sync" ? `${op}Sync` : op;
      for (const target of onlyFirst ? targets(f).slice(0, 1) : targets(f))
        out.push([name, path.join(t, target), reason, blocked]);
    }
  }
  for (const [op, target] of EXTRA_RECORDS) out.push([op, path.join(t, target), reason, blocked]);
  return out;
}

function results(sync: string, cb: string, promise: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const op of Object.keys(OPS)) {
    out[`${op}Sync`] = sync;
    out[op] = cb;
    out[`promises.${op}`] = promise;
  }
  return out;
}

async function runAll(mode: "enforce" | "observe", extra: Record<string, string> = {}) {
  const dir = tmp();
  const t = path.join(dir, "t");
  mkdirSync(t);
  prepare(t);
  const before = snapshot(t);
  // The audit log lives inside the guarded directory: governor's own appends are never seen.
  const r = await runChild(
    dir,
    "all.mjs",
    ALL,
    await env({
      GOVERNOR_GUARD_MODE: mode,
      TARGET_DIR: t,
      GOVERNOR_AUDIT_LOG: path.join(t, "audit.jsonl"),
      ...extra,
    }),
  );
  return { r, t, before, after: snapshot(t) };
}

describe("fs guard (built runtime, child processes)", () => {
  it("enforce, outside any scope: every function in every form is refused (sync throws, callback gets it on a later tick, promise rejects) and nothing on disk changes", async () => {
    const { r, t, before, after } = await runAll("enforce");
    expect(r.code).toBe(0);
    expect(r.out).toEqual({
      ...results("threw:guard_blocked", "callback-error:guard_blocked", "rejected:guard_blocked"),
      ...Object.fromEntries(
        EXTRA.map((k) => [
          k,
          k === "namedWriteFile" ? "rejected:guard_blocked" : "threw:guard_blocked",
        ]),
      ),
      samePromises: true,
    });
    expect(after).toEqual(before);
    expect(existsSync(path.join(t, "stream"))).toBe(false);
    // One record per call (rename stops at its refused destination), never the data.
    expect(ungoverned(r.audit)).toEqual(records(t, "no_intent", true, true));
    expect(r.audit[0]).toEqual({
      time: expect.any(String),
      type: "ungoverned",
      primitive: "fs",
      target: path.join(t, "w-sync"),
      reason: "no_intent",
      blocked: true,
      mode: "enforce",
      op: "writeFileSync",
    });
    expect(r.audit.some((l) => String(l.target).endsWith("audit.jsonl"))).toBe(false);
    expect(r.stderr).toContain(
      `governor guard (enforce): blocked a file write (writeFileSync ${path.join(t, "w-sync")})`,
    );
  });

  it("observe: every call goes through unchanged and is recorded once (Node's own nested calls in appendFile, rm, cp are not)", async () => {
    const { r, t, after } = await runAll("observe");
    expect(r.out).toEqual({
      ...results("returned", "callback-ok", "resolved"),
      ...Object.fromEntries(
        EXTRA.map((k) => [
          k,
          k === "namedWriteFile" || k === "createWriteStream" ? "resolved" : "returned",
        ]),
      ),
      samePromises: true,
    });
    expect(ungoverned(r.audit)).toEqual(records(t, "no_intent", false, false));
    for (const f of FORMS) {
      expect(after).toContain(`w-${f} = x (1)`);
      expect(after).toContain(`append-${f} = origx (1)`);
      expect(
        after.some(
          (e) =>
            e.startsWith(`rm-${f}`) ||
            e.startsWith(`rmdir-${f}`) ||
            e.startsWith(`unlink-${f}`) ||
            e.startsWith(`rename-${f}`),
        ),
      ).toBe(false);
      expect(after).toContain(`renamed-${f} = x (1)`);
      expect(after).toContain(path.join(`mkdir-${f}`, "deep") + "/");
      expect(after).toContain(`copy-${f} = src (1)`);
      expect(after).toContain(path.join(`cp-${f}`, "sub", "leaf") + " = leaf (1)");
      expect(after).toContain(`trunc-${f} =  (1)`);
      expect(after).toContain(`sym-${f} -> src.txt`);
      expect(after).toContain(`hard-${f} = src (4)`);
    }
    expect(after).toContain("stream = x (1)");
  });

  it("GOVERNOR_GUARD_ALLOW=<dir> lets every call under it through in enforce mode, unrecorded", async () => {
    const dir = tmp();
    const t = path.join(dir, "t");
    mkdirSync(t);
    prepare(t);
    const r = await runChild(
      dir,
      "all.mjs",
      ALL,
      await env({ GOVERNOR_GUARD_MODE: "enforce", TARGET_DIR: t, GOVERNOR_GUARD_ALLOW: t }),
    );
    expect(r.out).toEqual({
      ...results("returned", "callback-ok", "resolved"),
      ...Object.fromEntries(
        EXTRA.map((k) => [
          k,
          k === "namedWriteFile" || k === "createWriteStream" ? "resolved" : "returned",
        ]),
      ),
      samePromises: true,
    });
    expect(ungoverned(r.audit)).toEqual([]);
  });

  it("rename checks the destination and the source; user code inside a call let through (a cp filter) is still checked", async () => {
    const dir = tmp();
    const allowed = path.join(dir, "allowed");
    mkdirSync(path.join(allowed, "tree"), { recursive: true });
    writeFileSync(path.join(allowed, "tree", "leaf"), "leaf");
    writeFileSync(path.join(allowed, "src"), "a");
    writeFileSync(path.join(dir, "outside-src"), "b");
    const r = await runChild(
      dir,
      "rename.mjs",
      `
import fs from "node:fs";
import { attempt, report } from __ATTEMPT__;
import __RUNTIME__;
const d = process.cwd();
const out = {};
out.intoAllowed = await attempt(() => fs.renameSync(d + "/outside-src", d + "/allowed/dst"));
out.outOfAllowed = await attempt(() => fs.renameSync(d + "/allowed/src", d + "/outside-dst"));
let once = false;
const filter = () => { if (once) return true; once = true; try { fs.writeFileSync(d + "/from-filter", "x"); out.filterWrite = "written"; } catch (e) { out.filterWrite = e.code; } return true; };
out.cpSync = await attempt(() => fs.cpSync(d + "/allowed/tree", d + "/allowed/copy", { recursive: true, filter }));
report(out);
`,
      await env({ GOVERNOR_GUARD_MODE: "enforce", GOVERNOR_GUARD_ALLOW: allowed }),
    );
    expect(r.out).toEqual({
      intoAllowed: "threw:guard_blocked",
      outOfAllowed: "threw:guard_blocked",
      cpSync: "returned",
      filterWrite: "guard_blocked",
    });
    expect(existsSync(path.join(dir, "outside-src"))).toBe(true);
    expect(existsSync(path.join(allowed, "src"))).toBe(true);
    expect(readFileSync(path.join(allowed, "copy", "leaf"), "utf8")).toBe("leaf");
    expect(existsSync(path.join(dir, "from-filter"))).toBe(false);
    expect(ungoverned(r.audit)).toEqual([
      ["renameSync", path.join(dir, "outside-src"), "no_intent", true],
      ["renameSync", path.join(dir, "outside-dst"), "no_intent", true],
      ["writeFileSync", path.join(dir, "from-filter"), "no_intent", true],
    ]);
  });

  it("inside an allowed intentScope or gated tool the write happens; a path the scope does not name is refused; concurrent scopes keep their own paths", async () => {
    const dir = tmp();
    const r = await runChild(
      dir,
      "scope.mjs",
      `
import fs from "node:fs";
import fsp from "node:fs/promises";
import { attempt, withCallback, report } from __ATTEMPT__;
import { intentScope, gate } from __RUNTIME__;
const d = process.cwd();
const out = {};
const scope = (name, body) => intentScope({ action: "write", resource: { type: "file", paths: [d + "/" + name] } }, body);
await scope("a", async () => {
  await new Promise((r) => setImmediate(r));
  out.sync = await attempt(() => fs.mkdirSync(d + "/a/deep", { recursive: true }));
  out.cb = await withCallback((cb) => fs.writeFile(d + "/a/deep/cb", "x", cb));
  out.promise = await attempt(() => fsp.writeFile(d + "/a/promise", "x"));
  out.outside = await attempt(() => fsp.writeFile(d + "/b-file", "x"));
});
let release;
const gateOpen = new Promise((r) => (release = r));
const [x, y] = await Promise.all([
  scope("x", async () => { await gateOpen; return [await attempt(() => fsp.writeFile(d + "/x", "1")), await attempt(() => fsp.writeFile(d + "/y", "1"))]; }),
  scope("y", async () => { release(); return [await attempt(() => fsp.writeFile(d + "/y", "2")), await attempt(() => fsp.writeFile(d + "/x", "2"))]; }),
]);
out.concurrent = [x, y];
const save = gate("save_report", async (name) => fsp.writeFile(d + "/" + name, "report"));
out.tool = await attempt(() => save("report.txt"));
out.after = await attempt(() => fs.writeFileSync(d + "/after", "x"));
report(out);
`,
      await env({ GOVERNOR_GUARD_MODE: "enforce" }),
    );
    expect(r.out).toEqual({
      sync: "returned",
      cb: "callback-ok",
      promise: "resolved",
      outside: "rejected:guard_blocked",
      concurrent: [
        ["resolved", "rejected:guard_blocked"],
        ["resolved", "rejected:guard_blocked"],
      ],
      tool: "resolved",
      after: "threw:guard_blocked",
    });
    expect(readFileSync(path.join(dir, "a", "deep", "cb"), "utf8")).toBe("x");
    expect(readFileSync(path.join(dir, "x"), "utf8")).toBe("1");
    expect(readFileSync(path.join(dir, "y"), "utf8")).toBe("2");
    expect(readFileSync(path.join(dir, "report.txt"), "utf8")).toBe("report");
    expect(existsSync(path.join(dir, "b-file"))).toBe(false);
    expect(existsSync(path.join(dir, "after"))).toBe(false);
    const recs = ungoverned(r.audit);
    expect(recs[0]).toEqual(["writeFile", path.join(dir, "b-file"), "outside_intent", true]);
    // The two concurrent refusals come in whichever order their scopes got there.
    expect(recs.slice(1, 3).sort()).toEqual([
      ["writeFile", path.join(dir, "x"), "outside_intent", true],
      ["writeFile", path.join(dir, "y"), "outside_intent", true],
    ]);
    expect(recs.slice(3)).toEqual([["writeFileSync", path.join(dir, "after"), "no_intent", true]]);
  });

  it("a call let through is unchanged: results, errors, name and length; an fd or FileHandle is not checked (open is not guarded)", async () => {
    const dir = tmp();
    const missing = path.join(dir, "missing");
    const r = await runChild(
      dir,
      "shape.mjs",
      `
import fs from "node:fs";
import fsp from "node:fs/promises";
import { withCallback, report } from __ATTEMPT__;
import __RUNTIME__;
const d = process.cwd();
const out = {};
const err = (f) => { try { f(); } catch (e) { return [e.code, e.message]; } };
out.returns = [fs.writeFileSync(d + "/w", "x"), await fsp.writeFile(d + "/w", "y"), fs.mkdirSync(d + "/m/n", { recursive: true })];
out.stream = fs.createWriteStream(d + "/s") instanceof fs.WriteStream;
out.syncError = err(() => fs.unlinkSync(${JSON.stringify(missing)}));
out.cbError = await withCallback((cb) => fs.unlink(${JSON.stringify(missing)}, cb));
out.promiseError = await fsp.unlink(${JSON.stringify(missing)}).then(() => null, (e) => [e.code, e.message]);
const names = ["writeFile", "appendFile", "rm", "rmdir", "unlink", "rename", "mkdir", "copyFile", "cp", "truncate", "symlink", "link"];
out.shape = Object.fromEntries(names.flatMap((n) => [[n, [fs[n].name, fs[n].length]], [n + "Sync", [fs[n + "Sync"].name, fs[n + "Sync"].length]], ["promises." + n, [fsp[n].name, fsp[n].length]]]).concat([["createWriteStream", [fs.createWriteStream.name, fs.createWriteStream.length]]]));
const fd = fs.openSync(d + "/fd", "w");
fs.writeFileSync(fd, "by fd");
fs.closeSync(fd);
const h = await fsp.open(d + "/handle", "w");
await fsp.writeFile(h, "by handle");
await h.close();
const fd2 = fs.openSync(d + "/fd-stream", "w");
await new Promise((r) => fs.createWriteStream(null, { fd: fd2 }).end("by stream fd", r));
report(out);
`,
      await env({ GOVERNOR_GUARD_MODE: "observe" }),
    );
    expect(r.out.returns).toEqual([null, null, path.join(dir, "m")]);
    expect(r.out.stream).toBe(true);
    let expected: unknown;
    try {
      realFs.unlinkSync(missing);
    } catch (e) {
      expected = [(e as NodeJS.ErrnoException).code, (e as Error).message];
    }
    expect(r.out.syncError).toEqual(expected);
    expect(r.out.promiseError).toEqual(expected);
    expect(r.out.cbError).toBe("callback-error:ENOENT");
    const fs = realFs as unknown as Record<string, Function> & {
      promises: Record<string, Function>;
    };
    for (const [k, v] of Object.entries(r.out.shape as Record<string, unknown>)) {
      const orig = k.startsWith("promises.") ? fs.promises[k.slice(9)] : fs[k];
      expect([k, v]).toEqual([k, [orig.name, orig.length]]);
    }
    expect(readFileSync(path.join(dir, "fd"), "utf8")).toBe("by fd");
    expect(readFileSync(path.join(dir, "handle"), "utf8")).toBe("by handle");
    expect(readFileSync(path.join(dir, "fd-stream"), "utf8")).toBe("by stream fd");
    expect(ungoverned(r.audit).map(([op, target]) => [op, target])).toEqual([
      ["writeFileSync", path.join(dir, "w")],
      ["writeFile", path.join(dir, "w")],
      ["mkdirSync", path.join(dir, "m", "n")],
      ["createWriteStream", path.join(dir, "s")],
      ["unlinkSync", missing],
      ["unlink", missing],
      ["unlink", missing],
    ]);
  });
});

describe("governedWriteFile from the built runtime", () => {
  const SCRIPT = `
import fsp from "node:fs/promises";
import { attempt, report } from __ATTEMPT__;
import { governedWriteFile, intentScope } from __RUNTIME__;
const d = process.cwd();
const out = {};
out.outside = await attempt(() => governedWriteFile(d + "/outside", "x"));
out.inScope = await intentScope({ action: "write", resource: { type: "file", paths: [d + "/out"] } }, () => attempt(() => governedWriteFile(d + "/out", "x")));
out.plain = await attempt(() => fsp.writeFile(d + "/plain", "x"));
report(out);
`;

  it("with the fs guard on it is the hooked writeFile: refused outside a scope (one record), written inside", async () => {
    const dir = tmp();
    const r = await runChild(
      dir,
      "explicit.mjs",
      SCRIPT,
      await env({ GOVERNOR_GUARD_MODE: "enforce" }),
    );
    expect(r.out).toEqual({
      outside: "rejected:guard_blocked",
      inScope: "resolved",
      plain: "rejected:guard_blocked",
    });
    expect(existsSync(path.join(dir, "outside"))).toBe(false);
    expect(readFileSync(path.join(dir, "out"), "utf8")).toBe("x");
    expect(ungoverned(r.audit)).toEqual([
      ["writeFile", path.join(dir, "outside"), "no_intent", true],
      ["writeFile", path.join(dir, "plain"), "no_intent", true],
    ]);
  });

  it("with no guard on it still checks (the default governor's mode), while plain writeFile is untouched", async () => {
    const dir = tmp();
    const { GOVERNOR_GUARD: _off, ...noGuard } = await env({});
    const r = await runChild(dir, "explicit.mjs", SCRIPT, noGuard);
    expect(r.out).toEqual({
      outside: "rejected:guard_blocked",
      inScope: "resolved",
      plain: "resolved",
    });
    expect(existsSync(path.join(dir, "outside"))).toBe(false);
    expect(ungoverned(r.audit)).toEqual([
      ["writeFile", path.join(dir, "outside"), "no_intent", true],
    ]);
  });
});

describe("governedWriteFile without the fs guard installed (checks against the state it is given)", () => {
  const state = (mode: "enforce" | "observe", paths: string[] = []) => {
    const records: any[] = [];
    return {
      records,
      s: {
        mode,
        allow: { hosts: [], paths, commands: [] },
        warn: () => {},
        record: (x: any) => records.push(x),
      },
    };
  };

  it("refused: rejects and writes nothing; allowed: it is fs.promises.writeFile", async () => {
    const dir = tmp();
    const e = state("enforce");
    const err = await rejection(governedWriteFile(path.join(dir, "a"), "x", undefined, e.s));
    expect(err).toBeInstanceOf(GovernorGuardError);
    expect(existsSync(path.join(dir, "a"))).toBe(false);
    expect(e.records.map((x) => [x.target, x.op, x.blocked])).toEqual([
      [path.join(dir, "a"), "writeFile", true],
    ]);
    const ok = state("enforce", [dir]);
    await expect(
      governedWriteFile(path.join(dir, "b"), "y", { encoding: "utf8" }, ok.s),
    ).resolves.toBeUndefined();
    expect(readFileSync(path.join(dir, "b"), "utf8")).toBe("y");
    expect(ok.records).toEqual([]);
  });
});

describe("fsTarget: the absolute path an fs call names", () => {
  it("resolves strings, Buffers, file: URLs and URL-like objects as Node reads them; an fd or FileHandle names none", () => {
    expect(fsTarget("rel/x")).toBe(path.resolve("rel/x"));
    expect(fsTarget("/a/./b/../c/")).toBe("/a/c");
    expect(fsTarget("/a//b")).toBe("/a/b");
    expect(fsTarget("/a/.hidden")).toBe("/a/.hidden");
    expect(fsTarget(Buffer.from("/a/b"))).toBe("/a/b");
    expect(fsTarget(new URL("file:///a/b%20c"))).toBe("/a/b c");
    expect(
      fsTarget({ href: "file:///a/b", protocol: "file:", hostname: "", pathname: "/a/b" }),
    ).toBe("/a/b");
    expect(
      fsTarget({ href: "file:///a/b", protocol: "file:", hostname: "", pathname: "/a/b", fd: 3 }),
    ).toBe("/a/b");
    expect(fsTarget(3)).toBeNull();
    expect(fsTarget({ fd: 3, close() {} })).toBeNull();
    expect(fsTarget(undefined)).toBe(path.resolve("undefined"));
  });
});
