// A temporary stand-in for JwtVerifier until it lands on main; tests only.
import { createRemoteJWKSet, jwtVerify } from "jose";
import { type AccessToken, InvalidTokenError } from "../../mod.ts";

export class StandInJwtVerifier {
  #jwks: ReturnType<typeof createRemoteJWKSet>;
  #options: { issuer: string; audience: string; typ: string };

  constructor(
    options: {
      jwksUri: string | URL;
      issuer: string;
      audience: string;
      typ: string;
    },
  ) {
    this.#jwks = createRemoteJWKSet(new URL(options.jwksUri));
    this.#options = options;
  }

  async verifyToken(token: string): Promise<AccessToken> {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, this.#jwks, {
        ...this.#options,
        algorithms: ["RS256", "ES256"],
      }));
    } catch (error) {
      throw new InvalidTokenError("Invalid token", { cause: error });
    }
    const result: AccessToken = {
      token,
      clientId: String(payload.client_id ?? payload.sub ?? "unknown"),
      scopes: typeof payload.scope === "string"
        ? payload.scope.split(" ").filter(Boolean)
        : [],
      claims: payload as Record<string, unknown>,
      resource: new URL(this.#options.audience),
    };
    if (payload.exp !== undefined) result.expiresAt = payload.exp;
    return result;
  }
}
