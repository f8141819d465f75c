/**
 * Vercel `mcp-handler` bindings of `@mcp-authz/core`: {@linkcode withMcpAuth}
 * takes the place of `mcp-handler`'s own `withMcpAuth` in a route. It
 * answers every refusal as `bearerAuth` does (400, 401, 403, 503 with
 * `Retry-After`, never a 500, nothing logged per bad token) and hands the
 * verified token to `mcp-handler` the way it reads it, as `request.auth`
 * with the `resourceMetadataUrl` the SDK's 403 step-up challenge names.
 *
 * `mcp-handler`'s own `withMcpAuth` cannot do this with a verifier of ours:
 * it logs every error that is not the SDK's `OAuthError` with its stack and
 * answers it 401, so an unreachable JWKS (`VerifierUnavailableError`, a 503
 * here) tells clients their token is bad; and the SDK's challenge renderer
 * it uses has no 503 at all. Nothing is imported from `mcp-handler`.
 *
 * @example Usage
 * ```ts
 * import { createMcpHandler } from "mcp-handler";
 * import { Authorizer, restrictTag, StaticTokenVerifier } from "@mcp-authz/core";
 * import { guardServer } from "@mcp-authz/core/mcp";
 * import { withMcpAuth } from "@mcp-authz/core/mcp-handler";
 * import assert from "node:assert/strict";
 *
 * const authorizer = new Authorizer({ layers: [restrictTag("admin", { scopes: ["admin"] })] });
 * const mcp = createMcpHandler((server) => {
 *   const guarded = guardServer(server, { authorizer });
 *   guarded.tool("list_notes", {}, () => ({ content: [] }));
 *   guarded.tool("purge", { tags: ["admin"] }, () => ({ content: [] }));
 * });
 * const handler = withMcpAuth(mcp, {
 *   verifier: new StaticTokenVerifier({
 *     tokens: { "reader-token": { clientId: "app", scopes: ["read"] } },
 *   }),
 *   resourceMetadataUrl: "https://mcp.example.com/.well-known/oauth-protected-resource/mcp",
 * });
 * const call = (token: string, body: object) =>
 *   handler(new Request("https://mcp.example.com/mcp", {
 *     method: "POST",
 *     headers: {
 *       authorization: `Bearer ${token}`,
 *       "content-type": "application/json",
 *       accept: "application/json, text/event-stream",
 *     },
 *     body: JSON.stringify({ jsonrpc: "2.0", id: 1, ...body }),
 *   }));
 *
 * const refused = await call("forged", { method: "tools/list" });
 * assert.equal(refused.status, 401);
 * const purge = await call("reader-token", {
 *   method: "tools/call",
 *   params: { name: "purge", arguments: {} },
 * });
 * await purge.body?.cancel();
 * assert.equal(purge.status, 403); // the step-up challenge, scope="admin"
 * assert.match(purge.headers.get("www-authenticate")!, /resource_metadata=/);
 * ```
 *
 * @module
 */

import { show } from "../_internal/options.ts";
import type { BearerAuthOptions } from "../http/bearer_auth.ts";
import { authenticated, type McpAuthInfo } from "./_auth_info.ts";

export type { McpAuthInfo };

/**
 * A route handler: what `mcp-handler`'s `createMcpHandler` returns, and
 * what {@linkcode withMcpAuth} returns (a Next.js route handler, or any
 * `fetch`-style server's).
 *
 * @example Usage
 * ```ts
 * import type { RouteHandler } from "@mcp-authz/core/mcp-handler";
 * import assert from "node:assert/strict";
 *
 * const handler: RouteHandler = () => new Response("ok");
 * assert.equal(await (await handler(new Request("https://mcp.example.com/"))).text(), "ok");
 * ```
 */
export type RouteHandler = (request: Request) => Response | Promise<Response>;

/** `request`, with `auth` set for `mcp-handler` to hand to the SDK. */
function withAuth(request: Request, auth: McpAuthInfo | undefined): Request {
  // Defined, not assigned: a setter or a read-only `auth` cannot keep an
  // older value in place.
  Object.defineProperty(request, "auth", {
    value: auth,
    configurable: true,
    enumerable: true,
    writable: true,
  });
  return request;
}

/**
 * Wraps an `mcp-handler` handler so that it runs only for an authenticated
 * request, with the verified token as `request.auth`: the field
 * `mcp-handler` passes to the MCP server as `authInfo`, so the guard of
 * `@mcp-authz/core/mcp` decides with it and the SDK's 403 step-up challenge
 * names `resourceMetadataUrl`. Every refusal is `withBearerAuth`'s (see
 * `bearerAuth`): no token 401, a malformed header 400, a bad token 401
 * `invalid_token`, a missing `requiredScopes` scope 403, a verifier that
 * cannot answer 503 with `Retry-After` (reported once to `onError`, by
 * default a one-line warning, never the token). With `dpop`, the SDK's
 * 403 is answered in the client's scheme.
 *
 * Use it where `mcp-handler`'s `withMcpAuth(handler, verifyToken, ...)`
 * would go: `export { handler as GET, handler as POST, handler as DELETE }`.
 * `request.auth` is always set, to `undefined` without a token
 * (`optional: true`): a value set before this wrapper never reaches the
 * SDK.
 *
 * @param handler The handler `createMcpHandler` made (or any route handler
 * reading `request.auth`).
 * @param options As for `bearerAuth`; validated and frozen here.
 * @returns The authenticated route handler.
 * @throws {TypeError} When `handler` is not a function or an option is
 * missing, unknown or invalid.
 *
 * @example Usage
 * ```ts
 * import "mcp-handler"; // its type of `request.auth`
 * import { StaticTokenVerifier } from "@mcp-authz/core";
 * import { withMcpAuth } from "@mcp-authz/core/mcp-handler";
 * import assert from "node:assert/strict";
 *
 * const handler = withMcpAuth(
 *   (request) => Response.json({ client: request.auth?.clientId }),
 *   {
 *     verifier: new StaticTokenVerifier({
 *       tokens: { "dev-token": { clientId: "dev", scopes: ["read"] } },
 *     }),
 *     requiredScopes: ["read"],
 *   },
 * );
 * const ok = await handler(new Request("https://mcp.example.com/mcp", {
 *   headers: { authorization: "Bearer dev-token" },
 * }));
 * assert.deepEqual(await ok.json(), { client: "dev" });
 * const refused = await handler(new Request("https://mcp.example.com/mcp"));
 * assert.equal(refused.status, 401);
 * ```
 */
export function withMcpAuth(
  handler: RouteHandler,
  options: BearerAuthOptions,
): (request: Request) => Promise<Response> {
  if (typeof handler !== "function") {
    throw new TypeError(
      `withMcpAuth expects a handler function (what mcp-handler's createMcpHandler returns) as its first argument, got ${
        show(handler)
      }`,
    );
  }
  const auth = authenticated(
    "withMcpAuth",
    async (request, token) =>
      await handler(
        withAuth(request, token === undefined ? undefined : auth.stamp(token)),
      ),
    options,
  );
  return auth.handle;
}
