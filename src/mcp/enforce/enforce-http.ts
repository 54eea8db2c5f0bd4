// Plain requests to the enforce server beside the runtime's checks: the policy summary and
// /api/v2/canonicalize. Same base URL and bearer key as the checks; never a decision. Like the
// runtime's client: a body over 1 MiB is no answer, and what comes back is scrubbed of every key
// this server holds before it can reach an agent.
import { makeRedactor, safeUrl } from "../../runtime/redact.js";
import { scrubJson } from "./scrub.js";

export interface EnforceAnswer {
  status: number;
  body: unknown;
  /** The URL asked, as shown to people. */
  url: string;
}

export interface EnforceHttp {
  get(path: string): Promise<EnforceAnswer>;
  post(path: string, body: unknown): Promise<EnforceAnswer>;
}

const TIMEOUT_MS = 5000;
const MAX_BODY = 1 << 20;

/** The body as text, or an error past MAX_BODY: a server that streams forever must not fill memory. */
async function capped(res: Response): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY) {
      await reader.cancel().catch(() => undefined);
      throw new Error(`answer over ${MAX_BODY} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export function enforceHttp(
  base: string,
  apiKey: string | undefined,
  secrets: (string | undefined)[] = [apiKey],
  headers: Record<string, string> = {},
): EnforceHttp {
  const root = base.replace(/\/+$/, "");
  const scrub = makeRedactor(secrets);
  async function ask(path: string, init: RequestInit): Promise<EnforceAnswer> {
    const url = root + path;
    const res = await fetch(url, {
      ...init,
      headers: {
        ...headers,
        accept: "application/json",
        ...(init.body !== undefined && { "content-type": "application/json" }),
        ...(apiKey && { authorization: `Bearer ${apiKey}` }),
      },
      signal: AbortSignal.timeout(TIMEOUT_MS),
      redirect: "error",
    });
    const text = await capped(res);
    let body: unknown;
    try {
      body = scrubJson(JSON.parse(text), scrub);
    } catch {
      body = undefined;
    }
    return { status: res.status, body, url: safeUrl(url) };
  }
  return {
    get: (path) => ask(path, { method: "GET" }),
    post: (path, body) => ask(path, { method: "POST", body: JSON.stringify(body) }),
  };
}
