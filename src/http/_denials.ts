/**
 * What each refusal of `bearerAuth` is, as an outcome: a verifier's, a
 * scheme's or a handler's error mapped to the outcome the renderer turns
 * into a `Response`, the scopes a challenge names, and the 503 reports.
 * Internal.
 *
 * @module
 */

import { reportSafely } from "../_internal/report.ts";
import { normalizeScopes, OFFLINE_ACCESS } from "../_internal/scope_token.ts";
import type { AccessToken } from "../core/context.ts";
import {
  AuthorizationError,
  AuthorizationUnavailableError,
  DpopError,
  InsufficientScopeError,
  insufficientScopeMessage,
  InvalidTokenError,
  UseDpopNonceError,
  VerifierUnavailableError,
} from "../errors.ts";
import type { Config } from "./_bearer_config.ts";
import type { Outcome } from "./challenge.ts";

// RFC 9449 §8.1: nonce = 1*NQCHAR; anything else could split a header.
const NONCE = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * The error's message, unless it is the default one: that is rebuilt without
 * `offline_access`, which no challenge names (MCP, "Refresh Tokens").
 */
function scopeDescription(error: InsufficientScopeError): string {
  const scopes = error.requiredScopes;
  if (error.message !== insufficientScopeMessage(scopes)) return error.message;
  return insufficientScopeMessage(
    scopes.filter((scope) => scope !== OFFLINE_ACCESS),
  );
}

/** Reports a failure that answers 503 to `onError`, which cannot break it. */
export function reportUnavailable(config: Config, error: unknown): Outcome {
  reportSafely(config.onError, error);
  let retryAfter: unknown;
  try {
    retryAfter = error instanceof VerifierUnavailableError ||
        error instanceof AuthorizationUnavailableError
      ? error.retryAfter
      : (error as { retryAfter?: unknown } | null)?.retryAfter;
  } catch {
    // A getter that throws: still a 503, never a 500.
  }
  return typeof retryAfter === "number"
    ? { type: "unavailable", retryAfter }
    : { type: "unavailable" };
}

/** The outcome of a request that brings no token. */
export function missingToken(
  config: Config,
  scopes: readonly string[] = config.challengeScopes,
): Outcome {
  return scopes.length > 0
    ? { type: "missing_token", scopes }
    : { type: "missing_token" };
}

export function invalidToken(config: Config, description: string): Outcome {
  return {
    type: "invalid_token",
    description,
    scopes: config.challengeScopes,
  };
}

/**
 * The `scope` of a step-up challenge (RFC 6750 §3, "the scope necessary to
 * access the resource"): every scope the operation requires that the
 * scope-aware checks know of, held or not, never a broader parent. So the
 * error's `challengeScopes` (its unmet `requiredScopes` with the held
 * ones), and what every request here needs (`challengeScopes` of the
 * config: `requiredScopes` and the verifier's). A client that replaces its
 * scopes with the challenge's (MCP 2025-11-25) keeps what it already
 * needed; one that adds them up (2026-07-28) asks for nothing more.
 *
 * @throws {TypeError} When the error's scopes were altered into
 * something that is not a list of scope tokens.
 */
export function stepUpScopes(
  config: Config,
  error: InsufficientScopeError,
): string[] {
  const held: unknown = error.challengeScopes;
  const unmet: unknown = error.requiredScopes;
  return normalizeScopes([
    ...(Array.isArray(held) ? held : []),
    ...(Array.isArray(unmet) ? unmet : []),
    ...config.challengeScopes,
  ], "InsufficientScopeError");
}

/** `scopes` with what every request here needs, for a step-up challenge. */
export function withConfigScopes(
  config: Config,
  scopes: readonly string[],
): string[] {
  return [...new Set([...scopes, ...config.challengeScopes])].sort();
}

/**
 * A description fit for a client: a string that does not contain the token
 * presented (a custom verifier or check may have put it in its message),
 * neither as given nor as it is sent: cleaning for the header removes
 * control characters, which could otherwise hide the token from the look.
 */
export function withoutToken(
  description: unknown,
  raw: string | undefined,
  fallback: string,
): string {
  if (typeof description !== "string") return fallback;
  if (raw === undefined || raw === "") return description;
  if (description.includes(raw)) return fallback;
  // What the header keeps of it (`headerDescription`), before any cut.
  const sent = description.replace(/[^\x20-\x7E]/g, "");
  return sent.includes(raw) ? fallback : description;
}

/** Maps what a verifier threw; only InvalidTokenError means "bad token". */
export function fromVerifierError(
  config: Config,
  error: unknown,
  raw: string,
): Outcome {
  // Could not decide now: a retry, not a denial.
  if (error instanceof AuthorizationUnavailableError) {
    return reportUnavailable(config, error);
  }
  if (error instanceof InvalidTokenError) {
    return invalidToken(
      config,
      withoutToken(error.message, raw, "Invalid token"),
    );
  }
  if (
    error instanceof InsufficientScopeError && error.requiredScopes.length > 0
  ) {
    return {
      type: "insufficient_scope",
      scopes: stepUpScopes(config, error),
      description: withoutToken(
        scopeDescription(error),
        raw,
        "Insufficient scope",
      ),
    };
  }
  if (error instanceof AuthorizationError) {
    return {
      type: "forbidden",
      description: withoutToken(error.message, raw, "Not authorized"),
    };
  }
  return reportUnavailable(config, error);
}

/** Maps what a scheme's `confirm` threw. */
export function fromSchemeError(
  config: Config,
  error: unknown,
  raw: string,
): Outcome {
  if (error instanceof UseDpopNonceError) {
    // A nonce policy of the user's own: refuse to echo a value that is not
    // RFC 9449 §8.1 syntax (it could split the header).
    if (typeof error.nonce !== "string" || !NONCE.test(error.nonce)) {
      return reportUnavailable(config, new TypeError("Malformed DPoP nonce"));
    }
    return {
      type: "use_dpop_nonce",
      description: withoutToken(error.message, raw, "Invalid DPoP proof"),
      nonce: error.nonce,
    };
  }
  if (error instanceof DpopError) {
    return {
      type: "invalid_dpop_proof",
      description: withoutToken(error.message, raw, "Invalid DPoP proof"),
    };
  }
  if (error instanceof InvalidTokenError) {
    return {
      type: "invalid_token",
      description: withoutToken(error.message, raw, "Invalid token"),
    };
  }
  return reportUnavailable(config, error);
}

/**
 * Maps an AuthorizationError thrown by a `withBearerAuth` handler to its
 * outcome; a hostile error (a throwing getter, scopes altered after
 * construction) is still a denial. `AuthorizationUnavailableError` (the
 * policy engine could not decide) is the `unavailable` outcome, token or
 * not: a retry is the way forward.
 */
export function fromHandlerDenial(
  config: Config,
  error: AuthorizationError,
  token: AccessToken | undefined,
): Outcome {
  try {
    if (error instanceof AuthorizationUnavailableError) {
      return reportUnavailable(config, error);
    }
    const unmet = error instanceof InsufficientScopeError
      ? normalizeScopes(error.requiredScopes, "InsufficientScopeError")
      : [];
    const scopes = unmet.length > 0
      ? stepUpScopes(config, error as InsufficientScopeError)
      : [];
    if (token === undefined) {
      return missingToken(config, withConfigScopes(config, scopes));
    }
    if (scopes.length > 0) {
      return {
        type: "insufficient_scope",
        scopes,
        description: withoutToken(
          scopeDescription(error as InsufficientScopeError),
          token.token,
          "Insufficient scope",
        ),
      };
    }
    return {
      type: "forbidden",
      description: withoutToken(error.message, token.token, "Not authorized"),
    };
  } catch {
    return { type: "forbidden" };
  }
}
