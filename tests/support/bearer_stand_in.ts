// A temporary stand-in for bearerAuth + StaticTokenVerifier until they land
// on main; tests only.
import type { AccessToken } from "../../mod.ts";

export function standInBearerGate(
  tokens: Record<string, AccessToken>,
  resourceMetadataUrl: string,
): (request: Request) => Promise<AccessToken | Response> {
  return (request) => {
    const header = request.headers.get("authorization") ?? "";
    const match = header.match(/^Bearer ([A-Za-z0-9._~+/-]+=*)$/i);
    if (match === null) {
      return Promise.resolve(
        new Response(null, {
          status: 401,
          headers: {
            "WWW-Authenticate":
              `Bearer resource_metadata="${resourceMetadataUrl}"`,
          },
        }),
      );
    }
    const token = Object.hasOwn(tokens, match[1]!)
      ? tokens[match[1]!]
      : undefined;
    if (token === undefined) {
      return Promise.resolve(
        new Response(null, {
          status: 401,
          headers: {
            "WWW-Authenticate":
              `Bearer error="invalid_token", resource_metadata="${resourceMetadataUrl}"`,
          },
        }),
      );
    }
    return Promise.resolve(token);
  };
}
