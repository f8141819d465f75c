// An MCP endpoint that accepts only DPoP-bound tokens (RFC 9449): a stolen
// token is useless without the client's private key.
// Run: deno run --allow-net examples/dpop_edge_function.ts
import {
  dpopKeyThumbprint,
  dpopScheme,
  JwtVerifier,
  protectedResourceMetadata,
  protectedResourceMetadataUrl,
  withBearerAuth,
} from "@mcp-authz/core";

const resource = "http://127.0.0.1:8000/mcp"; // your server's public URL
const metadataUrl = protectedResourceMetadataUrl(resource);
const metadata = protectedResourceMetadata({
  resource,
  authorizationServers: ["https://auth.example.com"],
  scopesSupported: ["mcp"],
  dpopBoundAccessTokensRequired: true, // RFC 9728 §2
  dpopSigningAlgValuesSupported: ["ES256", "EdDSA"],
});

const mcp = withBearerAuth((_request, token) => {
  // Reached only with a valid token AND a fresh proof made with its key.
  return Response.json({
    client: token?.clientId,
    key: token && dpopKeyThumbprint(token),
  });
}, {
  verifier: new JwtVerifier({
    jwksUri: "https://auth.example.com/.well-known/jwks.json",
    issuer: "https://auth.example.com",
    audience: resource,
  }),
  requiredScopes: ["mcp"],
  resource, // the metadata URL of every challenge, and the audience checked
  dpop: dpopScheme({
    required: true, // plain Bearer tokens are refused
    algorithms: ["ES256", "EdDSA"],
    // Behind a proxy that rewrites request.url, name the URL clients use:
    requestUrl: (request) => new URL(new URL(request.url).pathname, resource),
  }),
});

export function handler(request: Request): Promise<Response> | Response {
  const { pathname } = new URL(request.url);
  if (pathname === metadataUrl.pathname) return metadata(request);
  return mcp(request);
}

if (import.meta.main) {
  Deno.serve({ hostname: "127.0.0.1", port: 8000 }, handler);
}
