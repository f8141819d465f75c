/**
 * Turns the Authorizer's denials into what an MCP client sees: a JSON-RPC
 * error in the message flow, or a scope challenge for the HTTP transport.
 * SDK-independent: each binding wraps a {@linkcode Denial} in its SDK's
 * error class.
 *
 * @module
 */

import { InsufficientScopeError } from "../errors.ts";

/** What a guarded request asks for, as named in its error. */
export type GuardedKind = "Tool" | "Resource" | "Prompt";

/** JSON-RPC 2.0 "Invalid params". */
export const INVALID_PARAMS = -32602;

/** A JSON-RPC error, before the SDK's error class wraps it. */
export interface Denial {
  code: number;
  message: string;
  data?: { requiredScopes: string[] };
}

/** The shape of the v2 SDK's `ScopeChallenge`. */
export interface ScopeChallengeShape {
  scopes: [string, ...string[]];
  errorDescription?: string;
}

/**
 * The one error for an unknown component and for one the token may not use
 * (its own `auth`, or an opaque layer, denied), so existence never leaks.
 */
export function notFound(kind: GuardedKind): Denial {
  return {
    code: INVALID_PARAMS,
    message: `${kind} not found or not authorized`,
  };
}

/**
 * The JSON-RPC error for a denial: a scope shortfall names the scopes to
 * ask for in `data.requiredScopes`, so a client that never sees the HTTP 403
 * still learns them; every other denial, and anything unexpected, is the
 * not-found error.
 */
export function denialOf(error: unknown, kind: GuardedKind): Denial {
  if (error instanceof InsufficientScopeError) {
    return {
      code: INVALID_PARAMS,
      message: "Insufficient scope",
      data: { requiredScopes: [...error.requiredScopes] },
    };
  }
  return notFound(kind);
}

/**
 * The step-up challenge for a denial (RFC 6750 §3.1 `insufficient_scope`,
 * MCP "Step-Up Authorization Flow"), or `undefined` when the denial is not a
 * scope shortfall.
 */
export function scopeChallengeOf(
  error: unknown,
): ScopeChallengeShape | undefined {
  if (!(error instanceof InsufficientScopeError)) return undefined;
  const [first, ...rest] = error.requiredScopes;
  if (first === undefined) return undefined;
  return { scopes: [first, ...rest], errorDescription: "Insufficient scope" };
}
