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
} from "./src/context.ts";
export { AuthContext } from "./src/context.ts";
export type { ScopeHierarchy } from "./src/scopes.ts";
export type {
  AuthCheck,
  RequireRolesOptions,
  RestrictTagOptions,
  ScopeAwareCheck,
} from "./src/checks.ts";
export {
  allOf,
  anyOf,
  requireRoles,
  requireScopes,
  restrictTag,
} from "./src/checks.ts";
export type { RunOptions, Shortfall } from "./src/runner.ts";
export {
  runAuthChecks,
  runAuthChecksWithShortfall,
  scopeRequirements,
} from "./src/runner.ts";
export type { AuthorizationErrorOptions } from "./src/errors.ts";
export {
  AuthorizationError,
  InsufficientScopeError,
  InvalidTokenError,
  VerifierUnavailableError,
} from "./src/errors.ts";
export type { TokenVerifier } from "./src/verifier.ts";
export type { AuthorizeOptions, AuthorizerOptions } from "./src/authorizer.ts";
export { Authorizer } from "./src/authorizer.ts";
export { extractBearerToken, InvalidRequestError } from "./src/bearer.ts";
export type { AuthOutcome, ChallengeOptions } from "./src/challenge.ts";
export { challengeResponse } from "./src/challenge.ts";
export type { BearerAuthOptions, BearerHandler } from "./src/bearer_auth.ts";
export { bearerAuth, withBearerAuth } from "./src/bearer_auth.ts";
export type { ProtectedResourceMetadataOptions } from "./src/metadata.ts";
export {
  protectedResourceMetadata,
  protectedResourceMetadataUrl,
} from "./src/metadata.ts";
export type {
  StaticTokenEntry,
  StaticTokenVerifierOptions,
} from "./src/static_verifier.ts";
export { StaticTokenVerifier } from "./src/static_verifier.ts";
export type { JwtVerifierOptions } from "./src/jwt.ts";
export { JwtVerifier } from "./src/jwt.ts";
export type { JsonWebKeySet, PublicJwk } from "./src/keys.ts";
export type { TokenCacheOptions } from "./src/token_cache.ts";
export type { IntrospectionVerifierOptions } from "./src/introspection.ts";
export { IntrospectionVerifier } from "./src/introspection.ts";
export type {
  CacheStore,
  MemoryCacheStoreOptions,
  SharedCacheOptions,
} from "./src/verify/cache_store.ts";
export { MemoryCacheStore } from "./src/verify/cache_store.ts";
export type {
  DpopErrorCode,
  DpopProof,
  DpopProofInput,
  DpopVerifierOptions,
} from "./src/dpop.ts";
export {
  accessTokenHash,
  DPOP_ALGORITHMS,
  DpopError,
  DpopVerifier,
  InvalidDpopProofError,
  normalizeHtu,
  UseDpopNonceError,
} from "./src/dpop.ts";
export type {
  MemoryReplayStoreOptions,
  ReplayStore,
} from "./src/dpop_replay.ts";
export { MemoryReplayStore } from "./src/dpop_replay.ts";
export type {
  DpopNoncePolicy,
  DpopNoncePolicyOptions,
} from "./src/dpop_nonce.ts";
export { createDpopNoncePolicy } from "./src/dpop_nonce.ts";
export type { DpopAuthOptions } from "./src/dpop_auth.ts";
export { dpopKeyThumbprint } from "./src/dpop_auth.ts";
