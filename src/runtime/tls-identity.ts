// The client certificate (and CA) for enforce, from files that may be replaced at any time
// (cert-manager, spiffe-helper). A change is noticed at a check by inode, size and mtime (a watch on
// a path stops once a file is renamed over it), and used only once the new certificate and key are
// read and match: a half-finished swap keeps the identity in use and is looked at again later.
import { readFileSync, statSync, type Stats } from "node:fs";
import path from "node:path";
import type * as Tls from "node:tls";
import { IDENTITY_FILES, type PemSource, type TlsConfig } from "./config-auth.js";
import { whyUnreadable } from "./shared.js";

/** PEM text for the pool's connect options. */
export interface TlsFiles {
  cert?: string;
  key?: string;
  ca?: string;
}

/** No usable identity; the message names the variable and the file, never the contents. */
export class TlsIdentityError extends Error {}

type Sources = { cert?: PemSource; key?: PemSource; ca?: PemSource };

/** A file's inode, size and mtime; a stat that fails (EACCES mid-swap) is a state of its own,
 *  which the read then reports, instead of an error escaping the check. */
function stat(file: string): Stats | "missing" | "unreadable" {
  try {
    return statSync(file, { throwIfNoEntry: false }) ?? "missing";
  } catch {
    return "unreadable";
  }
}

function stamp(file: string): string {
  const s = stat(file);
  return typeof s === "string" ? s : `${s.ino}:${s.size}:${s.mtimeMs}`;
}

function signature(src: Sources): string {
  return [src.cert, src.key, src.ca]
    .map((s) => (!s ? "" : s.file ? `${s.file}=${stamp(s.file)}` : "text"))
    .join("|");
}

function readPem(s: PemSource | undefined): string | undefined {
  if (!s) return undefined;
  if (s.text !== undefined) return s.text;
  try {
    return readFileSync(s.file!, "utf8");
  } catch (err) {
    throw new TlsIdentityError(`${s.name}: ${s.file} ${whyUnreadable(err)}`);
  }
}

export class TlsIdentity {
  /** Signature of the identity in use (undefined: none yet). */
  private good: string | undefined;
  private lastLook = -Infinity;
  private lastProblem: string | undefined;

  constructor(
    private readonly cfg: TlsConfig,
    private readonly onProblem: (message: string) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The files to read now: those configured, or the names the identity directory holds now. */
  private sources(): Sources {
    const dir = this.cfg.dir;
    if (!dir) return this.cfg;
    const has = (f: string) => stat(path.join(dir, f)) !== "missing";
    const names = IDENTITY_FILES.find((n) => has(n.cert)) ?? IDENTITY_FILES[0];
    const src = (f: string): PemSource => ({
      name: `GOVERNOR_IDENTITY_DIR (${f})`,
      file: path.join(dir, f),
    });
    return {
      cert: src(names.cert),
      key: src(names.key),
      ca: has(names.ca) ? src(names.ca) : undefined,
    };
  }

  /** New PEMs when the identity changed and the new one is whole; undefined when nothing changed,
   *  or when the change is not usable yet and an older identity stays in use. Throws
   *  TlsIdentityError when there is no usable identity at all (a later call looks again). */
  next(): TlsFiles | undefined {
    const t = this.now();
    if (this.good !== undefined && t - this.lastLook < this.cfg.recheckMs) return undefined;
    this.lastLook = t;
    const src = this.sources();
    const sig = signature(src);
    if (sig === this.good) return undefined;
    let files: TlsFiles;
    try {
      files = { cert: readPem(src.cert), key: readPem(src.key), ca: readPem(src.ca) };
      validate(files, src);
    } catch (err) {
      if (!(err instanceof TlsIdentityError)) throw err;
      if (this.good === undefined) throw err;
      // A swap in progress (new certificate, old key): keep the pool, say so once per state.
      if (err.message !== this.lastProblem)
        this.onProblem(
          `governor: the changed client certificate files are not usable yet (${err.message}); still using the previous ones, and looking again at later checks.`,
        );
      this.lastProblem = err.message;
      return undefined;
    }
    this.good = sig;
    this.lastProblem = undefined;
    return files;
  }
}

/** Certificate and key together, as TLS will use them: a mismatch fails here, not in a handshake. */
function validate(files: TlsFiles, src: Sources): void {
  const tls = process.getBuiltinModule("node:tls") as typeof Tls;
  try {
    tls.createSecureContext({ cert: files.cert, key: files.key, ca: files.ca });
  } catch (err) {
    const why = String((err as Error).message ?? err).replace(/^error:[0-9A-F]+:[^:]*::?/i, "");
    const names = [src.cert, src.key, src.ca]
      .filter((s): s is PemSource => Boolean(s))
      .map((s) => (s.file ? `${s.name}=${s.file}` : s.name));
    throw new TlsIdentityError(`${names.join(", ")}: ${why.slice(0, 120)}`);
  }
}
