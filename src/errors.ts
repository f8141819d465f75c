/**
 * The errors that cross the library's boundary. Callers branch on the class
 * (or on the stable `code`), never on a message.
 *
 * @module
 */

import { normalizeScopes } from "./core/scopes.ts";

/** Options accepted by the error constructors. */
export interface AuthorizationErrorOptions {
  /** Replaces the default message. It reaches the client: keep it generic. */
  message?: string;
  /** The underlying cause, for logs. Never shown to a client. */
  cause?: unknown;
}

/**
 * A decision to deny, raised on purpose. A check may throw it to stop the
 * chain with its own message; the runner lets it through unchanged, whereas
 * every other exception is masked.
 *
 * @example Usage
 * ```ts
 * import { AuthorizationError } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const error = new AuthorizationError("Tool not found or not authorized");
 * assert.equal(error.name, "AuthorizationError");
 * assert.equal(error.code, "ERR_AUTHORIZATION");
 * ```
 */
export class AuthorizationError extends Error {
  /** Stable code for programmatic handling. */
  readonly code: string = "ERR_AUTHORIZATION";

  /**
   * Creates a denial.
   *
   * @param message What the client may be told (default `"Not authorized"`).
   * @param options The cause, for logs.
   */
  constructor(message = "Not authorized", options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AuthorizationError";
  }
}

/**
 * A denial that a token with more scopes would pass: the basis of the MCP
 * step-up flow (RFC 6750 §3.1 `insufficient_scope`).
 *
 * `requiredScopes` names only the scopes the token lacks, deduplicated and
 * sorted, never the broader scopes that would imply them.
 *
 * @example Usage
 * ```ts
 * import { InsufficientScopeError, AuthorizationError } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const error = new InsufficientScopeError(["files:write", "admin", "admin"]);
 * assert.ok(error instanceof AuthorizationError);
 * assert.deepEqual(error.requiredScopes, ["admin", "files:write"]);
 * ```
 */
export class InsufficientScopeError extends AuthorizationError {
  /** Stable code for programmatic handling. */
  override readonly code: string = "ERR_INSUFFICIENT_SCOPE";
  /** The unmet scopes, sorted. */
  readonly requiredScopes: string[];

  /**
   * Creates a scope shortfall.
   *
   * @param requiredScopes The unmet scopes; each must be a valid scope token.
   * @param options A replacement message, and a cause for logs.
   * @throws {TypeError} When a scope is not a non-empty string without
   * spaces, quotes or backslashes (RFC 6749 §3.3).
   */
  constructor(requiredScopes: string[], options?: AuthorizationErrorOptions) {
    const scopes = normalizeScopes(requiredScopes, "InsufficientScopeError");
    super(
      options?.message ?? "Insufficient scope",
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = "InsufficientScopeError";
    this.requiredScopes = scopes;
  }
}

/**
 * A token that is malformed, expired, forged or otherwise not acceptable.
 * Its message is a safe description for the `error_description` of an
 * RFC 6750 `invalid_token` challenge: it never contains the token or a claim.
 * A verifier throws it; any other exception from a verifier means that
 * verification is unavailable (HTTP 503).
 *
 * @example Usage
 * ```ts
 * import { InvalidTokenError } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const error = new InvalidTokenError("Token expired");
 * assert.equal(error.name, "InvalidTokenError");
 * assert.equal(error.code, "ERR_INVALID_TOKEN");
 * ```
 */
export class InvalidTokenError extends Error {
  /** Stable code for programmatic handling. */
  readonly code: string = "ERR_INVALID_TOKEN";

  /**
   * Creates an invalid-token error.
   *
   * @param message A safe description (default `"Invalid token"`).
   * @param options The cause, for logs. Never shown to a client.
   */
  constructor(message = "Invalid token", options?: { cause?: unknown }) {
    super(message, options);
    this.name = "InvalidTokenError";
  }
}

/**
 * Verification could not be done right now (a JWKS or introspection endpoint
 * unreachable, no key held): the HTTP adapter answers 503 with
 * `Retry-After`. Any exception a verifier throws other than
 * `InvalidTokenError` is treated the same way; this class only adds the
 * retry hint. Its message is for logs, never for the client.
 *
 * @example Usage
 * ```ts
 * import { VerifierUnavailableError } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const error = new VerifierUnavailableError("JWKS fetch failed", { retryAfter: 30 });
 * assert.equal(error.retryAfter, 30);
 * assert.equal(error.code, "ERR_VERIFIER_UNAVAILABLE");
 * ```
 */
export class VerifierUnavailableError extends Error {
  /** Stable code for programmatic handling. */
  readonly code: string = "ERR_VERIFIER_UNAVAILABLE";
  /** Seconds after which a retry may succeed, when known. */
  readonly retryAfter: number | undefined;

  /**
   * Creates an unavailability error.
   *
   * @param message What went wrong, for logs.
   * @param options A retry hint in seconds, and the cause.
   */
  constructor(
    message = "Token verification unavailable",
    options?: { retryAfter?: number; cause?: unknown },
  ) {
    super(
      message,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = "VerifierUnavailableError";
    this.retryAfter = options?.retryAfter;
  }
}
