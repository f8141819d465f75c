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
import {
  JwtVerifier,
  protectedResourceMetadata,
  protectedResourceMetadataUrl,
  withBearerAuth,
} from "@mcp-authz/core";
import { createDevAuthorizationServer } from "@mcp-authz/core/dev";
import { notesServer, SCOPE_HIERARCHY, SCOPES } from "../demo/notes.ts";

/** The Worker's bindings. */
export interface Env {
  /** The origin the Worker is served at: the issuer and resource live on it. */
  ORIGIN: string;
}

type Handler = (request: Request) => Promise<Response>;

// Per isolate: the notes, and one stateless MCP handler (a fresh guarded
// McpServer per request).
const notes: string[] = [];
const mcp = createMcpHandler(() => notesServer(notes), { route: "/mcp" });

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
  const protectedMcp = withBearerAuth(
    (request, token) => {
      // preflight: the transport-level step-up (w-stepup) goes here, with
      // `request` and `token`, before the MCP handler reads the body.
      return mcp.fetch(request, {
        // The SDK's 403 step-up challenge names the metadata document too.
        ...(token === undefined ? {} : {
          authInfo: { ...token, resourceMetadataUrl: metadataUrl.href },
        }),
      });
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
