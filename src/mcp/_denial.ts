/**
 * Turns the Authorizer's denials into what an MCP client sees: a JSON-RPC
 * error in the message flow, or a scope challenge for the HTTP transport.
 * SDK-independent: each binding wraps a {@linkcode Denial} in its SDK's
 * error class.
 *
 * @module
 */

import { retryAfterSeconds } from "../_internal/retry_after.ts";
import {
  AuthorizationUnavailableError,
  InsufficientScopeError,
} from "../errors.ts";

/** What a guarded request asks for, as named in its error. */
export type GuardedKind = "Tool" | "Resource" | "Prompt";

/** JSON-RPC 2.0 "Invalid params". */
export const INVALID_PARAMS = -32602;

/**
 * JSON-RPC 2.0 "Internal error": what COAZ-MCP ("PDP Communication Errors")
 * answers when the policy engine cannot be reached or misbehaves.
 */
export const INTERNAL_ERROR = -32603;

/** A JSON-RPC error, before the SDK's error class wraps it. */
export interface Denial {
  code: number;
  message: string;
  data?: { requiredScopes: string[] } | { retryAfter: number };
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
 * The seconds to wait before a retry when `error` says the decision could
 * not be made now (`AuthorizationUnavailableError`: a policy engine down),
 * else `undefined`. The one test of "retry, not a denial" of the MCP layer,
 * so that a transport layer answering HTTP 503 agrees with
 * {@linkcode denialOf}. Never throws.
 */
export function unavailableRetryAfter(error: unknown): number | undefined {
  try {
    if (!(error instanceof AuthorizationUnavailableError)) return undefined;
  } catch {
    return undefined; // A Proxy whose getPrototypeOf trap throws.
  }
  let hint: unknown;
  try {
    hint = error.retryAfter;
  } catch {
    // A getter that throws: the default wait.
  }
  return retryAfterSeconds(hint);
}

/**
 * The retryable JSON-RPC error for a decision that could not be made: a
 * generic message (nothing of the engine's reason) and `data.retryAfter`.
 */
export function unavailable(retryAfter: number): Denial {
  return {
    code: INTERNAL_ERROR,
    message: "Authorization service unavailable",
    data: { retryAfter },
  };
}

/**
 * The JSON-RPC error for a denial: a scope shortfall names the scopes to
 * ask for in `data.requiredScopes`, so a client that never sees the HTTP 403
 * still learns them; a decision that could not be made is the retryable
 * {@linkcode unavailable} error; every other denial, and anything
 * unexpected, is the not-found error.
 */
export function denialOf(error: unknown, kind: GuardedKind): Denial {
  const retryAfter = unavailableRetryAfter(error);
  if (retryAfter !== undefined) return unavailable(retryAfter);
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
