/**
 * The notes server on Vercel's `mcp-handler` (MCP SDK v2), served by
 * `Deno.serve` (no Next.js: its handler is a plain `Request -> Response`
 * function): the MCP endpoint behind `withMcpAuth` of
 * `@mcp-authz/core/mcp-handler` (the verified token as `request.auth`,
 * which `mcp-handler` hands to the SDK as `authInfo`), its RFC 9728
 * metadata, and the embedded development authorization server at `/oauth`.
 *
 * @module
 */

import { createMcpHandler } from "mcp-handler";
import { protectedResourceMetadata } from "@mcp-authz/core";
import { withMcpAuth } from "@mcp-authz/core/mcp-handler";
import { guardNotes, stackAuthorizer } from "../demo/notes.ts";
import { type StackApp, type StackAppOptions, stackAuth } from "../_stack.ts";

/**
 * Builds the `mcp-handler` example for the origin it is served at.
 *
 * @param options Origin and approval.
 * @returns The handler and what a client needs to know.
 */
export async function createMcpHandlerExample(
  options: StackAppOptions,
): Promise<StackApp> {
  const notes: string[] = [];
  const auth = await stackAuth(options);
  // mcp-handler makes one McpServer per request and hands it over: guard
  // it before registering anything.
  const mcp = createMcpHandler((server) => {
    guardNotes(server, notes, {
      authorizer: stackAuthorizer,
      hiddenTool: true,
    });
  }, { serverInfo: { name: "notes-mcp-handler", version: "1.0.0" } });
  const handleMcp = withMcpAuth(
    // No preflight: mcp-handler builds its McpServer itself, so SDK v2's
    // scope-challenge hook (which the guard installs) answers each scope
    // shortfall with the 403 before dispatch, and dispatch decides again.
    (request) => mcp(request),
    auth.bearer,
  );
  const metadata = protectedResourceMetadata(auth.metadata);
  return {
    async handler(request) {
      const own = await auth.dev.handle(request);
      if (own !== undefined) return own;
      const { pathname } = new URL(request.url);
      if (pathname === auth.mcpUrl.pathname) return await handleMcp(request);
      if (pathname === auth.metadataUrl.pathname) return metadata(request);
      return new Response("Not found\n", { status: 404 });
    },
    mcpUrl: auth.mcpUrl,
    metadataUrl: auth.metadataUrl,
    dev: auth.dev,
    close: () => Promise.resolve(),
  };
}
