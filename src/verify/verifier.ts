/**
 * The contract between the HTTP adapter and whatever checks a token.
 *
 * @module
 */

import type { AccessToken } from "../core/context.ts";

/**
 * Turns a raw token into a verified {@linkcode AccessToken}.
 *
 * Throws `InvalidTokenError` (with a safe description) for a bad token; any
 * other exception means verification is unavailable, which the HTTP adapter
 * answers with 503, never with access.
 *
 * @example Usage
 * ```ts
 * import { InvalidTokenError, type TokenVerifier } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const verifier: TokenVerifier = {
 *   verifyToken(token) {
 *     if (token !== "let-me-in") return Promise.reject(new InvalidTokenError());
 *     return Promise.resolve({ token, clientId: "dev", scopes: ["read"], claims: {} });
 *   },
 * };
 * assert.equal((await verifier.verifyToken("let-me-in")).clientId, "dev");
 * ```
 */
export interface TokenVerifier {
  /** Verifies `token`, or throws why not. */
  verifyToken(token: string): Promise<AccessToken>;
}
