/**
 * A development token issuer, embedded in the demo so that it runs with no
 * identity provider: an ES256 key pair generated at start, its public half
 * served as a JWKS, and RFC 9068 `at+jwt` access tokens for any scope you
 * ask for. Never use it in production: anyone who can reach it gets a token.
 *
 * @module
 */

import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";

/** What the demo needs from its development issuer. */
export interface DevIssuer {
  /** The `iss` of every token. */
  readonly issuer: string;
  /** `GET` handler for the JWKS. */
  jwks(): Response;
  /** `GET /dev/token?scope=a%20b` handler: `{"access_token": "..."}`. */
  token(request: Request): Promise<Response>;
}

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
const TOKEN_TTL_SECONDS = 3600;

/**
 * Creates a development issuer with a fresh key pair.
 *
 * @param options `issuer`: the `iss` claim; `audience`: the `aud` claim,
 * this server's MCP URL (RFC 8707 resource).
 * @returns The JWKS and token handlers.
 */
export async function createDevIssuer(
  options: { issuer: string; audience: string },
): Promise<DevIssuer> {
  const { privateKey, publicKey } = await generateKeyPair("ES256");
  const kid = crypto.randomUUID();
  const jwk: JWK = {
    ...await exportJWK(publicKey),
    kid,
    alg: "ES256",
    use: "sig",
  };
  const keys = { keys: [jwk] };
  return {
    issuer: options.issuer,
    jwks: () =>
      Response.json(keys, { headers: { "Cache-Control": "max-age=300" } }),
    async token(request) {
      const requested = new URL(request.url).searchParams.get("scope") ?? "";
      const scopes = requested.split(" ").filter((s) => s !== "");
      if (!scopes.every((scope) => SCOPE_TOKEN.test(scope))) {
        return Response.json({
          error: "invalid_scope",
          error_description: "Scopes are space-separated RFC 6749 scope tokens",
        }, { status: 400 });
      }
      const accessToken = await new SignJWT({
        scope: scopes.join(" "),
        client_id: "demo-client",
      })
        .setProtectedHeader({ alg: "ES256", typ: "at+jwt", kid })
        .setIssuer(options.issuer)
        .setAudience(options.audience)
        .setSubject("demo-user")
        .setIssuedAt()
        .setExpirationTime(`${TOKEN_TTL_SECONDS}s`)
        .setJti(crypto.randomUUID())
        .sign(privateKey);
      return Response.json({
        access_token: accessToken,
        token_type: "Bearer",
        expires_in: TOKEN_TTL_SECONDS,
        scope: scopes.join(" "),
      }, { headers: { "Cache-Control": "no-store" } });
    },
  };
}
