/**
 * The authorization core: contexts, checks, combinators, the runner and the
 * `Authorizer`. Knows nothing of HTTP, tokens on the wire or MCP SDKs.
 *
 * @module
 */

export type {
  AccessToken,
  AuthCheck,
  AuthContextInit,
  Component,
  ComponentKind,
} from "./context.ts";
export { AuthContext } from "./context.ts";
export type { ScopeHierarchy } from "./scopes.ts";
export type {
  RequireRolesOptions,
  RestrictTagOptions,
  ScopeAwareCheck,
} from "./checks.ts";
export { requireRoles, requireScopes, restrictTag } from "./checks.ts";
export { allOf, anyOf } from "./combinators.ts";
export type { BatchCheck } from "./batch.ts";
export { isBatchCheck } from "./batch.ts";
export type { RunOptions, Shortfall } from "./runner.ts";
export {
  runAuthChecks,
  runAuthChecksWithShortfall,
  scopeRequirements,
} from "./runner.ts";
export type {
  DecisionDetails,
  DecisionEvent,
  DecisionListener,
  DecisionOperation,
  DecisionOptions,
  DecisionOutcome,
  DecisionReason,
  DecisionRedactor,
} from "./decision.ts";
export {
  DECISION_OPERATIONS,
  DECISION_OUTCOMES,
  DECISION_REASONS,
} from "./decision.ts";
export type { AuthorizeOptions, AuthorizerOptions } from "./authorizer.ts";
export type { StepUpPolicy } from "./step_up.ts";
export { Authorizer } from "./authorizer.ts";
