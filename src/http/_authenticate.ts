/**
 * The authentication pipeline of `bearerAuth`, on outcomes: read the
 * credentials, verify the token, check expiry, resource and scopes, let a
 * token scheme (DPoP) confirm it. Each step returns the token or a
 * {@linkcode Refusal}; typed errors map to outcomes here, and only
 * `bearerAuth` turns a refusal into a `Response`, once. Internal.
 *
 * @module
 */

import { reportSafely } from "../_internal/report.ts";
import { normalizeScopes } from "../_internal/scope_token.ts";
import type { AccessToken } from "../core/context.ts";
import { holdsAll } from "../core/scopes.ts";
import {
  AuthorizationError,
  AuthorizationUnavailableError,
  DpopError,
  InsufficientScopeError,
  InvalidRequestError,
  InvalidTokenError,
  UseDpopNonceError,
  VerifierUnavailableError,
} from "../errors.ts";
import { extractBearerToken } from "./bearer.ts";
import { type Config, resourceKey } from "./_bearer_config.ts";
import type { Outcome } from "./challenge.ts";

/** Why a request is refused, and the scheme of its credentials. */
export class Refusal {
  /** The outcome to render. */
  readonly outcome: Outcome;
  /** The scheme the client used (`Bearer`, `DPoP`), when it sent one. */
  readonly used: string | undefined;

  /** Pairs an outcome with the scheme it answers. */
  constructor(outcome: Outcome, used: string | undefined) {
    this.outcome = outcome;
    this.used = used;
  }
}

/**
 * The token of a request that came with the configured scheme's
 * credentials (a Bearer token is its plain string: no allocation on the
 * common path).
 */
export class SchemeCredentials {
  /** The raw access token. */
  readonly raw: string;
  /** The scheme's name. */
  readonly used: string;

  /** Wraps the token of a scheme's credentials. */
  constructor(raw: string, used: string) {
    this.raw = raw;
    this.used = used;
  }
}

/** The credentials of a request: a Bearer token, or a scheme's. */
export type Credentials = string | SchemeCredentials;

const BEARER = "Bearer";
// RFC 9449 §8.1: nonce = 1*NQCHAR; anything else could split a header.
const NONCE = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** Reports a failure that answers 503 to `onError`, which cannot break it. */
function reportUnavailable(config: Config, error: unknown): Outcome {
  reportSafely(config.onError, error);
  let retryAfter: unknown;
  try {
    retryAfter = error instanceof VerifierUnavailableError
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
  scopes: readonly string[] = config.requiredScopes,
): Outcome {
  return scopes.length > 0
    ? { type: "missing_token", scopes }
    : { type: "missing_token" };
}

function invalidToken(config: Config, description: string): Outcome {
  return {
    type: "invalid_token",
    description,
    scopes: config.requiredScopes,
  };
}

/**
 * A description fit for a client: a string that does not contain the token
 * presented (a custom verifier or check may have put it in its message).
 */
function withoutToken(
  description: unknown,
  raw: string | undefined,
  fallback: string,
): string {
  if (typeof description !== "string") return fallback;
  if (raw !== undefined && raw !== "" && description.includes(raw)) {
    return fallback;
  }
  return description;
}

/**
 * The credentials of a request: the configured scheme's first (its
 * malformed credentials answer 400 in that scheme), then `Bearer`.
 *
 * @returns The credentials, `undefined` when there are none, or the refusal.
 */
export function readCredentials(
  config: Config,
  request: Request,
): Credentials | Refusal | undefined {
  const scheme = config.scheme;
  let used = BEARER;
  try {
    let raw: string | undefined;
    if (scheme !== undefined) {
      used = scheme.name;
      raw = scheme.readToken(request);
    }
    // Also refuses `access_token` in the query, whatever the scheme.
    const bearer = extractBearerToken(request);
    if (raw !== undefined) return new SchemeCredentials(raw, used);
    used = BEARER;
    if (bearer === undefined) return undefined;
    if (scheme?.required === true) {
      // RFC 9449 §7.1: refused before any verifier work.
      return new Refusal({
        type: "invalid_token",
        description: `${scheme.name}-bound token and proof required`,
      }, scheme.name);
    }
    return bearer;
  } catch (error) {
    if (error instanceof InvalidRequestError) {
      return new Refusal(
        { type: "invalid_request", description: error.message },
        used,
      );
    }
    return new Refusal(reportUnavailable(config, error), used);
  }
}

/** Maps what a verifier threw; only InvalidTokenError means "bad token". */
function fromVerifierError(
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
      scopes: error.requiredScopes,
      description: withoutToken(error.message, raw, "Insufficient scope"),
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
function fromSchemeError(
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

/** Whether a verifier's answer is an AccessToken for `raw` (fail closed). */
function isAccessToken(value: unknown, raw: string): value is AccessToken {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return false;
  }
  const { token, clientId, scopes, claims, expiresAt, resource, extra } =
    value as Record<string, unknown>;
  if (
    token !== raw || typeof clientId !== "string" || !Array.isArray(scopes) ||
    !isPlainRecord(claims)
  ) {
    return false;
  }
  for (let i = 0; i < scopes.length; i++) {
    if (typeof scopes[i] !== "string") return false;
  }
  return (expiresAt === undefined ||
    (typeof expiresAt === "number" && Number.isFinite(expiresAt))) &&
    (resource === undefined || resource instanceof URL) &&
    (extra === undefined || isPlainRecord(extra));
}

function isPlainRecord(value: unknown): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Expiry, resource and scopes of a verified token. */
function checkToken(
  config: Config,
  token: unknown,
  raw: string,
  used: string,
): AccessToken | Refusal {
  if (!isAccessToken(token, raw)) {
    return new Refusal(
      reportUnavailable(
        config,
        new TypeError(
          "The verifier returned something that is not an AccessToken for the presented token",
        ),
      ),
      used,
    );
  }
  if (token.expiresAt !== undefined) {
    // Written so that a NaN clock denies: only a clock provably before the
    // expiry lets the token through (RFC 7519 §4.1.4).
    const now = config.now();
    if (!(now < token.expiresAt * 1000 + config.toleranceMs)) {
      return new Refusal(invalidToken(config, "Token expired"), used);
    }
  }
  if (
    config.resource !== undefined &&
    (token.resource === undefined ||
      resourceKey(token.resource) !== config.resource)
  ) {
    return new Refusal(
      invalidToken(config, "Token was not issued for this resource"),
      used,
    );
  }
  const required = config.requiredScopes;
  if (required.length > 0) {
    if (!holdsAll(token.scopes, required, config.hierarchy)) {
      // RFC 6750 §3: `scope` names the scope necessary for the request, so
      // all required scopes, not only the missing ones: a client that
      // replaces its scopes with the challenge's still gets what it needs.
      return new Refusal(
        { type: "insufficient_scope", scopes: required },
        used,
      );
    }
  }
  return token;
}

/**
 * Verifies the token of `credentials`, checks it, and lets the scheme
 * confirm it. `respond` maps a refusal to what the caller returns (a
 * `Response` for `bearerAuth`), inside this one async step: the hot path
 * pays for no extra promise.
 *
 * @returns The token to hand to the application, or `respond`'s answer.
 */
export async function verifyCredentials<R>(
  config: Config,
  request: Request,
  credentials: Credentials,
  respond: (refusal: Refusal) => R,
): Promise<AccessToken | R> {
  const viaScheme = credentials instanceof SchemeCredentials;
  const raw = viaScheme ? credentials.raw : credentials;
  const used = viaScheme ? credentials.used : BEARER;
  let verified: unknown;
  try {
    verified = await config.verifier.verifyToken(raw);
  } catch (error) {
    try {
      return respond(new Refusal(fromVerifierError(config, error, raw), used));
    } catch (hostile) {
      // A thrown Proxy or getter that throws: still a 503, never a 500.
      return respond(new Refusal(reportUnavailable(config, hostile), used));
    }
  }
  let token: AccessToken | Refusal;
  try {
    token = checkToken(config, verified, raw, used);
  } catch (error) {
    token = new Refusal(reportUnavailable(config, error), used);
  }
  if (token instanceof Refusal) return respond(token);
  const scheme = config.scheme;
  if (scheme === undefined) return token;
  try {
    // The token is verified (expiry and scopes included) before the proof,
    // so only holders of a valid token reach a scheme's replay store.
    return await scheme.confirm(request, token, viaScheme);
  } catch (error) {
    try {
      return respond(new Refusal(fromSchemeError(config, error, raw), used));
    } catch (hostile) {
      return respond(new Refusal(reportUnavailable(config, hostile), used));
    }
  }
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
    const scopes = error instanceof InsufficientScopeError
      ? normalizeScopes(error.requiredScopes, "InsufficientScopeError")
      : [];
    if (token === undefined) {
      return missingToken(
        config,
        [...new Set([...config.requiredScopes, ...scopes])].sort(),
      );
    }
    if (scopes.length > 0) {
      return {
        type: "insufficient_scope",
        scopes,
        description: withoutToken(
          error.message,
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
