/**
 * Hono bindings of `@mcp-authz/core`: a middleware that authenticates with
 * {@linkcode bearerAuth}'s answers (400, 401, 403, 503: RFC 6750 / RFC 9728,
 * unchanged) and sets the verified token as the typed context variable
 * `auth`, which `@hono/mcp`'s `StreamableHTTPTransport` hands to the MCP
 * server as `authInfo`; and the route of the protected-resource metadata.
 * Hono is imported for its types only.
 *
 * @example Usage
 * ```ts
 * import { Hono } from "hono";
 * import { StreamableHTTPTransport } from "@hono/mcp";
 * // @ts-types="@modelcontextprotocol/sdk/server/mcp"
 * import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
 * import { requireScopes, StaticTokenVerifier } from "@mcp-authz/core";
 * import { guardServer } from "@mcp-authz/core/mcp/v1";
 * import { mcpBearerAuth, protectedResourceMetadataRoute } from "@mcp-authz/core/hono";
 * import assert from "node:assert/strict";
 *
 * const resource = "https://mcp.example.com/mcp";
 * const metadata = protectedResourceMetadataRoute({
 *   resource,
 *   authorizationServers: ["https://auth.example.com"],
 * });
 * const app = new Hono();
 * app.get(metadata.path, metadata.handler);
 * app.all("/mcp", mcpBearerAuth({
 *   verifier: new StaticTokenVerifier({
 *     tokens: { "reader-token": { clientId: "app", scopes: ["read"] } },
 *   }),
 *   resourceMetadataUrl: `https://mcp.example.com${metadata.path}`,
 * }), async (c) => {
 *   // c.var.auth: the verified token, typed (no cast)
 *   const server = new McpServer({ name: "notes", version: "1.0.0" });
 *   const guarded = guardServer(server);
 *   guarded.tool("list_notes", {}, () => ({ content: [] }));
 *   guarded.tool("add_note", { auth: requireScopes("write") }, () => ({ content: [] }));
 *   const transport = new StreamableHTTPTransport({ enableJsonResponse: true });
 *   await server.connect(transport);
 *   return await transport.handleRequest(c);
 * });
 *
 * const refused = await app.request(resource, { method: "POST" });
 * assert.equal(refused.status, 401);
 * const listed = await app.request(resource, {
 *   method: "POST",
 *   headers: {
 *     authorization: "Bearer reader-token",
 *     "content-type": "application/json",
 *     accept: "application/json, text/event-stream",
 *   },
 *   body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
 * });
 * const names = (await listed.json()).result.tools.map((t: { name: string }) => t.name);
 * assert.deepEqual(names, ["list_notes"]);
 * ```
 *
 * @module
 */

import type { Context, Handler, MiddlewareHandler, Next } from "hono";
import { AuthorizationError } from "../errors.ts";
import type { BearerAuthOptions } from "../http/bearer_auth.ts";
import {
  metadataOptions,
  protectedResourceMetadata,
  type ProtectedResourceMetadataOptions,
  protectedResourceMetadataUrl,
} from "../http/metadata.ts";
import { authenticated, type McpAuthInfo } from "./_auth_info.ts";

export type { McpAuthInfo };

/**
 * The context variables {@linkcode mcpBearerAuth} sets: `auth`, the
 * verified token, which `@hono/mcp` passes on as `authInfo`.
 *
 * @example Usage
 * ```ts
 * import type { McpAuthVariables } from "@mcp-authz/core/hono";
 * import assert from "node:assert/strict";
 *
 * const variables: McpAuthVariables = {
 *   auth: { token: "t", clientId: "app", scopes: ["read"], claims: {} },
 * };
 * assert.equal(variables.auth.clientId, "app");
 * ```
 */
export interface McpAuthVariables {
  /** The verified token, stamped with the metadata URL. */
  auth: McpAuthInfo;
}

/**
 * The Hono environment of a route behind {@linkcode mcpBearerAuth}: declare
 * your app as `new Hono<McpAuthEnv>()`, or let the middleware type the
 * route (`app.all("/mcp", mcpBearerAuth(...), (c) => c.var.auth)`).
 *
 * @example Usage
 * ```ts
 * import { Hono } from "hono";
 * import type { McpAuthEnv } from "@mcp-authz/core/hono";
 * import assert from "node:assert/strict";
 *
 * const app = new Hono<McpAuthEnv>();
 * app.get("/whoami", (c) => c.text(c.var.auth.clientId));
 * assert.equal(typeof app.fetch, "function");
 * ```
 */
export type McpAuthEnv = { Variables: McpAuthVariables };

/**
 * The context variables of {@linkcode mcpBearerAuth} with `optional`:
 * `auth` is `undefined` for a request without a token.
 *
 * @example Usage
 * ```ts
 * import type { OptionalMcpAuthVariables } from "@mcp-authz/core/hono";
 * import assert from "node:assert/strict";
 *
 * const variables: OptionalMcpAuthVariables = { auth: undefined };
 * assert.equal(variables.auth, undefined);
 * ```
 */
export interface OptionalMcpAuthVariables {
  /** The verified token, or `undefined` when the request carried none. */
  auth: McpAuthInfo | undefined;
}

/**
 * The Hono environment of a route behind {@linkcode mcpBearerAuth} with
 * `optional: true`.
 *
 * @example Usage
 * ```ts
 * import { Hono } from "hono";
 * import type { OptionalMcpAuthEnv } from "@mcp-authz/core/hono";
 * import assert from "node:assert/strict";
 *
 * const app = new Hono<OptionalMcpAuthEnv>();
 * app.get("/whoami", (c) => c.text(c.var.auth?.clientId ?? "anonymous"));
 * assert.equal(typeof app.fetch, "function");
 * ```
 */
export type OptionalMcpAuthEnv = { Variables: OptionalMcpAuthVariables };

interface Pending {
  readonly c: Context<OptionalMcpAuthEnv>;
  readonly next: Next;
  /** Whether the request was let through (the rest of the chain ran). */
  ran: boolean;
}

/**
 * A Hono middleware that authenticates the request exactly as
 * `withBearerAuth` does (same options, same 400 / 401 / 403 / 503 answers,
 * DPoP with `dpop`), then sets the verified token as the context variable
 * `auth` and runs the rest of the chain. `@hono/mcp`'s transport reads
 * `auth` and hands it to the MCP server as `authInfo`, so the guard of
 * `@mcp-authz/core/mcp/v1` decides with it. The token carries
 * `resourceMetadataUrl` when the options name one or a `resource` it derives
 * from (RFC 9728 §3.1, as `bearerAuth`'s challenges name it).
 *
 * An `AuthorizationError` that a later handler throws is answered as
 * `withBearerAuth` answers it (`InsufficientScopeError`: the 403 step-up;
 * `AuthorizationUnavailableError`: 503; another: 403), in place of what
 * `app.onError` answered (a 500 by default; Hono runs it first, and its
 * default one logs the error); any other error is left to `app.onError`.
 *
 * With `optional: true`, a request without a token runs the chain with
 * `auth` set to `undefined` (typed so). `auth` is always set by this
 * middleware, never left to an earlier one. Without `onError`, a 503 is
 * told in one line on `console.warn` (no stack, never the token). Answer
 * CORS preflights (Hono's `cors()`) before it: browsers send them without
 * credentials.
 *
 * @param options As for `bearerAuth`; validated and frozen here.
 * @returns The middleware.
 * @throws {TypeError} When an option is missing, unknown or invalid.
 *
 * @example Usage
 * ```ts
 * import { Hono } from "hono";
 * import { StaticTokenVerifier } from "@mcp-authz/core";
 * import { mcpBearerAuth } from "@mcp-authz/core/hono";
 * import assert from "node:assert/strict";
 *
 * const app = new Hono();
 * app.get("/whoami", mcpBearerAuth({
 *   verifier: new StaticTokenVerifier({
 *     tokens: { "dev-token": { clientId: "dev", scopes: ["read"] } },
 *   }),
 *   requiredScopes: ["read"],
 * }), (c) => c.text(c.var.auth.clientId));
 *
 * const ok = await app.request("/whoami", { headers: { authorization: "Bearer dev-token" } });
 * assert.equal(await ok.text(), "dev");
 * const refused = await app.request("/whoami", { headers: { authorization: "Bearer nope" } });
 * assert.equal(refused.status, 401);
 * assert.match(refused.headers.get("www-authenticate")!, /error="invalid_token"/);
 * ```
 */
export function mcpBearerAuth(
  options: BearerAuthOptions & { optional?: false },
): MiddlewareHandler<McpAuthEnv>;
/**
 * {@linkcode mcpBearerAuth} with `optional: true`: `c.var.auth` is
 * `undefined` for a request without a token.
 *
 * @param options As for `bearerAuth`, with `optional: true`.
 * @returns The middleware.
 * @throws {TypeError} When an option is missing, unknown or invalid.
 */
export function mcpBearerAuth(
  options: BearerAuthOptions & { optional: true },
): MiddlewareHandler<OptionalMcpAuthEnv>;
/**
 * {@linkcode mcpBearerAuth} with `optional` not known until run time:
 * `c.var.auth` may be `undefined`.
 *
 * @param options As for `bearerAuth`.
 * @returns The middleware.
 * @throws {TypeError} When an option is missing, unknown or invalid.
 */
export function mcpBearerAuth(
  options: BearerAuthOptions,
): MiddlewareHandler<OptionalMcpAuthEnv>;
export function mcpBearerAuth(
  options: BearerAuthOptions,
): MiddlewareHandler<McpAuthEnv> | MiddlewareHandler<OptionalMcpAuthEnv> {
  // withBearerAuth's handler gets the Request only: its Hono context is
  // found by it, for the time of the call.
  const pending = new WeakMap<Request, Pending>();
  const { handle, stamp } = authenticated("mcpBearerAuth", async (
    request,
    token,
  ) => {
    const entry = pending.get(request);
    if (entry === undefined) {
      throw new Error("mcpBearerAuth lost the context of its request");
    }
    pending.delete(request);
    entry.ran = true;
    entry.c.set("auth", token === undefined ? undefined : stamp(token));
    await entry.next();
    // Hono hands what a later handler throws to app.onError (a 500 by
    // default) before `next()` returns: an authorization error is thrown
    // on, so that it is answered as withBearerAuth answers it.
    const thrown: unknown = entry.c.error;
    if (thrown instanceof AuthorizationError) throw thrown;
    return entry.c.res;
  }, options);
  const middleware: MiddlewareHandler<OptionalMcpAuthEnv> = async (c, next) => {
    const request = c.req.raw;
    const entry: Pending = { c, next, ran: false };
    pending.set(request, entry);
    let response: Response;
    try {
      response = await handle(request);
    } finally {
      pending.delete(request);
    }
    if (!entry.ran) return response; // refused: the chain never ran
    if (response !== c.res) {
      // A downstream 403 re-answered in the client's scheme (DPoP). Unset
      // first: Hono would copy the old response's headers onto the new one.
      c.res = undefined;
      c.res = response;
    }
  };
  return middleware;
}

/**
 * The protected-resource metadata route (RFC 9728): `path` is where the
 * document lives for `options.resource` (the well-known path inserted
 * before the resource's path), `handler` serves it (`GET`, `HEAD`, the
 * CORS preflight `OPTIONS`, 405 otherwise).
 *
 * @example Usage
 * ```ts
 * import type { MetadataRoute } from "@mcp-authz/core/hono";
 * import assert from "node:assert/strict";
 *
 * const route: MetadataRoute = {
 *   path: "/.well-known/oauth-protected-resource/mcp",
 *   handler: (c) => c.json({}),
 * };
 * assert.match(route.path, /^\/\.well-known\//);
 * ```
 */
export interface MetadataRoute {
  /** The path of the metadata document, e.g. `/.well-known/oauth-protected-resource/mcp`. */
  path: string;
  /** Serves the document. */
  handler: Handler;
}

/**
 * Builds the route of the RFC 9728 protected-resource metadata document
 * for Hono: mount `handler` at `path` with `app.all` (it answers the
 * methods it does not serve with 405) or `app.get`.
 *
 * @param options As for `protectedResourceMetadata`.
 * @returns The path and the handler.
 * @throws {TypeError} When an option is missing, unknown or invalid.
 *
 * @example Usage
 * ```ts
 * import { Hono } from "hono";
 * import { protectedResourceMetadataRoute } from "@mcp-authz/core/hono";
 * import assert from "node:assert/strict";
 *
 * const metadata = protectedResourceMetadataRoute({
 *   resource: "https://mcp.example.com/mcp",
 *   authorizationServers: ["https://auth.example.com"],
 *   scopesSupported: ["read"],
 * });
 * const app = new Hono();
 * app.all(metadata.path, metadata.handler);
 *
 * assert.equal(metadata.path, "/.well-known/oauth-protected-resource/mcp");
 * const document = await (await app.request(metadata.path)).json();
 * assert.equal(document.resource, "https://mcp.example.com/mcp");
 * ```
 */
export function protectedResourceMetadataRoute(
  options: ProtectedResourceMetadataOptions,
): MetadataRoute {
  const given = metadataOptions(options);
  const serve = protectedResourceMetadata(given);
  const path = protectedResourceMetadataUrl(given.resource).pathname;
  return {
    path,
    handler: (c) => serve(c.req.raw),
  };
}
