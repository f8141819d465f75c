/**
 * Authorization for Model Context Protocol servers: who may see and use
 * which tools, resources and prompts. The model of Python FastMCP
 * (`AuthContext`, `requireScopes`, `restrictTag`, `runAuthChecks`,
 * `AuthorizationError`, and its `AuthMiddleware` as {@linkcode Authorizer}
 * layers), on Web standards only, so it runs unchanged on Deno, Bun, Node
 * and edge runtimes.
 *
 * @example Usage
 * ```ts
 * import { Authorizer, InsufficientScopeError, requireScopes, restrictTag } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const authorizer = new Authorizer({
 *   layers: [restrictTag("admin", { scopes: ["admin"] })],
 * });
 * const tools = [
 *   { kind: "tool" as const, name: "search" },
 *   { kind: "tool" as const, name: "write", auth: requireScopes("files:write") },
 *   { kind: "tool" as const, name: "reset", tags: ["admin"] },
 * ];
 * const token = { token: "t", clientId: "app", scopes: ["files:write"], claims: {} };
 *
 * const visible = await authorizer.filter(token, tools);
 * assert.deepEqual(visible.map((tool) => tool.name), ["search", "write"]);
 * await assert.rejects(authorizer.authorize(token, tools[2]), InsufficientScopeError);
 * ```
 *
 * @module
 */

export * from "./src/core/mod.ts";
export * from "./src/http/mod.ts";
export * from "./src/verify/mod.ts";
export * from "./src/dpop/mod.ts";
export type {
  AnyMcpAuthzError,
  AuthorizationErrorOptions,
  AuthorizationUnavailableErrorOptions,
  DpopErrorCode,
  ErrorCode,
  InsufficientScopeErrorOptions,
  McpAuthzErrorOptions,
  VerifierUnavailableErrorOptions,
} from "./src/errors.ts";
export {
  AuthorizationError,
  AuthorizationUnavailableError,
  DpopError,
  InsufficientScopeError,
  InvalidDpopProofError,
  InvalidRequestError,
  InvalidTokenError,
  McpAuthzError,
  UseDpopNonceError,
  VerifierUnavailableError,
} from "./src/errors.ts";
