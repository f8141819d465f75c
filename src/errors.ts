/**
 * Every error that crosses the library's boundary, in one hierarchy: one
 * base class, a stable `code` per class, one constructor shape
 * (`(message?, options?)`, or `(data, options?)` for the two errors whose
 * meaning is their data), and {@linkcode AnyMcpAuthzError} to `switch` on.
 * Callers branch on the class or on `code`, never on a message.
 *
 * @module
 */

import { normalizeScopes } from "./_internal/scope_token.ts";
import {
  type AuthorizationErrorOptions,
  McpAuthzError,
  type McpAuthzErrorOptions,
} from "./errors/base.ts";
import type {
  InvalidDpopProofError,
  UseDpopNonceError,
} from "./errors/dpop.ts";

export {
  type AuthorizationErrorOptions,
  type ErrorCode,
  McpAuthzError,
  type McpAuthzErrorOptions,
} from "./errors/base.ts";
export {
  DpopError,
  type DpopErrorCode,
  InvalidDpopProofError,
  UseDpopNonceError,
} from "./errors/dpop.ts";

/**
 * Options of {@linkcode InsufficientScopeError}.
 *
 * @example Usage
 * ```ts
 * import { InsufficientScopeError, type InsufficientScopeErrorOptions } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const options: InsufficientScopeErrorOptions = { challengeScopes: ["mcp"] };
 * const error = new InsufficientScopeError(["admin"], options);
 * assert.deepEqual(error.requiredScopes, ["admin"]);
 * assert.deepEqual(error.challengeScopes, ["admin", "mcp"]);
 * ```
 */
export interface InsufficientScopeErrorOptions
  extends AuthorizationErrorOptions {
  /**
   * The scopes the operation requires that the token already holds too, for
   * the challenge (`requiredScopes` are always added).
   */
  challengeScopes?: readonly string[] | undefined;
}

/**
 * The default message of an {@linkcode InsufficientScopeError}, FastMCP's
 * wording: the scopes are no secret (the challenge names them). Internal:
 * the HTTP adapter rebuilds it when it leaves a scope out of a challenge.
 */
export function insufficientScopeMessage(scopes: readonly string[]): string {
  return scopes.length === 0
    ? "Insufficient scope"
    : `Insufficient scope. Required: ${scopes.join(", ")}`;
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
export class AuthorizationError extends McpAuthzError {
  /** Stable code for programmatic handling. */
  readonly code:
    | "ERR_AUTHORIZATION"
    | "ERR_INSUFFICIENT_SCOPE"
    | "ERR_AUTHORIZATION_UNAVAILABLE" = "ERR_AUTHORIZATION";

  /**
   * Creates a denial.
   *
   * @param message What the client may be told (default `"Not authorized"`).
   * @param options The cause, for logs.
   */
  constructor(message = "Not authorized", options?: McpAuthzErrorOptions) {
    super(message, options);
    this.name = "AuthorizationError";
  }
}

/**
 * A denial that a token with more scopes would pass: the basis of the MCP
 * step-up flow (RFC 6750 §3.1 `insufficient_scope`).
 *
 * `requiredScopes` names only the scopes the token lacks, deduplicated and
 * sorted, never the broader scopes that would imply them; the default
 * message names them too (`"Insufficient scope. Required: admin"`, as
 * FastMCP's does). `challengeScopes` adds the required scopes the token
 * already holds: what a step-up challenge's `scope` names.
 *
 * @example Usage
 * ```ts
 * import { InsufficientScopeError, AuthorizationError } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const error = new InsufficientScopeError(["files:write", "admin", "admin"]);
 * assert.ok(error instanceof AuthorizationError);
 * assert.deepEqual(error.requiredScopes, ["admin", "files:write"]);
 * assert.equal(error.message, "Insufficient scope. Required: admin, files:write");
 * ```
 */
export class InsufficientScopeError extends AuthorizationError {
  /** Stable code for programmatic handling. */
  override readonly code: "ERR_INSUFFICIENT_SCOPE" = "ERR_INSUFFICIENT_SCOPE";
  /** The unmet scopes, sorted (FastMCP's meaning). */
  readonly requiredScopes: string[];
  /**
   * Every scope the operation requires that the checks know of, held or not
   * (sorted, a superset of `requiredScopes`): what a step-up challenge's
   * `scope` names (RFC 6750 §3), so that a client which replaces its scopes
   * with the challenge's keeps the ones it already needed. Defaults to
   * `requiredScopes`.
   */
  readonly challengeScopes: string[];

  /**
   * Creates a scope shortfall.
   *
   * @param requiredScopes The unmet scopes; each must be a valid scope token.
   * @param options A replacement message (default: one naming the missing
   * scopes), the full scope set for the challenge, and a cause for logs.
   * @throws {TypeError} When a scope is not a non-empty string without
   * spaces, quotes or backslashes (RFC 6749 §3.3).
   */
  constructor(
    requiredScopes: string[],
    options?: InsufficientScopeErrorOptions,
  ) {
    const scopes = normalizeScopes(requiredScopes, "InsufficientScopeError");
    const challenge = options?.challengeScopes === undefined
      ? scopes
      : normalizeScopes(
        [...options.challengeScopes, ...scopes],
        "InsufficientScopeError challengeScopes",
      );
    super(options?.message ?? insufficientScopeMessage(scopes), options);
    this.name = "InsufficientScopeError";
    this.requiredScopes = scopes;
    this.challengeScopes = challenge;
  }
}

/**
 * Options of {@linkcode AuthorizationUnavailableError}.
 *
 * @example Usage
 * ```ts
 * import type { AuthorizationUnavailableErrorOptions } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const options: AuthorizationUnavailableErrorOptions = { retryAfter: 10 };
 * assert.equal(options.retryAfter, 10);
 * ```
 */
export interface AuthorizationUnavailableErrorOptions
  extends McpAuthzErrorOptions {
  /** Seconds after which a retry may succeed, when known. */
  retryAfter?: number | undefined;
}

/**
 * A decision that could not be made right now: the policy engine behind a
 * check (an AuthZEN PDP, for instance) was unreachable, too slow, or gave an
 * answer that is not a decision. It is an `AuthorizationError`, so code that
 * does not know it treats it as a denial (fail closed): a list hides the
 * component, `runAuthChecks` propagates it. Code that knows it says "try
 * again" instead of "not found": `Authorizer.authorize` lets it through,
 * `withBearerAuth` answers 503 with `Retry-After`, and the MCP guards answer
 * the JSON-RPC error `-32603` with `data.retryAfter`. Its message is for
 * logs, never for the client.
 *
 * @example Usage
 * ```ts
 * import { AuthorizationError, AuthorizationUnavailableError } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const error = new AuthorizationUnavailableError("PDP timed out", { retryAfter: 5 });
 * assert.ok(error instanceof AuthorizationError);
 * assert.equal(error.code, "ERR_AUTHORIZATION_UNAVAILABLE");
 * assert.equal(error.retryAfter, 5);
 * ```
 */
export class AuthorizationUnavailableError extends AuthorizationError {
  /** Stable code for programmatic handling. */
  override readonly code: "ERR_AUTHORIZATION_UNAVAILABLE" =
    "ERR_AUTHORIZATION_UNAVAILABLE";
  /** Seconds after which a retry may succeed, when known. */
  readonly retryAfter: number | undefined;

  /**
   * Creates an unavailability error.
   *
   * @param message What went wrong, for logs (default `"Authorization
   * temporarily unavailable"`).
   * @param options A retry hint in seconds, and the cause.
   */
  constructor(
    message = "Authorization temporarily unavailable",
    options?: AuthorizationUnavailableErrorOptions,
  ) {
    super(message, options);
    this.name = "AuthorizationUnavailableError";
    this.retryAfter = options?.retryAfter;
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
export class InvalidTokenError extends McpAuthzError {
  /** Stable code for programmatic handling. */
  readonly code: "ERR_INVALID_TOKEN" = "ERR_INVALID_TOKEN";

  /**
   * Creates an invalid-token error.
   *
   * @param message A safe description (default `"Invalid token"`).
   * @param options The cause, for logs. Never shown to a client.
   */
  constructor(message = "Invalid token", options?: McpAuthzErrorOptions) {
    super(message, options);
    this.name = "InvalidTokenError";
  }
}

/**
 * Options of {@linkcode VerifierUnavailableError}.
 *
 * @example Usage
 * ```ts
 * import type { VerifierUnavailableErrorOptions } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const options: VerifierUnavailableErrorOptions = { retryAfter: 30 };
 * assert.equal(options.retryAfter, 30);
 * ```
 */
export interface VerifierUnavailableErrorOptions extends McpAuthzErrorOptions {
  /** Seconds after which a retry may succeed, when known. */
  retryAfter?: number | undefined;
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
export class VerifierUnavailableError extends McpAuthzError {
  /** Stable code for programmatic handling. */
  readonly code: "ERR_VERIFIER_UNAVAILABLE" = "ERR_VERIFIER_UNAVAILABLE";
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
    options?: VerifierUnavailableErrorOptions,
  ) {
    super(message, options);
    this.name = "VerifierUnavailableError";
    this.retryAfter = options?.retryAfter;
  }
}

/**
 * A request that breaks the Bearer token rules of RFC 6750 (a malformed
 * `Authorization: Bearer` header, several credentials, or a token in the
 * URI query). `bearerAuth` answers it with 400 `invalid_request`.
 *
 * Its message is a fixed, safe description: it never contains the header or
 * the token.
 *
 * @example Usage
 * ```ts
 * import { extractBearerToken, InvalidRequestError } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const headers = new Headers({ authorization: "Bearer two tokens" });
 * assert.throws(() => extractBearerToken(headers), InvalidRequestError);
 * ```
 */
export class InvalidRequestError extends McpAuthzError {
  /** Stable code for programmatic handling. */
  readonly code: "ERR_INVALID_REQUEST" = "ERR_INVALID_REQUEST";

  /**
   * Creates an invalid-request error.
   *
   * @param message A safe description (default `"Malformed request"`).
   * @param options The cause, for logs.
   */
  constructor(message = "Malformed request", options?: McpAuthzErrorOptions) {
    super(message, options);
    this.name = "InvalidRequestError";
  }
}

/**
 * Every error class of the library, to `switch` on `code`.
 *
 * @example Usage
 * ```ts
 * import { type AnyMcpAuthzError, InvalidTokenError } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * function status(error: AnyMcpAuthzError): number {
 *   switch (error.code) {
 *     case "ERR_INVALID_REQUEST":
 *       return 400;
 *     case "ERR_INVALID_TOKEN":
 *     case "ERR_INVALID_DPOP_PROOF":
 *     case "ERR_USE_DPOP_NONCE":
 *       return 401;
 *     case "ERR_AUTHORIZATION":
 *     case "ERR_INSUFFICIENT_SCOPE":
 *       return 403;
 *     case "ERR_AUTHORIZATION_UNAVAILABLE":
 *     case "ERR_VERIFIER_UNAVAILABLE":
 *       return 503;
 *   }
 * }
 * assert.equal(status(new InvalidTokenError()), 401);
 * ```
 */
export type AnyMcpAuthzError =
  | AuthorizationError
  | InsufficientScopeError
  | AuthorizationUnavailableError
  | InvalidTokenError
  | VerifierUnavailableError
  | InvalidRequestError
  | InvalidDpopProofError
  | UseDpopNonceError;
