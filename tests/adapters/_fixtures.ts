// Shared by the framework adapters' tests: a verifier with a reader, a
// writer, a DPoP-bound token and one whose check is unavailable; the
// requests bearerAuth refuses; DPoP proofs; JSON-RPC bodies.
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  type JWK,
  SignJWT,
} from "jose";
import {
  type AccessToken,
  accessTokenHash,
  StaticTokenVerifier,
  type TokenVerifier,
  VerifierUnavailableError,
} from "../../mod.ts";

export const MCP_URL = "https://mcp.example.com/mcp";
export const METADATA_URL =
  "https://mcp.example.com/.well-known/oauth-protected-resource/mcp";
export const ACCEPT = "application/json, text/event-stream";

export interface DpopKey {
  privateKey: CryptoKey;
  jwk: JWK;
  jkt: string;
}

export async function dpopKey(): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair("ES256");
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwk, jkt: await calculateJwkThumbprint(jwk) };
}

/** A DPoP proof of `key` for `POST <url>` with `token`. */
export async function proof(
  key: DpopKey,
  token: string,
  url = MCP_URL,
): Promise<string> {
  return await new SignJWT({
    htm: "POST",
    htu: url,
    ath: await accessTokenHash(token),
  })
    .setProtectedHeader({ typ: "dpop+jwt", alg: "ES256", jwk: key.jwk })
    .setJti(crypto.randomUUID())
    .setIssuedAt()
    .sign(key.privateKey);
}

/**
 * `reader-token` (read), `writer-token` (read write), `other-token`
 * (other), `bound-reader` (read, bound to `jkt`), and `down-token`, whose verification is
 * unavailable (a 503).
 */
export function verifier(jkt = "unused"): TokenVerifier {
  const tokens = new StaticTokenVerifier({
    tokens: {
      "reader-token": { clientId: "reader", scopes: ["read"] },
      "writer-token": { clientId: "writer", scopes: ["read", "write"] },
      "other-token": { clientId: "other", scopes: ["other"] },
      "bound-reader": {
        clientId: "bound",
        scopes: ["read"],
        claims: { cnf: { jkt } },
      },
    },
  });
  return {
    verifyToken(token: string): Promise<AccessToken> {
      if (token === "down-token") {
        return Promise.reject(
          new VerifierUnavailableError("JWKS unreachable", { retryAfter: 7 }),
        );
      }
      return tokens.verifyToken(token);
    },
  };
}

/** Requests bearerAuth refuses, by what they show (requiredScopes: read). */
export const REFUSED: readonly {
  name: string;
  init: RequestInit;
  url?: string;
}[] = [
  { name: "no Authorization header", init: {} },
  {
    name: "another scheme",
    init: { headers: { authorization: "Basic eA==" } },
  },
  { name: "Bearer alone", init: { headers: { authorization: "Bearer" } } },
  { name: "two tokens", init: { headers: { authorization: "Bearer a b" } } },
  {
    name: "a query token",
    init: {},
    url: `${MCP_URL}?access_token=reader-token`,
  },
  {
    name: "an unknown token",
    init: { headers: { authorization: "Bearer x" } },
  },
  {
    name: "a token without the required scope",
    init: { headers: { authorization: "Bearer other-token" } },
  },
  {
    name: "a token whose check is unavailable",
    init: { headers: { authorization: "Bearer down-token" } },
  },
];

/** Status, headers and body of a response, to compare two of them. */
export async function snapshot(response: Response): Promise<{
  status: number;
  headers: [string, string][];
  body: string;
}> {
  return {
    status: response.status,
    headers: [...response.headers].filter(([name]) => name !== "date"),
    body: await response.text(),
  };
}

export function rpc(
  method: string,
  params: Record<string, unknown> = {},
  id = 1,
): string {
  return JSON.stringify({ jsonrpc: "2.0", id, method, params });
}

/** A POST of a JSON-RPC body to the MCP URL. */
export function mcpRequest(
  body: string,
  headers: Record<string, string> = {},
): Request {
  return new Request(MCP_URL, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: ACCEPT,
      ...headers,
    },
    body,
  });
}
