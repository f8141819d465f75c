/**
 * The DPoP errors of the hierarchy (RFC 9449 §7.1, §9). Re-exported by
 * `src/errors.ts`, which is what every other module imports.
 *
 * @module
 */

import {
  type AuthorizationErrorOptions,
  McpAuthzError,
  type McpAuthzErrorOptions,
} from "./base.ts";

/**
 * The OAuth error codes of RFC 9449 §7.1 and §9, as they appear in a
 * `WWW-Authenticate: DPoP error="..."` challenge.
 *
 * @example Usage
 * ```ts
 * import type { DpopErrorCode } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const code: DpopErrorCode = "use_dpop_nonce";
 * assert.equal(code, "use_dpop_nonce");
 * ```
 */
export type DpopErrorCode = "invalid_dpop_proof" | "use_dpop_nonce";

/**
 * A refused DPoP proof: {@linkcode InvalidDpopProofError} or
 * {@linkcode UseDpopNonceError}. `error` is the OAuth error code for the
 * challenge (RFC 9449 §7.1); the message is a fixed, safe description that
 * never contains the proof, the token or a claim.
 *
 * @example Usage
 * ```ts
 * import { DpopError, InvalidDpopProofError } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const error: DpopError = new InvalidDpopProofError("DPoP proof has been used before");
 * assert.ok(error instanceof DpopError);
 * assert.equal(error.error, "invalid_dpop_proof");
 * ```
 */
export abstract class DpopError extends McpAuthzError {
  /** Stable code for programmatic handling. */
  abstract override readonly code:
    | "ERR_INVALID_DPOP_PROOF"
    | "ERR_USE_DPOP_NONCE";
  /** The OAuth error code for a `WWW-Authenticate` challenge. */
  abstract readonly error: DpopErrorCode;
}

/**
 * The DPoP proof is missing, malformed, forged, stale, replayed or made for
 * another request: RFC 9449 §7.1 `invalid_dpop_proof`.
 *
 * @example Usage
 * ```ts
 * import { InvalidDpopProofError } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const error = new InvalidDpopProofError("DPoP proof is too old");
 * assert.equal(error.code, "ERR_INVALID_DPOP_PROOF");
 * assert.equal(error.error, "invalid_dpop_proof");
 * ```
 */
export class InvalidDpopProofError extends DpopError {
  /** Stable code for programmatic handling. */
  readonly code: "ERR_INVALID_DPOP_PROOF" = "ERR_INVALID_DPOP_PROOF";
  /** The OAuth error code for the challenge. */
  readonly error: "invalid_dpop_proof" = "invalid_dpop_proof";

  /**
   * Creates an invalid-proof error.
   *
   * @param message A safe description (default `"Invalid DPoP proof"`).
   * @param options The cause, for logs. Never shown to a client.
   */
  constructor(message = "Invalid DPoP proof", options?: McpAuthzErrorOptions) {
    super(message, options);
    this.name = "InvalidDpopProofError";
  }
}

/**
 * The proof lacks a valid server nonce (RFC 9449 §9): the client must retry
 * with a proof whose `nonce` claim is `nonce`, sent to it in a `DPoP-Nonce`
 * header.
 *
 * @example Usage
 * ```ts
 * import { UseDpopNonceError } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const error = new UseDpopNonceError("eyJ7S_zG.eyJH0-Z.HX4w-7v");
 * assert.equal(error.error, "use_dpop_nonce");
 * assert.equal(error.nonce, "eyJ7S_zG.eyJH0-Z.HX4w-7v");
 * ```
 */
export class UseDpopNonceError extends DpopError {
  /** Stable code for programmatic handling. */
  readonly code: "ERR_USE_DPOP_NONCE" = "ERR_USE_DPOP_NONCE";
  /** The OAuth error code for the challenge. */
  readonly error: "use_dpop_nonce" = "use_dpop_nonce";
  /** The fresh nonce for the `DPoP-Nonce` response header. */
  readonly nonce: string;

  /**
   * Creates a nonce demand.
   *
   * @param nonce The fresh nonce the client must use.
   * @param options A replacement message, and a cause for logs.
   */
  constructor(nonce: string, options?: AuthorizationErrorOptions) {
    super(
      options?.message ?? "Resource server requires nonce in DPoP proof",
      options,
    );
    this.name = "UseDpopNonceError";
    this.nonce = nonce;
  }
}
