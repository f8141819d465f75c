/**
 * The notes server on the plain MCP SDK 1.x: an `McpServer` of
 * `@modelcontextprotocol/sdk` guarded by `@mcp-authz/core/mcp/v1`, served
 * by its `WebStandardStreamableHTTPServerTransport` (stateless: one server
 * and transport per request) behind `withBearerAuth` + `JwtVerifier`, with
 * its RFC 9728 metadata and the embedded development authorization server
 * at `/oauth`.
 *
 * @module
 */

import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { protectedResourceMetadata, withBearerAuth } from "@mcp-authz/core";
import { stackAuthorizer } from "../demo/notes.ts";
import { guardNotesV1 } from "../demo/notes_v1.ts";
import { type StackApp, type StackAppOptions, stackAuth } from "../_stack.ts";

/** Stateless: no server-sent stream to GET, no session to DELETE. */
function methodNotAllowed(): Response {
  return Response.json({
    jsonrpc: "2.0",
    error: { code: -32000, message: "Method not allowed" },
    id: null,
  }, { status: 405, headers: { allow: "POST" } });
}

/**
 * Builds the SDK 1.x example for the origin it is served at.
 *
 * @param options Origin and approval.
 * @returns The handler and what a client needs to know.
 */
export async function createV1Example(
  options: StackAppOptions,
): Promise<StackApp> {
  const notes: string[] = [];
  const auth = await stackAuth(options);
  const metadata = protectedResourceMetadata(auth.metadata);
  const preflight = { resourceMetadataUrl: auth.metadataUrl };
  const mcp = withBearerAuth(async (request, token) => {
    if (request.method !== "POST") return methodNotAllowed();
    // One McpServer and transport per request: stateless Streamable HTTP.
    const guarded = guardNotesV1(
      new McpServer({ name: "notes-v1", version: "1.0.0" }),
      notes,
      { authorizer: stackAuthorizer, hiddenTool: true },
    );
    // The 1.x SDK has no pre-dispatch hook: the preflight reads the body
    // once and answers a scope shortfall with the 403 (a policy engine
    // down: 503) before the transport sees the request.
    const checked = await guarded.preflight(request, token, preflight);
    if (checked.response !== undefined) return checked.response;
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
    });
    await guarded.server.connect(transport);
    // The body already read, and the token carrying the decisions:
    // dispatch runs no check again.
    return await transport.handleRequest(checked.request, checked.sdkOptions);
  }, auth.bearer);
  return {
    async handler(request) {
      const own = await auth.dev.handle(request);
      if (own !== undefined) return own;
      const { pathname } = new URL(request.url);
      if (pathname === auth.mcpUrl.pathname) return await mcp(request);
      if (pathname === auth.metadataUrl.pathname) return metadata(request);
      return new Response("Not found\n", { status: 404 });
    },
    mcpUrl: auth.mcpUrl,
    metadataUrl: auth.metadataUrl,
    dev: auth.dev,
    close: () => Promise.resolve(),
  };
}
