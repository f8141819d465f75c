/**
 * The notes server on the plain MCP SDK v2: the demo's (`examples/demo`)
 * `createMcpHandler` behind `withBearerAuth` + `JwtVerifier`, with the
 * framework examples' policy (`stackAuthorizer`) and hidden tool, its RFC
 * 9728 metadata, and the embedded development authorization server at
 * `/oauth`.
 *
 * @module
 */

import { createMcpHandler, McpServer } from "@modelcontextprotocol/server";
import { protectedResourceMetadata, withBearerAuth } from "@mcp-authz/core";
import { guardNotes, stackAuthorizer } from "../demo/notes.ts";
import { type StackApp, type StackAppOptions, stackAuth } from "../_stack.ts";

/**
 * Builds the SDK v2 example for the origin it is served at.
 *
 * @param options Origin and approval.
 * @returns The handler and what a client needs to know.
 */
export async function createV2Example(
  options: StackAppOptions,
): Promise<StackApp> {
  const notes: string[] = [];
  const auth = await stackAuth(options);
  const metadata = protectedResourceMetadata(auth.metadata);
  // One guarded McpServer per request: stateless Streamable HTTP.
  // preflight: here, `guardedMcpHandler(() => guardNotes(new McpServer(...), notes, { ... }))` of @mcp-authz/core/mcp in place of createMcpHandler (same fetch below; it preflights each request) (w-stepup)
  const mcp = createMcpHandler(() => {
    const server = new McpServer({ name: "notes-v2", version: "1.0.0" });
    guardNotes(server, notes, {
      authorizer: stackAuthorizer,
      hiddenTool: true,
    });
    return server;
  });
  const href = auth.metadataUrl.href;
  const protectedMcp = withBearerAuth(
    (request, token) =>
      mcp.fetch(request, {
        // SDK v2's own 403 step-up challenge names the metadata document too.
        ...(token === undefined
          ? {}
          : { authInfo: { ...token, resourceMetadataUrl: href } }),
      }),
    auth.bearer,
  );
  return {
    async handler(request) {
      const own = await auth.dev.handle(request);
      if (own !== undefined) return own;
      const { pathname } = new URL(request.url);
      if (pathname === auth.mcpUrl.pathname) return await protectedMcp(request);
      if (pathname === auth.metadataUrl.pathname) return metadata(request);
      return new Response("Not found\n", { status: 404 });
    },
    mcpUrl: auth.mcpUrl,
    metadataUrl: auth.metadataUrl,
    dev: auth.dev,
    close: () => mcp.close(),
  };
}
