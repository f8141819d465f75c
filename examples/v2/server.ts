/**
 * The notes server on the plain MCP SDK v2: the demo's (`examples/demo`)
 * `createMcpHandler` behind `withBearerAuth` + `JwtVerifier`, with the
 * framework examples' policy (`stackAuthorizer`) and hidden tool, its RFC
 * 9728 metadata, and the embedded development authorization server at
 * `/oauth`.
 *
 * @module
 */

import { McpServer } from "@modelcontextprotocol/server";
import { protectedResourceMetadata, withBearerAuth } from "@mcp-authz/core";
import { guardedMcpHandler } from "@mcp-authz/core/mcp";
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
  // createMcpHandler with the guard's preflight in front: it reads the body
  // once and answers a scope shortfall with the 403 step-up (a policy
  // engine down: 503) before the SDK; dispatch then reuses its decisions.
  const mcp = guardedMcpHandler(
    () =>
      guardNotes(new McpServer({ name: "notes-v2", version: "1.0.0" }), notes, {
        authorizer: stackAuthorizer,
        hiddenTool: true,
      }),
    { preflight: { resourceMetadataUrl: auth.metadataUrl } },
  );
  const protectedMcp = withBearerAuth(
    (request, token) =>
      mcp.fetch(request, token === undefined ? {} : { authInfo: token }),
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
