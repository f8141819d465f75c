/**
 * The 1.x MCP TypeScript SDK integration of `@mcp-authz/core`: the same
 * guard as `@mcp-authz/core/mcp`, for an `McpServer` of
 * `@modelcontextprotocol/sdk` (1.x), which most servers still run. Lists
 * show only what the token may use; calls, reads and gets are authorized
 * first; an unknown and a forbidden component are indistinguishable; over
 * HTTP, `GuardedServer.preflight` (run before the transport, from a Web
 * `Request` or a Node `IncomingMessage`) answers a scope shortfall with the
 * RFC 6750 403 step-up challenge; elsewhere it is a JSON-RPC error naming
 * the scopes in `data.requiredScopes`.
 *
 * @example Usage
 * ```ts
 * import { requireScopes } from "@mcp-authz/core";
 * import { guardServer } from "@mcp-authz/core/mcp/v1";
 * // @ts-types="@modelcontextprotocol/sdk/server/mcp"
 * import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
 * import assert from "node:assert/strict";
 *
 * const server = new McpServer({ name: "notes", version: "1.0.0" });
 * const guarded = guardServer(server);
 * const added = guarded.tool("add_note", { auth: requireScopes("write") }, () => ({
 *   content: [{ type: "text", text: "added" }],
 * }));
 * assert.equal(added.enabled, true);
 * ```
 *
 * @module
 */

export type { ComponentAuth, GuardOptions } from "./guard_v1.ts";
export { GuardedServer, guardServer } from "./guard_v1.ts";
export type {
  GuardedMcpServer,
  GuardedPromptConfig,
  GuardedRegistration,
  GuardedResourceConfig,
  GuardedToolConfig,
} from "./registration_v1.ts";
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
