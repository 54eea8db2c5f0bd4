import {
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  readSync,
  realpathSync,
  statSync,
} from "node:fs";
import { isAbsolute, join, relative, sep } from "node:path";
import picomatch from "picomatch";
import { frameworkOf, unsupportedFrameworkOf } from "../frameworks.js";
import { mayHaveTools } from "./modules.js";
import { SOURCE_EXTENSIONS } from "../runtime/shared.js";

// Which source files init scans. Read only.

// Never descended into: dependencies, VCS, governor's own backups.
export const ALWAYS_SKIPPED = new Set(["node_modules", ".git", ".governor", ".hg", ".svn"]);

// Skipped unless --include asks for them: build output, caches, tests.
export const DEFAULT_SKIPPED_DIRS = new Set([
  "dist",
  "build",
  "out",
  ".next",
  ".nuxt",
  ".output",
  ".svelte-kit",
  ".turbo",
  ".vercel",
  ".netlify",
  "coverage",
  ".cache",
  "__tests__",
  "__mocks__",
  "__snapshots__",
  "__fixtures__",
  "test",
  "tests",
  "e2e",
  "fixtures",
  "generated",
  "__generated__",
  "storybook-static",
]);

const GENERATED_NAME =
  /(\.d\.[mc]?ts$|\.min\.[mc]?js$|\.generated\.|\.gen\.[mc]?[jt]sx?$|\.bundle\.[mc]?js$)/;
const TEST_NAME = /\.(test|spec|e2e|stories|bench)\.[mc]?[jt]sx?$/;
const GENERATED_HEADER = /@generated|DO NOT EDIT|auto-?generated/i;
const MAX_BYTES = 1_000_000;

export interface FileScanOptions {
  include?: string[];
  exclude?: string[];
  /** Extra directory names (relative to root, posix) that are build output, e.g. tsconfig outDir. */
  outputDirs?: string[];
  /** Where `root` sits under the run root (a workspace package), so globs may name either path. */
  prefix?: string;
  /** Where the project ends, for links (default `root`): a link leading out of it is never followed. */
  projectRoot?: string;
}

/** Why a source file that may hold tools was not read: every one is named in init's report and doctor's. */
export type SkipWhy =
  | "link-outside"
  | "link-broken"
  | "link-unscanned"
  | "too-large"
  | "too-deep"
  | "unreadable"
  | "not-utf8";

export interface SkippedFile {
  /** Relative to the scanned root, posix; a directory for a linked or unreadable directory. */
  path: string;
  why: SkipWhy;
  /** What init did not do, and what to do instead, in a sentence. */
  reason: string;
  /** A link's real target, absolute, when it resolves. */
  target?: string;
}

export const toPosix = (p: string) => p.split(sep).join("/");

export function isSourceFile(path: string): boolean {
  return SOURCE_EXTENSIONS.some((ext) => path.endsWith(ext));
}

/** True when the file's head says a tool wrote it (codegen output is rewritten on the next build). */
export function looksGenerated(text: string): boolean {
  return GENERATED_HEADER.test(text.slice(0, 400));
}

const inside = (base: string, abs: string) => {
  const r = relative(base, abs);
  return r === "" || (!r.startsWith("..") && !isAbsolute(r));
};

const realOr = (abs: string) => {
  try {
    return realpathSync(abs);
  } catch {
    return abs;
  }
};

// Text this far into a skipped file is enough to tell whether it could define tools.
const SNIFF_BYTES = 4_000_000;

function head(abs: string): Buffer {
  const fd = openSync(abs, "r");
  try {
    const buf = Buffer.alloc(SNIFF_BYTES);
    return buf.subarray(0, readSync(fd, buf, 0, SNIFF_BYTES, 0));
  } finally {
    closeSync(fd);
  }
}

const SPECIFIER = /(?:from\s*|require\(\s*|import\(\s*)["']([^"']+)["']/g;

/** Bytes as text good enough for mayHoldTools: UTF-16 by its BOM, else one byte a character. */
function sniffText(bytes: Buffer): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2).toString("utf16le");
  if (bytes[0] === 0xfe && bytes[1] === 0xff)
    return Buffer.from(bytes.subarray(2, bytes.length - (bytes.length % 2)))
      .swap16()
      .toString("utf16le");
  return bytes.toString("latin1");
}

/** Could this text define or call tools: what the codemod looks at, or an import of any agent framework. */
export function mayHoldTools(text: string): boolean {
  if (mayHaveTools(text)) return true;
  for (const m of text.matchAll(SPECIFIER))
    if (frameworkOf(m[1]) || unsupportedFrameworkOf(m[1])) return true;
  return false;
}

/**
 * Lists source files under `root` (paths relative to it, posix, sorted), and the ones it would have
 * listed but did not read, when they may hold tools. Subdirectories that hold their own package.json
 * are separate packages and are not entered; symbolic links are never followed (a link to a file
 * scanned anyway is left out silently, any other is reported).
 */
export function scanSourceFiles(
  root: string,
  options: FileScanOptions = {},
): { files: string[]; skipped: SkippedFile[] } {
  const prefix = options.prefix ? options.prefix.replace(/\/$/, "") + "/" : "";
  const matcher = (globs?: string[]) => {
    if (!globs?.length) return null;
    const m = picomatch(globs, { dot: true });
    return (rel: string) => m(rel) || (prefix !== "" && m(prefix + rel));
  };
  const include = matcher(options.include);
  const exclude = matcher(options.exclude);
  const outputDirs = new Set(
    (options.outputDirs ?? []).map((d) => d.replace(/^\.\//, "").replace(/\/$/, "")),
  );
  const project = realOr(options.projectRoot ?? root);
  const found: string[] = [];
  const skipped: SkippedFile[] = [];
  const links: { rel: string; target: string }[] = [];

  const dirWanted = (name: string, rel: string) =>
    !ALWAYS_SKIPPED.has(name) &&
    (include || !(DEFAULT_SKIPPED_DIRS.has(name) || outputDirs.has(rel))) &&
    !(exclude && (exclude(rel) || exclude(rel + "/")));
  const fileWanted = (name: string, rel: string) => {
    if (!isSourceFile(name) || (exclude && exclude(rel))) return false;
    return include ? include(rel) : !(GENERATED_NAME.test(name) || TEST_NAME.test(name));
  };

  const link = (abs: string, name: string, rel: string) => {
    let target: string;
    let isDir: boolean;
    try {
      target = realpathSync(abs);
      isDir = statSync(target).isDirectory();
    } catch {
      if (!fileWanted(name, rel)) return;
      let to = "?";
      try {
        to = readlinkSync(abs);
      } catch {
        // unreadable link: its name is enough
      }
      skipped.push({
        path: rel,
        why: "link-broken",
        reason: `a symbolic link to ${to}, which does not exist here (built later, or on another machine?): init could not read it; if it holds tools where your app runs, gate them there by hand`,
      });
      return;
    }
    if (isDir) {
      // a link inside is walked where it points (or skipped there); one out, a package too, is never read
      if (!dirWanted(name, rel) || inside(project, target)) return;
      const what = existsSync(join(target, "package.json"))
        ? "a linked package"
        : "a linked directory";
      skipped.push({
        path: rel,
        why: "link-outside",
        target,
        reason: `${what} leading out of the project (to ${target}): init does not follow it, so tools in it stay ungated; run init where it lives, or gate them there by hand`,
      });
      return;
    }
    if (!fileWanted(name, rel)) return;
    if (!inside(project, target)) {
      skipped.push({
        path: rel,
        why: "link-outside",
        target,
        reason: `a symbolic link to ${target}, outside the project: init never reads or writes through it, so its tools stay ungated; gate them where the file lives, or replace the link with a copy`,
      });
      return;
    }
    links.push({ rel, target });
  };

  const walk = (dir: string, depth: number) => {
    if (depth > 30) {
      skipped.push({
        path: toPosix(relative(root, dir)),
        why: "too-deep",
        reason:
          "more than 30 directories deep: init does not look inside, so tools in it stay ungated; gate them by hand",
      });
      return;
    }
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      if (dir !== root)
        skipped.push({
          path: toPosix(relative(root, dir)),
          why: "unreadable",
          reason: `a directory init cannot read (${(e as NodeJS.ErrnoException).code ?? "error"}): tools in it stay ungated; fix its permissions and rerun`,
        });
      return;
    }
    for (const entry of entries) {
      const abs = join(dir, entry.name);
      const rel = toPosix(relative(root, abs));
      if (entry.isSymbolicLink()) {
        link(abs, entry.name, rel);
        continue;
      }
      if (entry.isDirectory()) {
        if (!dirWanted(entry.name, rel)) continue;
        if (existsSync(join(abs, "package.json"))) continue;
        walk(abs, depth + 1);
        continue;
      }
      if (!entry.isFile() || !fileWanted(entry.name, rel)) continue;
      let size: number;
      try {
        size = statSync(abs).size;
      } catch (e) {
        skipped.push({
          path: rel,
          why: "unreadable",
          reason: `init cannot read it (${(e as NodeJS.ErrnoException).code ?? "error"}): its tools stay ungated; fix its permissions and rerun`,
        });
        continue;
      }
      if (size > MAX_BYTES) {
        let may = true;
        try {
          may = mayHoldTools(sniffText(head(abs)));
        } catch {
          // unreadable: say so with the size
        }
        if (may)
          skipped.push({
            path: rel,
            why: "too-large",
            reason: `${(size / 1_000_000).toFixed(1)} MB, over init's 1 MB limit: not read or rewritten, so its tools stay ungated; move them to a smaller file, or gate them by hand`,
          });
        continue;
      }
      found.push(rel);
    }
  };
  walk(root, 0);
  // a second name for a file scanned anyway: it is gated through that file, once
  const real = new Set(found.map((f) => join(realOr(root), f)));
  for (const l of links) {
    if (real.has(l.target)) continue;
    const where = toPosix(relative(project, l.target));
    skipped.push({
      path: l.rel,
      why: "link-unscanned",
      target: l.target,
      reason: `a symbolic link to ${where}, which init does not scan (excluded, a test, build output or another package): not rewritten; gate its tools where the file lives, or --include it there`,
    });
  }
  skipped.sort((a, b) => a.path.localeCompare(b.path));
  return { files: found.sort(), skipped };
}

/** Lists source files under `root` (paths relative to it, posix, sorted); see scanSourceFiles. */
export function listSourceFiles(root: string, options: FileScanOptions = {}): string[] {
  return scanSourceFiles(root, options).files;
}

// ignoreBOM: the decoder would take off a second BOM too; one is taken off here, the rest is text
const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** A file's text when its bytes are UTF-8 (a leading BOM taken off and reported), else null. */
export function decodeUtf8(bytes: Uint8Array): { text: string; bom: boolean } | null {
  const bom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  try {
    return { text: UTF8.decode(bom ? bytes.subarray(3) : bytes), bom };
  } catch {
    return null;
  }
}

/**
 * Reads the files, dropping any whose header marks them as generated. A file that is not UTF-8 is
 * never decoded lossily (init would write the damage back): it goes to `skipped` when it may hold
 * tools. A BOM is taken off the text (the writer puts it back).
 */
export function readSourceFiles(
  root: string,
  relPaths: string[],
  skipped: SkippedFile[] = [],
): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  for (const rel of relPaths) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(join(root, rel));
    } catch (e) {
      skipped.push({
        path: rel,
        why: "unreadable",
        reason: `init cannot read it (${(e as NodeJS.ErrnoException).code ?? "error"}): its tools stay ungated; fix its permissions and rerun`,
      });
      continue;
    }
    const decoded = decodeUtf8(bytes);
    if (!decoded) {
      if (mayHoldTools(sniffText(bytes)))
        skipped.push({
          path: rel,
          why: "not-utf8",
          reason:
            "not UTF-8 text (Latin-1 or another encoding?): init does not rewrite it, so its bytes stay as they are and its tools ungated; convert it to UTF-8 (`iconv -f latin1 -t utf-8`) and rerun, or gate them by hand",
        });
      continue;
    }
    if (looksGenerated(decoded.text)) continue;
    out.push({ path: rel, text: decoded.text });
  }
  skipped.sort((a, b) => a.path.localeCompare(b.path));
  return out;
}
