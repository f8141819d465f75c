/**
 * The root of the error hierarchy: the stable codes, the options every
 * constructor takes, and `McpAuthzError`. Re-exported by `src/errors.ts`,
 * which is what every other module imports.
 *
 * @module
 */

/**
 * The stable code of every error class, as `error.code`.
 *
 * @example Usage
 * ```ts
 * import type { ErrorCode } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const code: ErrorCode = "ERR_INSUFFICIENT_SCOPE";
 * assert.equal(code, "ERR_INSUFFICIENT_SCOPE");
 * ```
 */
export type ErrorCode =
  | "ERR_AUTHORIZATION"
  | "ERR_INSUFFICIENT_SCOPE"
  | "ERR_AUTHORIZATION_UNAVAILABLE"
  | "ERR_INVALID_TOKEN"
  | "ERR_VERIFIER_UNAVAILABLE"
  | "ERR_INVALID_REQUEST"
  | "ERR_INVALID_DPOP_PROOF"
  | "ERR_USE_DPOP_NONCE";

/**
 * Options accepted by every error constructor.
 *
 * @example Usage
 * ```ts
 * import { AuthorizationError, type McpAuthzErrorOptions } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const options: McpAuthzErrorOptions = { cause: new Error("policy store down") };
 * assert.equal(new AuthorizationError("Denied", options).cause, options.cause);
 * ```
 */
export interface McpAuthzErrorOptions {
  /** The underlying cause, for logs. Never shown to a client. */
  cause?: unknown;
}

/**
 * Options of the errors whose first argument is their data
 * ({@linkcode InsufficientScopeError}, {@linkcode UseDpopNonceError}).
 *
 * @example Usage
 * ```ts
 * import { type AuthorizationErrorOptions, InsufficientScopeError } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const options: AuthorizationErrorOptions = { message: "Ask for files:write" };
 * assert.equal(new InsufficientScopeError(["files:write"], options).message, "Ask for files:write");
 * ```
 */
export interface AuthorizationErrorOptions extends McpAuthzErrorOptions {
  /** Replaces the default message. It reaches the client: keep it generic. */
  message?: string | undefined;
}

/** `ErrorOptions` for `Error`, only when there is a cause. */
function errorOptions(
  options: McpAuthzErrorOptions | undefined,
): ErrorOptions | undefined {
  return options?.cause === undefined ? undefined : { cause: options.cause };
}

/**
 * The root of every error this library throws on purpose. Not constructed
 * directly: catch it to handle any of them, then switch on `code`.
 *
 * @example Usage
 * ```ts
 * import { InvalidTokenError, McpAuthzError } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const error: unknown = new InvalidTokenError("Token expired");
 * assert.ok(error instanceof McpAuthzError);
 * assert.equal(error.code, "ERR_INVALID_TOKEN");
 * ```
 */
export abstract class McpAuthzError extends Error {
  /** Stable code for programmatic handling. */
  abstract readonly code: ErrorCode;

  /**
   * Sets the message and the cause.
   *
   * @param message What went wrong.
   * @param options The cause, for logs.
   */
  constructor(message: string, options?: McpAuthzErrorOptions) {
    super(message, errorOptions(options));
  }
}
