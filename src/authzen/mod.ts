/**
 * Fine-grained decisions from a policy engine: `authzenCheck` asks an OpenID
 * AuthZEN Authorization API 1.0 Policy Decision Point (Cerbos, OpenFGA,
 * Topaz, Keycloak ...) whether a token may use a tool, resource or prompt,
 * with the COAZ-MCP mapping of MCP requests. A list is decided in one Access
 * Evaluations request. Declared mappings (`compileMappings`) use CEL through
 * `@bufbuild/cel`, loaded only when they are compiled. Its own entry point,
 * so that core users never bundle it.
 *
 * @example Usage
 * ```ts
 * import { Authorizer } from "@mcp-authz/core";
 * import { authzenCheck } from "@mcp-authz/core/authzen";
 * import assert from "node:assert/strict";
 *
 * const seen: unknown[] = [];
 * const pdp = (_url: string, init: RequestInit) => {
 *   seen.push(JSON.parse(String(init.body)));
 *   return Promise.resolve(Response.json({ decision: true }));
 * };
 * const authorizer = new Authorizer({
 *   layers: [authzenCheck({ pdp: "https://pdp.example.com", fetch: pdp, cache: false })],
 * });
 * const token = { token: "t", clientId: "agent-app", scopes: [], claims: { sub: "alice" } };
 * await authorizer.authorize(token, { kind: "tool", name: "get_customer" });
 * // The COAZ-MCP default mapping of a tools/call:
 * assert.deepEqual(seen.at(-1), {
 *   subject: { type: "identity", id: "alice" },
 *   action: { name: "tools/call" },
 *   resource: { type: "tool", id: "get_customer" },
 *   context: { agent: "agent-app" },
 * });
 * ```
 *
 * @module
 */

export type {
  AuthzenAction,
  AuthzenCheck,
  AuthzenCheckOptions,
  AuthzenResource,
  AuthzenSubject,
} from "./check.ts";
export { authzenCheck } from "./check.ts";
export type { AuthzenMapping } from "./mappings.ts";
export { AuthzenMappings, compileMappings } from "./mappings.ts";
