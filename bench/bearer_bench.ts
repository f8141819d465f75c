/**
 * Cost of the Bearer wrapper itself, with a verifier that does no work:
 * this library's `bearerAuth` against hand-written extraction (the floor)
 * and against the MCP TypeScript SDK v2's Web-standard `requireBearerAuth`
 * (`@modelcontextprotocol/server`), in the same run.
 *
 * A second set of groups puts `bearerAuth` in front of a real `JwtVerifier`
 * (cache off, a new token every call) against a raw WebCrypto signature
 * check of the same tokens: the whole path a request pays.
 *
 * Deno: `deno bench -A bench/bearer_bench.ts`
 * Bun (no Deno.bench there, so a small timing loop prints the same ratios):
 * `npx --yes bun@1.4.5 bench/bearer_bench.ts`
 * Deno with that same loop: `deno run -A bench/bearer_bench.ts --loop`
 */
import {
  type AccessToken,
  bearerAuth,
  InvalidTokenError,
  JwtVerifier,
} from "../mod.ts";
import { exportJWK, generateKeyPair, importJWK, SignJWT } from "jose";
import {
  OAuthError,
  OAuthErrorCode,
  requireBearerAuth,
} from "@modelcontextprotocol/server";

const RAW = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJlLWJ5dGVz";
const METADATA =
  "https://mcp.example.com/.well-known/oauth-protected-resource/mcp";
const TOKEN: AccessToken = {
  token: RAW,
  clientId: "client",
  scopes: ["mcp"],
  expiresAt: 4_000_000_000,
  claims: { sub: "user" },
};

// Trivial verifiers: a resolved promise, nothing else.
const ours = bearerAuth({
  verifier: { verifyToken: () => Promise.resolve(TOKEN) },
  requiredScopes: ["mcp"],
  resourceMetadataUrl: METADATA,
});
const sdk = requireBearerAuth({
  verifier: { verifyAccessToken: () => Promise.resolve(TOKEN) },
  requiredScopes: ["mcp"],
  resourceMetadataUrl: METADATA,
});
const oursRejecting = bearerAuth({
  verifier: { verifyToken: () => Promise.reject(new InvalidTokenError()) },
  requiredScopes: ["mcp"],
  resourceMetadataUrl: METADATA,
});
// The same, every decision told to a listener that does nothing.
const listened = () => {};
const oursListening = bearerAuth({
  verifier: { verifyToken: () => Promise.resolve(TOKEN) },
  requiredScopes: ["mcp"],
  resourceMetadataUrl: METADATA,
  onDecision: listened,
});
const oursRejectingListening = bearerAuth({
  verifier: { verifyToken: () => Promise.reject(new InvalidTokenError()) },
  requiredScopes: ["mcp"],
  resourceMetadataUrl: METADATA,
  onDecision: listened,
});
const sdkRejecting = requireBearerAuth({
  verifier: {
    verifyAccessToken: () =>
      Promise.reject(
        new OAuthError(OAuthErrorCode.InvalidToken, "Invalid token"),
      ),
  },
  requiredScopes: ["mcp"],
  resourceMetadataUrl: METADATA,
});

/** The floor: what a careful hand-written handler does, and no more. */
async function handWritten(request: Request): Promise<AccessToken | Response> {
  const header = request.headers.get("authorization");
  if (header === null || !header.startsWith("Bearer ")) {
    return new Response(null, {
      status: 401,
      headers: { "www-authenticate": `Bearer resource_metadata="${METADATA}"` },
    });
  }
  try {
    return await Promise.resolve(TOKEN);
  } catch {
    return new Response(null, { status: 401 });
  }
}
async function handWrittenRejecting(request: Request): Promise<Response> {
  const header = request.headers.get("authorization");
  if (header === null || !header.startsWith("Bearer ")) {
    return new Response(null, { status: 401 });
  }
  try {
    await Promise.reject(new InvalidTokenError());
  } catch {
    // fall through
  }
  return new Response(
    JSON.stringify({
      error: "invalid_token",
      error_description: "Invalid token",
    }),
    {
      status: 401,
      headers: {
        "content-type": "application/json",
        "www-authenticate":
          `Bearer error="invalid_token", resource_metadata="${METADATA}"`,
      },
    },
  );
}

const withToken = new Request("https://mcp.example.com/mcp", {
  headers: { authorization: `Bearer ${RAW}` },
});
const withQuery = new Request("https://mcp.example.com/mcp?session=abc&x=1", {
  headers: { authorization: `Bearer ${RAW}` },
});
const withoutToken = new Request("https://mcp.example.com/mcp");

interface Case {
  group: string;
  name: string;
  baseline?: boolean;
  fn: () => Promise<unknown>;
  /** Iterations per timed batch in the loop harness (default 5,000). */
  batch?: number;
}

const cases: Case[] = [
  {
    group: "valid token",
    name: "hand-written extraction",
    baseline: true,
    fn: () => handWritten(withToken),
  },
  { group: "valid token", name: "bearerAuth", fn: () => ours(withToken) },
  {
    group: "valid token",
    name: "bearerAuth, onDecision",
    fn: () => oursListening(withToken),
  },
  {
    group: "valid token",
    name: "SDK requireBearerAuth",
    fn: () => sdk(withToken),
  },
  {
    group: "valid token, URL with a query",
    name: "hand-written extraction",
    baseline: true,
    fn: () => handWritten(withQuery),
  },
  {
    group: "valid token, URL with a query",
    name: "bearerAuth",
    fn: () => ours(withQuery),
  },
  {
    group: "valid token, URL with a query",
    name: "SDK requireBearerAuth",
    fn: () => sdk(withQuery),
  },
  {
    group: "no token (401)",
    name: "hand-written 401",
    baseline: true,
    fn: () => handWritten(withoutToken),
  },
  { group: "no token (401)", name: "bearerAuth", fn: () => ours(withoutToken) },
  {
    group: "no token (401)",
    name: "bearerAuth, onDecision",
    fn: () => oursListening(withoutToken),
  },
  {
    group: "no token (401)",
    name: "SDK requireBearerAuth",
    fn: () => sdk(withoutToken),
  },
  {
    group: "rejected token (401)",
    name: "hand-written 401",
    baseline: true,
    fn: () => handWrittenRejecting(withToken),
  },
  {
    group: "rejected token (401)",
    name: "bearerAuth",
    fn: () => oursRejecting(withToken),
  },
  {
    group: "rejected token (401)",
    name: "bearerAuth, onDecision",
    fn: () => oursRejectingListening(withToken),
  },
  {
    group: "rejected token (401)",
    name: "SDK requireBearerAuth",
    fn: () => sdkRejecting(withToken),
  },
];

const ISSUER = "https://auth.example.com/";
const AUDIENCE = "https://mcp.example.com/mcp";
const TOKENS = 1024;
const SUBTLE: Record<string, EcdsaParams | Algorithm> = {
  ES256: { name: "ECDSA", hash: "SHA-256" } as EcdsaParams,
  EdDSA: { name: "Ed25519" },
};

function fromB64url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

for (const alg of ["ES256", "EdDSA"]) {
  const { privateKey, publicKey } = await generateKeyPair(alg, {
    extractable: true,
  });
  const jwk = { ...(await exportJWK(publicKey)), kid: "bench" };
  // The baseline verifies with a key imported the way the verifier does it.
  const key = await importJWK(jwk, alg) as CryptoKey;
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const tokens: {
    request: Request;
    data: Uint8Array<ArrayBuffer>;
    signature: Uint8Array<ArrayBuffer>;
  }[] = [];
  for (let i = 0; i < TOKENS; i++) {
    const jwt = await new SignJWT({ scope: "mcp", client_id: "bench", n: i })
      .setProtectedHeader({ alg, kid: "bench", typ: "at+jwt" })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime(exp)
      .sign(privateKey);
    const dot = jwt.lastIndexOf(".");
    tokens.push({
      request: new Request(AUDIENCE, {
        headers: { authorization: `Bearer ${jwt}` },
      }),
      data: new TextEncoder().encode(jwt.slice(0, dot)),
      signature: fromB64url(jwt.slice(dot + 1)),
    });
  }
  const verifier = new JwtVerifier({
    jwks: { keys: [jwk] },
    issuer: ISSUER,
    audience: AUDIENCE,
    cache: false,
  });
  const auth = bearerAuth({
    verifier,
    requiredScopes: ["mcp"],
    resourceMetadataUrl: METADATA,
  });
  if ((await auth(tokens[0]!.request)) instanceof Response) {
    throw new Error(`the ${alg} bench token is refused`);
  }
  let a = 0;
  let b = 0;
  let c = 0;
  const group = `${alg}, a new token every request`;
  cases.push(
    {
      group,
      name: `raw crypto.subtle.verify`,
      baseline: true,
      batch: 500,
      fn: async () => {
        const token = tokens[a++ % TOKENS]!;
        if (
          !await crypto.subtle.verify(
            SUBTLE[alg]!,
            key,
            token.signature,
            token.data,
          )
        ) throw new Error("bad signature");
      },
    },
    {
      group,
      name: "JwtVerifier alone",
      batch: 500,
      fn: () =>
        verifier.verifyToken(
          tokens[b++ % TOKENS]!.request.headers.get("authorization")!.slice(7),
        ),
    },
    {
      group,
      name: "bearerAuth + JwtVerifier",
      batch: 500,
      fn: () => auth(tokens[c++ % TOKENS]!.request),
    },
  );
}

// Fail loudly if a case does not do what its name says.
async function sanity(): Promise<void> {
  const ok = await ours(withToken);
  const sdkOk = await sdk(withToken);
  const missing = await ours(withoutToken);
  const sdkMissing = await sdk(withoutToken);
  const rejected = await oursRejecting(withToken);
  const sdkRejected = await sdkRejecting(withToken);
  if (
    ok instanceof Response || sdkOk instanceof Response ||
    (missing as Response).status !== 401 ||
    (sdkMissing as Response).status !== 401 ||
    (rejected as Response).status !== 401 ||
    (sdkRejected as Response).status !== 401
  ) {
    throw new Error("a bench case does not do what it claims");
  }
}
await sanity();

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Interleaved rounds so that every case sees the same machine load. */
async function loop(): Promise<void> {
  const groups = [...new Set(cases.map((c) => c.group))];
  for (const group of groups) {
    const members = cases.filter((c) => c.group === group);
    const samples = new Map<Case, number[]>(members.map((c) => [c, []]));
    for (const c of members) {
      for (let i = 0; i < (c.batch ?? 5_000) * 4; i++) await c.fn();
    }
    for (let round = 0; round < 15; round++) {
      for (const c of members) {
        const n = c.batch ?? 5_000;
        const start = performance.now();
        for (let i = 0; i < n; i++) await c.fn();
        samples.get(c)!.push(((performance.now() - start) * 1e6) / n);
      }
    }
    const base = median(samples.get(members.find((c) => c.baseline)!)!);
    console.log(`\n${group}`);
    for (const c of members) {
      const ns = median(samples.get(c)!);
      console.log(
        `  ${c.name.padEnd(26)} ${ns.toFixed(0).padStart(7)} ns/iter  ${
          (ns / base).toFixed(2)
        }x baseline`,
      );
    }
  }
}

const deno = (globalThis as { Deno?: typeof Deno }).Deno;
if (deno !== undefined && !deno.args.includes("--loop")) {
  for (const c of cases) {
    deno.bench({
      name: c.name,
      group: c.group,
      baseline: c.baseline ?? false,
      async fn() {
        await c.fn();
      },
    });
  }
} else {
  await loop();
}
