/**
 * The notes demo as a Cloudflare Worker: MCP at `/mcp` served by
 * `createMcpHandler` of `agents/mcp/server` (stateless, SDK v2, no Durable
 * Object), guarded by `@mcp-authz/core/mcp`, behind `withBearerAuth` with a
 * `JwtVerifier`; its RFC 9728 metadata; and the development authorization
 * server of `@mcp-authz/core/dev` at `/oauth`, inside the Worker, so an
 * OAuth-following MCP client logs in with nothing else to set up.
 *
 * Bindings: `ORIGIN`, where the Worker is served (`http://127.0.0.1:8000`).
 * Compatibility flag: `nodejs_als` (`agents` imports `node:async_hooks`).
 * `main.ts` bundles this file and runs it in workerd with Miniflare.
 *
 * @module
 */

import { createMcpHandler } from "agents/mcp/server";
import { McpServer } from "@modelcontextprotocol/server";
import {
  JwtVerifier,
  protectedResourceMetadata,
  protectedResourceMetadataUrl,
  withBearerAuth,
} from "@mcp-authz/core";
import { createDevAuthorizationServer } from "@mcp-authz/core/dev";
import type { GuardedServer } from "@mcp-authz/core/mcp";
import {
  guardNotes,
  SCOPE_HIERARCHY,
  SCOPES,
  stackAuthorizer,
} from "../demo/notes.ts";

/** The Worker's bindings. */
export interface Env {
  /** The origin the Worker is served at: the issuer and resource live on it. */
  ORIGIN: string;
}

type Handler = (request: Request) => Promise<Response>;

// Per isolate: the notes, and one stateless MCP handler (a fresh guarded
// McpServer per request).
const notes: string[] = [];

/** A fresh guarded notes server: the framework examples' policy and tools. */
function notesServer(): GuardedServer {
  return guardNotes(
    new McpServer({ name: "notes-workers", version: "1.0.0" }),
    notes,
    { authorizer: stackAuthorizer, hiddenTool: true },
  );
}

// The server each request was preflighted with, for the handler's factory
// (agents hands it the same Request): the one whose decisions dispatch
// reuses. A request the preflight did not read gets a fresh one.
const preflighted = new WeakMap<Request, McpServer>();
const mcp = createMcpHandler(
  ({ requestInfo }) =>
    (requestInfo && preflighted.get(requestInfo)) ?? notesServer().server,
  { route: "/mcp" },
);

/** Builds the routes once per isolate (keys cannot be made at load time). */
async function build(env: Env): Promise<Handler> {
  const mcpUrl = new URL("/mcp", env.ORIGIN);
  const metadataUrl = protectedResourceMetadataUrl(mcpUrl);
  const dev = await createDevAuthorizationServer({
    issuer: new URL("/oauth", mcpUrl),
    resource: mcpUrl,
    scopesSupported: SCOPES,
  });
  const metadata = protectedResourceMetadata({
    resource: mcpUrl,
    authorizationServers: [dev.issuer],
    scopesSupported: SCOPES,
    resourceName: "mcp-authz notes on Workers",
  });
  const preflight = { resourceMetadataUrl: metadataUrl };
  const protectedMcp = withBearerAuth(
    async (request, token) => {
      // The preflight reads the body once and answers a scope shortfall
      // with the 403 step-up (a policy engine down: 503) before the MCP
      // handler; otherwise the handler gets the body and a token carrying
      // the decisions, so dispatch runs no check again.
      const guarded = notesServer();
      const checked = await guarded.preflight(request, token, preflight);
      if (checked.response !== undefined) return checked.response;
      preflighted.set(checked.request, guarded.server);
      return await mcp.fetch(checked.request, checked.sdkOptions);
    },
    {
      // The embedded server's key is at hand: no JWKS fetch to ourselves.
      verifier: new JwtVerifier({
        jwks: dev.jwks,
        issuer: dev.issuer,
        audience: mcpUrl.href,
        typ: "at+jwt",
      }),
      resourceMetadataUrl: metadataUrl,
      requiredScopes: ["read"],
      scopeHierarchy: SCOPE_HIERARCHY,
    },
  );
  return async (request) => {
    const own = await dev.handle(request);
    if (own !== undefined) return own;
    const { pathname } = new URL(request.url);
    if (pathname === mcpUrl.pathname) return await protectedMcp(request);
    if (pathname === metadataUrl.pathname) return metadata(request);
    return new Response("Not found\n", { status: 404 });
  };
}

let handler: Promise<Handler> | undefined;

/** The Worker (module syntax). */
export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    handler ??= build(env).catch((error) => {
      handler = undefined; // a failed build is retried on the next request
      throw error;
    });
    return await (await handler)(request);
  },
};
