/**
 * Turns the Authorizer's denials into what an MCP client sees: a JSON-RPC
 * error in the message flow, or a scope challenge for the HTTP transport.
 * SDK-independent: each binding wraps a {@linkcode Denial} in its SDK's
 * error class.
 *
 * A thrown `InsufficientScopeError` is read once and re-validated here: a
 * layer may throw one whose scopes were altered after construction, a
 * look-alike, or a Proxy whose getters throw. Anything that does not read
 * as a list of RFC 6749 scope tokens is the not-found denial, never a 500
 * or a message of its own.
 *
 * @module
 */

import {
  AuthorizationUnavailableError,
  InsufficientScopeError,
} from "../errors.ts";
import { retryAfterSeconds } from "../_internal/retry_after.ts";
import { isScopeToken } from "../_internal/scope_token.ts";

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
  data?:
    | { requiredScopes: string[] }
    | { uri: string }
    | { retryAfter: number };
}

/** The shape of the v2 SDK's `ScopeChallenge`. */
export interface ScopeChallengeShape {
  scopes: [string, ...string[]];
  errorDescription?: string;
}

/** A scope shortfall, validated. */
interface Shortfall {
  /** The unmet scopes, sorted: what the message names. */
  readonly missing: readonly [string, ...string[]];
  /** Every scope to ask for, held ones included, sorted (RFC 6750 §3). */
  readonly challenge: [string, ...string[]];
}

/** Sorted, deduplicated scope tokens, or `undefined` for anything else. */
function scopeTokens(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const scopes: unknown[] = [...value];
  return scopes.every(isScopeToken)
    ? [...new Set(scopes as string[])].sort()
    : undefined;
}

/**
 * The shortfall an `InsufficientScopeError` names, each property read once,
 * or `undefined` when `error` is not one or does not read as scope tokens.
 */
function shortfallOf(error: unknown): Shortfall | undefined {
  try {
    if (!(error instanceof InsufficientScopeError)) return undefined;
    const required: unknown = error.requiredScopes;
    const held: unknown = error.challengeScopes;
    const missing = scopeTokens(required);
    const all = held === undefined ? missing : scopeTokens(held);
    if (missing === undefined || all === undefined) return undefined;
    const [first, ...rest] = missing;
    if (first === undefined) return undefined;
    const challenge = [...new Set([...all, ...missing])].sort();
    return {
      missing: [first, ...rest],
      challenge: challenge as [string, ...string[]],
    };
  } catch {
    // A Proxy or getter that throws: no shortfall can be read from it.
    return undefined;
  }
}

/**
 * The one error for an unknown component and for one the token may not use
 * (its own `auth`, or an opaque layer, denied), so existence never leaks.
 * A `resources/read` echoes the URI the client sent as `data.uri` (SEP-2164),
 * which reveals nothing the client did not say.
 */
export function notFound(kind: GuardedKind, uri?: unknown): Denial {
  const denial: Denial = {
    code: INVALID_PARAMS,
    message: `${kind} not found or not authorized`,
  };
  if (typeof uri === "string") denial.data = { uri };
  return denial;
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
 * The JSON-RPC error for a denial: a scope shortfall names the missing
 * scopes in its message and every scope to ask for in
 * `data.requiredScopes` (the same set as the HTTP 403's `scope`), so a
 * client that never sees the 403 still learns them; a decision that could
 * not be made is the retryable {@linkcode unavailable} error; every other
 * denial, and anything unexpected, is the not-found error.
 *
 * @param uri For a `resources/read`, the URI the client sent.
 */
export function denialOf(
  error: unknown,
  kind: GuardedKind,
  uri?: unknown,
): Denial {
  const retryAfter = unavailableRetryAfter(error);
  if (retryAfter !== undefined) return unavailable(retryAfter);
  const shortfall = shortfallOf(error);
  if (shortfall === undefined) return notFound(kind, uri);
  return {
    code: INVALID_PARAMS,
    // Composed here from the validated scopes, never the thrown message.
    message: new InsufficientScopeError([...shortfall.missing]).message,
    data: { requiredScopes: [...shortfall.challenge] },
  };
}

/**
 * The step-up challenge for a denial (RFC 6750 §3.1 `insufficient_scope`,
 * MCP "Step-Up Authorization Flow"), naming every scope to ask for, or
 * `undefined` when the denial is not a scope shortfall.
 */
export function scopeChallengeOf(
  error: unknown,
): ScopeChallengeShape | undefined {
  const shortfall = shortfallOf(error);
  if (shortfall === undefined) return undefined;
  return {
    scopes: shortfall.challenge,
    errorDescription: "Insufficient scope",
  };
}
