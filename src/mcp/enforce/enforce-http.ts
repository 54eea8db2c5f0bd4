// Plain requests to the enforce server beside the runtime's checks: the policy summary and
// /api/v2/canonicalize. Same base URL and bearer key as the checks; never a decision.
import { safeUrl } from "../../runtime/redact.js";

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

export function enforceHttp(base: string, apiKey: string | undefined): EnforceHttp {
  const root = base.replace(/\/+$/, "");
  async function ask(path: string, init: RequestInit): Promise<EnforceAnswer> {
    const url = root + path;
    const res = await fetch(url, {
      ...init,
      headers: {
        accept: "application/json",
        ...(init.body !== undefined && { "content-type": "application/json" }),
        ...(apiKey && { authorization: `Bearer ${apiKey}` }),
      },
      signal: AbortSignal.timeout(TIMEOUT_MS),
      redirect: "error",
    });
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
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
