// Shared fixtures for the verifier tests: keys, token signing (through jose
// and by hand, to craft hostile tokens), a frozen clock, and a JWKS server
// on 127.0.0.1.
import {
  createServer,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import {
  exportJWK,
  exportSPKI,
  generateKeyPair,
  type JWK,
  SignJWT,
} from "jose";

/** Frozen time: 2030-03-17T17:46:40Z, in ms. */
export const NOW_MS = 1_900_000_000_000;
/** Frozen time in seconds. */
export const NOW = NOW_MS / 1000;
export const ISSUER = "https://auth.example.com/";
export const AUDIENCE = "https://mcp.example.com/mcp";

/** A clock tests move by hand. */
export function frozenClock(start = NOW_MS): { now: () => number; ms: number } {
  const clock = { ms: start, now: () => clock.ms };
  return clock;
}

export interface TestKey {
  alg: string;
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: JWK;
  pem: string;
}

/** A fresh extractable key pair with its public JWK (kid set) and SPKI PEM. */
export async function testKey(alg = "ES256", kid = "k1"): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, {
    extractable: true,
  });
  const jwk = { ...(await exportJWK(publicKey)), kid, use: "sig" };
  return {
    alg,
    kid,
    privateKey,
    publicKey,
    jwk,
    pem: await exportSPKI(publicKey),
  };
}

/** Valid claims for this test suite, overridable. */
export function claims(
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: "user-1",
    exp: NOW + 300,
    iat: NOW - 10,
    scope: "files:read",
    ...extra,
  };
}

/**
 * Signs with jose: the well-formed path, an RFC 9068 access token (`typ`
 * `at+jwt` unless `header` says otherwise).
 */
export function sign(
  key: TestKey,
  payload: Record<string, unknown> = claims(),
  header: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT(payload)
    .setProtectedHeader({
      alg: key.alg,
      kid: key.kid,
      typ: "at+jwt",
      ...header,
    })
    .sign(key.privateKey);
}

export function b64url(input: string | Uint8Array): string {
  const bytes = typeof input === "string"
    ? new TextEncoder().encode(input)
    : input;
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(
    /=+$/,
    "",
  );
}

const SUBTLE: Record<string, AlgorithmIdentifier | EcdsaParams> = {
  ES256: { name: "ECDSA", hash: "SHA-256" } as EcdsaParams,
  EdDSA: { name: "Ed25519" },
  RS256: { name: "RSASSA-PKCS1-v1_5" },
  HS256: { name: "HMAC" },
};

/**
 * Signs by hand, bypassing every jose check: any header or payload text,
 * any algorithm name.
 */
export async function signRaw(
  header: Record<string, unknown> | string,
  payload: Record<string, unknown> | string,
  key: CryptoKey,
  subtleAlg: keyof typeof SUBTLE,
): Promise<string> {
  const h = b64url(
    typeof header === "string" ? header : JSON.stringify(header),
  );
  const p = b64url(
    typeof payload === "string" ? payload : JSON.stringify(payload),
  );
  const signature = await crypto.subtle.sign(
    SUBTLE[subtleAlg]!,
    key,
    new TextEncoder().encode(`${h}.${p}`),
  );
  return `${h}.${p}.${b64url(new Uint8Array(signature))}`;
}

export interface TestServer {
  url: string;
  requests: number;
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1, port 0; `handler` answers each request. */
export async function serve(
  handler: (req: IncomingMessage, res: ServerResponse, n: number) => void,
): Promise<TestServer> {
  const state = { requests: 0 };
  const server = createServer((req, res) => {
    state.requests++;
    handler(req, res, state.requests);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/jwks-${crypto.randomUUID()}.json`,
    get requests() {
      return state.requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Answers with a JSON body. */
export function json(res: ServerResponse, body: unknown, status = 200): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(typeof body === "string" ? body : JSON.stringify(body));
}
