/**
 * The MCP TypeScript SDK integration of `@mcp-authz/core`: guards an
 * `McpServer` of `@modelcontextprotocol/server` (v2) so that, per request
 * and from the verified token, lists show only what the token may use,
 * calls are authorized first, an unknown and a forbidden component are
 * indistinguishable, and a scope shortfall becomes an HTTP 403
 * `insufficient_scope` step-up challenge (`GuardedServer.preflight`, before
 * the transport reads the request, or `guardedMcpHandler`, which wraps
 * `createMcpHandler`). Only this entry point imports the SDK; the root
 * entry point never does.
 *
 * @example Usage
 * ```ts
 * import { Authorizer, requireScopes, restrictTag } from "@mcp-authz/core";
 * import { guardServer } from "@mcp-authz/core/mcp";
 * import { Client } from "@modelcontextprotocol/client";
 * import { InMemoryTransport, McpServer } from "@modelcontextprotocol/server";
 * import assert from "node:assert/strict";
 *
 * const server = new McpServer({ name: "notes", version: "1.0.0" });
 * const guarded = guardServer(server, {
 *   authorizer: new Authorizer({ layers: [restrictTag("admin", { scopes: ["admin"] })] }),
 * });
 * const text = (text: string) => ({ content: [{ type: "text" as const, text }] });
 * guarded.tool("list_notes", {}, () => text("[]"));
 * guarded.tool("add_note", { auth: requireScopes("write") }, () => text("added"));
 * guarded.tool("purge", { tags: ["admin"] }, () => text("purged"));
 *
 * const token = { token: "t", clientId: "app", scopes: ["write"], claims: {} };
 * const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
 * const send = clientSide.send.bind(clientSide);
 * clientSide.send = (message, options) => send(message, { ...options, authInfo: token });
 * await server.connect(serverSide);
 * const client = new Client({ name: "app", version: "1.0.0" });
 * await client.connect(clientSide);
 *
 * const { tools } = await client.listTools();
 * assert.deepEqual(tools.map((tool) => tool.name), ["list_notes", "add_note"]);
 * await assert.rejects(client.callTool({ name: "purge" }), /Insufficient scope/);
 * await client.close();
 * ```
 *
 * @module
 */

export type { ComponentAuth, GuardOptions } from "./guard.ts";
export { GuardedServer, guardServer } from "./guard.ts";
export type {
  GuardedMcpServer,
  GuardedPromptConfig,
  GuardedRegistration,
  GuardedResourceConfig,
  GuardedToolConfig,
} from "./registration.ts";
export type {
  NodeRequestLike,
  NodeResponseLike,
  Preflight,
  PreflightBody,
  PreflightInput,
  PreflightOptions,
  RequestPreflight,
  SdkRequestOptions,
} from "./preflight.ts";
export { writeResponse } from "./preflight.ts";
export type {
  GuardedFetchOptions,
  GuardedMcpHandlerOptions,
  GuardedMcpHttpHandler,
  GuardedServerContext,
  GuardedServerFactory,
} from "./handler.ts";
export { guardedMcpHandler } from "./handler.ts";
