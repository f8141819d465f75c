/**
 * Cloudflare Workers bindings of `@mcp-authz/core`: the token a request
 * carries when `@cloudflare/workers-oauth-provider` fronts the Worker,
 * mapped to the `AccessToken` that checks, `Authorizer` and the MCP guards
 * read. Pass it to an MCP handler as `authInfo` (`agents/mcp/server`'s
 * `createMcpHandler(...).fetch(request, { authInfo })`). When the Worker
 * verifies tokens itself, `withBearerAuth` and `JwtVerifier` from the root
 * entry point need nothing from here.
 *
 * @example Usage
 * ```ts
 * import { Authorizer, requireScopes } from "@mcp-authz/core";
 * import { withOAuthProviderAuth } from "@mcp-authz/core/workers";
 * import assert from "node:assert/strict";
 *
 * const authorizer = new Authorizer({ layers: [requireScopes("read")] });
 * const apiHandler = withOAuthProviderAuth(async (_request, token) => {
 *   await authorizer.authorize(token, { kind: "tool", name: "list_notes" });
 *   return Response.json({ user: token.claims.sub });
 * }, {
 *   resourceMetadataUrl: "https://mcp.example.com/.well-known/oauth-protected-resource/mcp",
 * });
 * // What the provider hands the apiHandler for a valid token:
 * const ctx = {
 *   props: { name: "Ann" },
 *   auth: { token: "t", audience: "https://mcp.example.com/mcp", scope: ["read"], userId: "ann" },
 * };
 * const response = await apiHandler.fetch(new Request("https://mcp.example.com/mcp"), {}, ctx);
 * assert.deepEqual(await response.json(), { user: "ann" });
 * ```
 *
 * @module
 */

export type {
  OAuthProviderApiHandler,
  OAuthProviderAuthOptions,
  OAuthProviderContext,
  OAuthProviderHandler,
} from "./workers.ts";
export {
  accessTokenFromOAuthProvider,
  withOAuthProviderAuth,
} from "./workers.ts";
