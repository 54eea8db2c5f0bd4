// A real OAuth2 token endpoint for tests (client credentials only): node:http on 127.0.0.1, JWTs
// signed with an ES256 key pair (jose), the public key served as a JWKS. It counts token requests,
// checks the client authentication the way it was told to, and can be made to fail or go down.
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, jwtVerify, createLocalJWKSet } from "jose";

export interface TokenServerOptions {
  clientId?: string;
  clientSecret?: string;
  /** Which client authentication is accepted. Default "client_secret_basic". */
  authMethod?: "client_secret_basic" | "client_secret_post";
  /** The JWT's `aud`. Default "governor-enforce". */
  audience?: string;
  /** Seconds; null: no expires_in in the answer. Default 3600. */
  expiresIn?: number | null;
}

export interface TokenRequest {
  /** The form body, as parsed. */
  params: Record<string, string>;
  authorization: string | undefined;
}

export interface TokenServer {
  url: string;
  tokenUrl: string;
  jwksUrl: string;
  issuer: string;
  audience: string;
  /** Token requests received (answered or not). */
  requests: TokenRequest[];
  /** Tokens issued, in order. */
  issued: string[];
  /** Change expires_in for the next answers (null: leave it out). */
  expiresIn: number | null;
  /** While set, every token request gets this status and an OAuth error body. */
  failWith: number | undefined;
  /** The next this many tokens are already expired inside (their JWT `exp` is past) while
   *  expires_in promises an hour: stale tokens, which a resource server refuses with a 401. */
  staleNext: number;
  /** A careless server: its error answers quote the credentials it was sent (for redaction tests). */
  echo: boolean;
  /** Held until this promise resolves (a slow endpoint; the test decides when it answers). */
  hold: Promise<void> | undefined;
  /** Verify a bearer token as a resource server would (signature, issuer, audience, expiry). */
  verify(token: string): Promise<boolean>;
  /** Stop listening and drop every connection (the endpoint is down). */
  down(): Promise<void>;
  /** Listen again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

function parseBasic(header: string | undefined): { id: string; secret: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header ?? "");
  if (!m) return undefined;
  const text = Buffer.from(m[1], "base64").toString("utf8");
  const colon = text.indexOf(":");
  if (colon < 0) return undefined;
  // RFC 6749 §2.3.1: both parts are form-urlencoded inside the Basic credentials.
  const dec = (s: string) => decodeURIComponent(s.replace(/\+/g, " "));
  return { id: dec(text.slice(0, colon)), secret: dec(text.slice(colon + 1)) };
}

export async function startTokenServer(opts: TokenServerOptions = {}): Promise<TokenServer> {
  const clientId = opts.clientId ?? "agent-client";
  const clientSecret = opts.clientSecret ?? "s3cr3t-client-secret-value";
  const method = opts.authMethod ?? "client_secret_basic";
  const audience = opts.audience ?? "governor-enforce";
  const { publicKey, privateKey } = await generateKeyPair("ES256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "test-key", alg: "ES256", use: "sig" };
  const jwks = { keys: [jwk] };
  const localJwks = createLocalJWKSet(jwks);
  const sockets = new Set<Socket>();
  let port = 0;

  const send = (res: http.ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(text),
      "cache-control": "no-store",
    });
    res.end(text);
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse, raw: string) => {
    if (req.method === "GET" && req.url === "/jwks.json") return send(res, 200, jwks);
    if (req.method !== "POST" || req.url !== "/token")
      return send(res, 404, { error: "not_found" });
    const params = Object.fromEntries(new URLSearchParams(raw));
    state.requests.push({ params, authorization: req.headers.authorization });
    if (state.hold) await state.hold;
    if (state.failWith !== undefined)
      return send(res, state.failWith, { error: "temporarily_unavailable" });
    if (params.grant_type !== "client_credentials")
      return send(res, 400, { error: "unsupported_grant_type" });
    const basic = parseBasic(req.headers.authorization);
    const given =
      method === "client_secret_basic"
        ? basic
        : params.client_secret !== undefined
          ? { id: params.client_id, secret: params.client_secret }
          : undefined;
    // The other method's credentials, or none, or wrong ones: invalid_client.
    const otherUsed = method === "client_secret_basic" ? "client_secret" in params : basic;
    if (!given || otherUsed || given.id !== clientId || given.secret !== clientSecret)
      return send(res, 401, {
        error: "invalid_client",
        ...(state.echo && {
          error_description: `unknown client: ${req.headers.authorization} ${raw}`,
        }),
      });
    const now = Math.floor(Date.now() / 1000);
    let life = state.expiresIn ?? 3600;
    if (state.staleNext > 0) {
      state.staleNext--;
      life = -60;
    }
    const token = await new SignJWT({ scope: params.scope ?? "" })
      .setProtectedHeader({ alg: "ES256", kid: "test-key", typ: "at+jwt" })
      .setIssuer(state.issuer)
      .setAudience(params.audience ?? audience)
      .setSubject(clientId)
      .setIssuedAt(now)
      .setExpirationTime(now + life)
      .setJti(`t${state.issued.length + 1}`)
      .sign(privateKey);
    state.issued.push(token);
    const body: Record<string, unknown> = { access_token: token, token_type: "Bearer" };
    if (state.expiresIn !== null) body.expires_in = state.expiresIn;
    send(res, 200, body);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      handle(req, res, Buffer.concat(chunks).toString("utf8")).catch(() => {
        if (!res.headersSent) send(res, 500, { error: "server_error" });
      });
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        port = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      if (!server.listening) return resolve();
      server.close(() => resolve());
    });

  await listen();
  const url = `http://127.0.0.1:${port}`;
  const state: TokenServer = {
    url,
    tokenUrl: `${url}/token`,
    jwksUrl: `${url}/jwks.json`,
    issuer: url,
    audience,
    requests: [],
    issued: [],
    expiresIn: opts.expiresIn === undefined ? 3600 : opts.expiresIn,
    failWith: undefined,
    echo: false,
    staleNext: 0,
    hold: undefined,
    async verify(token) {
      try {
        await jwtVerify(token, localJwks, { issuer: url, audience });
        return true;
      } catch {
        return false;
      }
    },
    down: stop,
    up: listen,
    close: stop,
  };
  return state;
}
