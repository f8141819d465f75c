/**
 * Turns the Authorizer's denials into what an MCP client sees: a JSON-RPC
 * error in the message flow, or a scope challenge for the HTTP transport.
 *
 * @module
 */

import {
  ProtocolError,
  ProtocolErrorCode,
  type ScopeChallenge,
} from "@modelcontextprotocol/server";
import { InsufficientScopeError } from "../errors.ts";

/** What a guarded request asks for, as named in its error. */
export type GuardedKind = "Tool" | "Resource" | "Prompt";

/**
 * The one error for an unknown component and for one the token may not use
 * (its own `auth`, or an opaque layer, denied), so existence never leaks.
 */
export function notFoundError(kind: GuardedKind): ProtocolError {
  return new ProtocolError(
    ProtocolErrorCode.InvalidParams,
    `${kind} not found or not authorized`,
  );
}

/**
 * The JSON-RPC error for a denial: a scope shortfall names the scopes to
 * ask for in `data.requiredScopes`, so a client that never sees the HTTP 403
 * still learns them; every other denial, and anything unexpected, is the
 * not-found error.
 */
export function denialError(error: unknown, kind: GuardedKind): ProtocolError {
  if (error instanceof InsufficientScopeError) {
    return new ProtocolError(
      ProtocolErrorCode.InvalidParams,
      "Insufficient scope",
      { requiredScopes: [...error.requiredScopes] },
    );
  }
  return notFoundError(kind);
}

/**
 * The step-up challenge for a denial (RFC 6750 §3.1 `insufficient_scope`,
 * MCP "Step-Up Authorization Flow"), or `undefined` when the denial is not a
 * scope shortfall.
 */
export function scopeChallengeOf(error: unknown): ScopeChallenge | undefined {
  if (!(error instanceof InsufficientScopeError)) return undefined;
  const [first, ...rest] = error.requiredScopes;
  if (first === undefined) return undefined;
  return { scopes: [first, ...rest], errorDescription: "Insufficient scope" };
}
