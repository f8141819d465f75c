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

export type {
  AccessToken,
  AuthContextInit,
  Component,
  ComponentKind,
} from "./src/core/context.ts";
export { AuthContext } from "./src/core/context.ts";
export type { ScopeHierarchy } from "./src/core/scopes.ts";
export type {
  AuthCheck,
  RequireRolesOptions,
  RestrictTagOptions,
  ScopeAwareCheck,
} from "./src/core/checks.ts";
export {
  allOf,
  anyOf,
  requireRoles,
  requireScopes,
  restrictTag,
} from "./src/core/checks.ts";
export type { RunOptions, Shortfall } from "./src/core/runner.ts";
export {
  runAuthChecks,
  runAuthChecksWithShortfall,
  scopeRequirements,
} from "./src/core/runner.ts";
export type { AuthorizationErrorOptions } from "./src/errors.ts";
export {
  AuthorizationError,
  InsufficientScopeError,
  InvalidTokenError,
  VerifierUnavailableError,
} from "./src/errors.ts";
export type { TokenVerifier } from "./src/verify/verifier.ts";
export type {
  AuthorizeOptions,
  AuthorizerOptions,
} from "./src/core/authorizer.ts";
export { Authorizer } from "./src/core/authorizer.ts";
export { extractBearerToken, InvalidRequestError } from "./src/http/bearer.ts";
export type { AuthOutcome, ChallengeOptions } from "./src/http/challenge.ts";
export { challengeResponse } from "./src/http/challenge.ts";
export type {
  BearerAuthOptions,
  BearerHandler,
} from "./src/http/bearer_auth.ts";
export { bearerAuth, withBearerAuth } from "./src/http/bearer_auth.ts";
export type { ProtectedResourceMetadataOptions } from "./src/http/metadata.ts";
export {
  protectedResourceMetadata,
  protectedResourceMetadataUrl,
} from "./src/http/metadata.ts";
export type {
  StaticTokenEntry,
  StaticTokenVerifierOptions,
} from "./src/verify/static.ts";
export { StaticTokenVerifier } from "./src/verify/static.ts";
export type { JwtVerifierOptions } from "./src/verify/jwt.ts";
export { JwtVerifier } from "./src/verify/jwt.ts";
export type { JsonWebKeySet, PublicJwk } from "./src/verify/keys.ts";
export type { TokenCacheOptions } from "./src/verify/token_cache.ts";
export type { IntrospectionVerifierOptions } from "./src/verify/introspection.ts";
export { IntrospectionVerifier } from "./src/verify/introspection.ts";
export type {
  DpopErrorCode,
  DpopProof,
  DpopProofInput,
  DpopVerifierOptions,
} from "./src/dpop/verifier.ts";
export {
  accessTokenHash,
  DPOP_ALGORITHMS,
  DpopError,
  DpopVerifier,
  InvalidDpopProofError,
  normalizeHtu,
  UseDpopNonceError,
} from "./src/dpop/verifier.ts";
export type {
  MemoryReplayStoreOptions,
  ReplayStore,
} from "./src/dpop/replay.ts";
export { MemoryReplayStore } from "./src/dpop/replay.ts";
export type {
  DpopNoncePolicy,
  DpopNoncePolicyOptions,
} from "./src/dpop/nonce.ts";
export { createDpopNoncePolicy } from "./src/dpop/nonce.ts";
export type { DpopAuthOptions } from "./src/dpop/scheme.ts";
export { dpopKeyThumbprint } from "./src/dpop/scheme.ts";
