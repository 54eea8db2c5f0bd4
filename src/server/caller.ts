// Who is asking `governor serve`: the bearer key or token of a request, and the subject of the
// client certificate its TLS connection presented.
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";

export const digest = (s: string) => createHash("sha256").update(s).digest();

/**
 * `Authorization: Bearer <key>`, the scheme in any case (RFC 9110). Keys are compared as SHA-256 digests,
 * so the comparison takes the same time whatever the length or the first wrong byte.
 */
export function keyMatches(expected: Buffer | undefined, header: string | undefined): boolean {
  if (!expected) return true;
  const token = bearer(header);
  return token !== undefined && timingSafeEqual(digest(token), expected);
}

/** The token of `Authorization: Bearer <token>`, or undefined when there is none. */
export function bearer(header: string | undefined): string | undefined {
  const m = header ? /^bearer[ \t]+(.*?)[ \t]*$/is.exec(header) : null;
  return m && m[1] !== "" ? m[1] : undefined;
}

// The client certificate's subject per TLS connection, read once: the log line says who asked.
const certSubjects = new WeakMap<object, string>();
export function certSubject(req: IncomingMessage): string | undefined {
  const socket = req.socket as Partial<TLSSocket>;
  if (!socket.authorized || !socket.getPeerCertificate) return undefined;
  let subject = certSubjects.get(socket);
  if (subject === undefined) {
    const s = socket.getPeerCertificate().subject ?? {};
    subject = Object.entries(s)
      .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join("+") : v}`)
      .join(",");
    certSubjects.set(socket, subject);
  }
  return subject;
}
