// An MCP endpoint guarded by a Bearer token, with its RFC 9728 metadata.
// Run: deno run --allow-net examples/edge_function.ts
import {
  bearerAuth,
  protectedResourceMetadata,
  protectedResourceMetadataUrl,
  StaticTokenVerifier,
} from "@mcp-authz/core";

const resource = "http://127.0.0.1:8000/mcp"; // your server's public URL
const metadataUrl = protectedResourceMetadataUrl(resource);
const metadata = protectedResourceMetadata({
  resource,
  authorizationServers: ["https://auth.example.com"],
  scopesSupported: ["mcp"],
});
const auth = bearerAuth({
  // Development only: swap in a JwtVerifier for real tokens.
  verifier: new StaticTokenVerifier({
    tokens: { "dev-token": { clientId: "dev", scopes: ["mcp"], resource } },
  }),
  requiredScopes: ["mcp"],
  resource, // challenges point at metadataUrl; tokens must be for resource
});

export async function handler(request: Request): Promise<Response> {
  const { pathname } = new URL(request.url);
  if (pathname === metadataUrl.pathname) return metadata(request);
  const token = await auth(request); // AccessToken, or the 400/401/403/503
  if (token instanceof Response) return token;
  return Response.json({ hello: token?.clientId });
}

if (import.meta.main) {
  Deno.serve({ hostname: "127.0.0.1", port: 8000 }, handler);
}
