/**
 * Fixture: the MCP application behind the endpoint: the MCP SDK v2 server,
 * guarded by `@mcp-authz/core/mcp`, a fresh server per request (stateless
 * Streamable HTTP).
 *
 * Every tool needs `mcp:tools`; `admin_reset` is tagged `admin` (a layer: a
 * shortfall is a 403 step-up); `vault` has its own check (a denial looks
 * like an unknown tool: a JSON-RPC error in a 200).
 *
 * @module
 */
import { createMcpHandler, McpServer } from "@modelcontextprotocol/server";
import {
  type AccessToken,
  Authorizer,
  type DecisionListener,
  requireScopes,
  restrictTag,
} from "../mod.ts";
import { guardServer } from "../src/mcp/mod.ts";

/** Answers one MCP request, as the token (or no token) it carries. */
export type McpApp = (
  request: Request,
  token: AccessToken | undefined,
) => Promise<Response>;

const text = (value: string) => ({
  content: [{ type: "text" as const, text: value }],
});

/** The guarded MCP application of the run, telling `onDecision` what it decides. */
export function guardedMcpApp(onDecision?: DecisionListener): McpApp {
  const authorizer = new Authorizer({
    layers: [
      requireScopes("mcp:tools"),
      restrictTag("admin", { scopes: ["admin"] }),
    ],
  });
  const serverFactory = (): McpServer => {
    const server = new McpServer({ name: "stress", version: "1.0.0" });
    const guarded = guardServer(server, { authorizer, onDecision });
    guarded.tool(
      "echo",
      { description: "Echoes" },
      (ctx) => text(`echo for ${ctx.http?.authInfo?.clientId}`),
    );
    guarded.tool(
      "admin_reset",
      { description: "Admin", tags: ["admin"] },
      () => text("reset"),
    );
    guarded.tool("vault", {
      description: "Needs the vault scope",
      auth: requireScopes("vault"),
    }, () => text("opened"));
    return server;
  };
  const mcp = createMcpHandler(serverFactory);
  return (request, token) =>
    mcp.fetch(request, token === undefined ? {} : { authInfo: token });
}
