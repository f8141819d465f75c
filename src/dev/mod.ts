/**
 * A development OAuth authorization server to embed next to an MCP server,
 * so that real MCP clients can log in during local runs and tests with no
 * identity provider to set up. For development only: it approves everyone.
 *
 * ```ts
 * import { createDevAuthorizationServer } from "@mcp-authz/core/dev";
 * import { JwtVerifier } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const resource = "http://127.0.0.1:8000/mcp";
 * const dev = await createDevAuthorizationServer({
 *   issuer: "http://127.0.0.1:8000/oauth",
 *   resource,
 *   scopesSupported: ["read", "write"],
 *   warn: false,
 * });
 * // In your fetch handler: `return await dev.handle(request) ?? app(request);`
 * // and list dev.issuer in your protected-resource metadata.
 * const verifier = new JwtVerifier({
 *   jwks: dev.jwks,
 *   issuer: dev.issuer,
 *   audience: resource,
 *   typ: "at+jwt",
 * });
 * const token = await verifier.verifyToken(
 *   await dev.mintAccessToken({ scopes: ["read"] }),
 * );
 * assert.deepEqual(token.scopes, ["read"]);
 * ```
 *
 * @module
 */

export type {
  DevAuthorizationServer,
  DevAuthorizationServerOptions,
  MintAccessTokenOptions,
} from "./server.ts";
export { createDevAuthorizationServer } from "./server.ts";
