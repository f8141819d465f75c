/**
 * The notes server on Hono with `@hono/mcp` (MCP SDK 1.x): the MCP endpoint
 * behind `mcpBearerAuth` (the verified token typed as `c.var.auth`, handed to
 * the SDK as `authInfo`), its RFC 9728 metadata, and the embedded development
 * authorization server at `/oauth`.
 *
 * @module
 */

import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { StreamableHTTPTransport } from "@hono/mcp";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import {
  mcpBearerAuth,
  protectedResourceMetadataRoute,
} from "@mcp-authz/core/hono";
import { stackAuthorizer } from "../demo/notes.ts";
import { guardNotesV1 } from "../demo/notes_v1.ts";
import { type StackApp, type StackAppOptions, stackAuth } from "../_stack.ts";

/**
 * Builds the Hono example for the origin it is served at.
 *
 * @param options Origin and approval.
 * @returns The handler (`app.fetch`) and what a client needs to know.
 */
export async function createHonoExample(
  options: StackAppOptions,
): Promise<StackApp> {
  const notes: string[] = [];
  const auth = await stackAuth(options);
  const metadata = protectedResourceMetadataRoute(auth.metadata);
  const preflight = { resourceMetadataUrl: auth.metadataUrl };
  const app = new Hono();
  // The development authorization server: /oauth/* and its RFC 8414
  // metadata at /.well-known/oauth-authorization-server/oauth.
  app.use(async (c, next) => {
    const own = await auth.dev.handle(c.req.raw);
    if (own !== undefined) return own;
    await next();
  });
  app.all(metadata.path, metadata.handler);
  // Verified first (no token: 401 without reading the body), then the
  // body bounded as the SDKs bound theirs: 4 MiB, else 413.
  const limit = bodyLimit({
    maxSize: 4 * 1024 * 1024,
    onError: (c) =>
      c.json({
        jsonrpc: "2.0",
        error: { code: -32000, message: "Payload Too Large" },
        id: null,
      }, 413),
  });
  app.all("/mcp", mcpBearerAuth(auth.bearer), limit, async (c) => {
    // One McpServer and transport per request: stateless Streamable HTTP.
    const server = new McpServer({ name: "notes-hono", version: "1.0.0" });
    const guarded = guardNotesV1(server, notes, {
      authorizer: stackAuthorizer,
      hiddenTool: true,
    });
    // The 1.x SDK has no pre-dispatch hook: the preflight answers a scope
    // shortfall with the 403, from the body Hono parsed (and caches for the
    // transport); anything that is not JSON is left to the transport.
    const body = await c.req.json().catch(() => undefined);
    let parsedBody: unknown;
    if (body !== undefined) {
      const checked = await guarded.preflight(
        { body, authorization: c.req.header("authorization") },
        c.var.auth,
        preflight,
      );
      if (checked.response !== undefined) return checked.response;
      // The token carrying the decisions: dispatch runs no check again.
      if (checked.authInfo !== undefined) c.set("auth", checked.authInfo);
      parsedBody = checked.parsedBody;
    }
    const transport = new StreamableHTTPTransport();
    await server.connect(transport);
    return await transport.handleRequest(c, parsedBody) ?? c.body(null, 202);
  });
  return {
    handler: async (request) => await app.fetch(request),
    mcpUrl: auth.mcpUrl,
    metadataUrl: auth.metadataUrl,
    dev: auth.dev,
    close: () => Promise.resolve(),
  };
}
