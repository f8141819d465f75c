// The JWT verification benchmark cases, runtime-neutral: `jwt_bench.ts`
// registers them with `deno bench`; `jwt_bench_portable.ts` times them by
// hand on runtimes without `Deno.bench` (Bun, Node).
import {
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  SignJWT,
} from "jose";
import { bearerAuth, JwtVerifier } from "../mod.ts";

/** Distinct tokens per algorithm: more than the cache holds, so none hits. */
export const TOKENS = 4096;
const ISSUER = "https://auth.example.com/";
const AUDIENCE = "https://mcp.example.com/mcp";

/** A measured operation; `group` cases compare against its `baseline`. */
export interface BenchCase {
  name: string;
  group: string;
  baseline?: boolean;
  fn: () => Promise<unknown>;
}

interface Signed {
  jwt: string;
  data: Uint8Array<ArrayBuffer>;
  signature: Uint8Array<ArrayBuffer>;
}

function fromB64url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

async function signed(alg: string, count: number): Promise<{
  tokens: Signed[];
  publicKey: CryptoKey;
  jwk: JsonWebKey;
}> {
  const { privateKey, publicKey } = await generateKeyPair(alg, {
    extractable: true,
  });
  const jwk = { ...(await exportJWK(publicKey)), kid: "bench" };
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const tokens: Signed[] = [];
  for (let i = 0; i < count; i++) {
    const jwt = await new SignJWT({
      scope: "files:read",
      client_id: "bench",
      n: i,
    })
      .setProtectedHeader({ alg, kid: "bench", typ: "at+jwt" })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime(exp)
      .sign(privateKey);
    const dot = jwt.lastIndexOf(".");
    tokens.push({
      jwt,
      data: new TextEncoder().encode(jwt.slice(0, dot)),
      signature: fromB64url(jwt.slice(dot + 1)),
    });
  }
  // The baseline verifies with the key imported exactly as the verifier
  // imports it (WebCrypto speed can differ between key objects).
  return { tokens, publicKey: await importJWK(jwk, alg) as CryptoKey, jwk };
}

const SUBTLE: Record<string, EcdsaParams | Algorithm> = {
  ES256: { name: "ECDSA", hash: "SHA-256" } as EcdsaParams,
  EdDSA: { name: "Ed25519" },
};

/** Builds every case; tokens are signed here, outside the measured loop. */
export async function jwtBenchCases(): Promise<BenchCase[]> {
  const cases: BenchCase[] = [];
  for (const alg of ["ES256", "EdDSA"]) {
    const { tokens, publicKey, jwk } = await signed(alg, TOKENS);
    const verifier = new JwtVerifier({
      jwks: { keys: [jwk] },
      issuer: ISSUER,
      audience: AUDIENCE,
      typ: "at+jwt",
    });
    // Fail loudly rather than benchmark a rejection.
    await verifier.verifyToken(tokens[0]!.jwt);
    let raw = 0;
    let verified = 0;
    cases.push({
      name: `raw crypto.subtle.verify ${alg}`,
      group: `${alg} new token`,
      baseline: true,
      fn: async () => {
        const token = tokens[raw++ % TOKENS]!;
        if (
          !await crypto.subtle.verify(
            SUBTLE[alg]!,
            publicKey,
            token.signature,
            token.data,
          )
        ) {
          throw new Error("bad signature");
        }
      },
    });
    cases.push({
      name: `JwtVerifier.verifyToken ${alg}`,
      group: `${alg} new token`,
      fn: () => verifier.verifyToken(tokens[verified++ % TOKENS]!.jwt),
    });
    // For reference: jose alone, with the same checks, is the floor for
    // anything built on it.
    let direct = 0;
    const joseOptions = {
      issuer: ISSUER,
      audience: AUDIENCE,
      typ: "at+jwt",
      algorithms: [alg],
      requiredClaims: ["exp"],
    };
    cases.push({
      name: `jose jwtVerify ${alg} (reference)`,
      group: `${alg} new token`,
      fn: () =>
        jwtVerify(tokens[direct++ % TOKENS]!.jwt, publicKey, joseOptions),
    });
    // The whole request path: Bearer extraction, verification, scope check.
    const auth = bearerAuth({
      verifier: new JwtVerifier({
        jwks: { keys: [jwk] },
        issuer: ISSUER,
        audience: AUDIENCE,
        typ: "at+jwt",
      }),
      requiredScopes: ["files:read"],
      resourceMetadataUrl:
        "https://mcp.example.com/.well-known/oauth-protected-resource/mcp",
    });
    const requests = tokens.map(({ jwt }) =>
      new Request(AUDIENCE, { headers: { authorization: `Bearer ${jwt}` } })
    );
    if ((await auth(requests[0]!)) instanceof Response) {
      throw new Error("denied");
    }
    let viaBearer = 0;
    cases.push({
      name: `bearerAuth + JwtVerifier ${alg}`,
      group: `${alg} new token`,
      fn: async () => {
        if ((await auth(requests[viaBearer++ % TOKENS]!)) instanceof Response) {
          throw new Error("denied");
        }
      },
    });
    if (alg === "ES256") {
      const cached = new JwtVerifier({
        jwks: { keys: [jwk] },
        issuer: ISSUER,
        audience: AUDIENCE,
      });
      const uncached = new JwtVerifier({
        jwks: { keys: [jwk] },
        issuer: ISSUER,
        audience: AUDIENCE,
        cache: false,
      });
      const jwt = tokens[0]!.jwt;
      cases.push({
        name: "repeated ES256 token, cache off",
        group: "ES256 repeated token",
        baseline: true,
        fn: () => uncached.verifyToken(jwt),
      });
      cases.push({
        name: "repeated ES256 token, cache on",
        group: "ES256 repeated token",
        fn: () => cached.verifyToken(jwt),
      });
    }
  }
  return cases;
}
