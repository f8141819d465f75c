/**
 * How a sender-constrained token scheme (DPoP, RFC 9449) plugs into
 * `bearerAuth`: it reads its own credentials, confirms a token `bearerAuth`
 * has verified against the request, and names its challenge parameters.
 * It never builds a `Response`: it returns tokens and throws typed errors,
 * and `bearerAuth` renders every answer once, in the scheme the client used.
 * The interface lives here so that `src/dpop/` depends on `src/http/`, never
 * the reverse, and a server without DPoP never loads DPoP code.
 *
 * @module
 */

import type { AccessToken } from "../core/context.ts";
import { isRecord } from "../_internal/options.ts";

/**
 * A token scheme besides `Bearer`, for the `dpop` option of `bearerAuth`
 * and `withBearerAuth`; `dpopScheme()` makes the one this library ships.
 *
 * `bearerAuth` calls it on every request: {@linkcode AuthScheme.readToken}
 * first, then, once the token is verified (expiry, resource and scopes
 * included), {@linkcode AuthScheme.confirm}. What `confirm` throws is mapped
 * like a verifier's errors: `InvalidTokenError` -> 401 `invalid_token`,
 * `InvalidDpopProofError` -> 401 `invalid_dpop_proof`, `UseDpopNonceError`
 * -> 401 `use_dpop_nonce` with `DPoP-Nonce`, anything else -> 503 (reported
 * to `onError`), each in the scheme of the request's credentials.
 *
 * @example Usage
 * ```ts
 * import { type AuthScheme, dpopScheme } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const scheme: AuthScheme = dpopScheme({ required: true, algorithms: ["ES256"] });
 * assert.equal(scheme.name, "DPoP");
 * assert.deepEqual(scheme.challengeParams, { algs: "ES256" });
 * const request = new Request("https://mcp.example.com/mcp", {
 *   headers: { authorization: "DPoP eyJ.token" },
 * });
 * assert.equal(scheme.readToken(request), "eyJ.token");
 * ```
 */
export interface AuthScheme {
  /** The auth-scheme of its credentials and challenges (`"DPoP"`). */
  readonly name: string;
  /**
   * Refuse `Bearer` credentials (401 before any verification) and challenge
   * only this scheme; otherwise both are accepted and challenged.
   */
  readonly required: boolean;
  /** Auth-params every challenge of this scheme carries (`algs`, §7.1). */
  readonly challengeParams: Readonly<Record<string, string>>;
  /**
   * The token of the request's `Authorization` when it uses this scheme.
   *
   * @returns The token, or `undefined` for another scheme or none.
   * @throws {InvalidRequestError} When it uses this scheme the wrong way
   * (400 `invalid_request`).
   */
  readToken(request: Request): string | undefined;
  /**
   * Confirms a verified token against the request it came with.
   *
   * @param request The request as the client sent it.
   * @param token The verified token.
   * @param viaScheme `true` when it came with this scheme's credentials,
   * `false` when it came as `Bearer`.
   * @returns The token to hand to the application (e.g. with the confirmed
   * key in `extra`).
   * @throws {InvalidTokenError} When the token may not be used this way.
   * @throws {DpopError} When the proof is refused.
   */
  confirm(
    request: Request,
    token: AccessToken,
    viaScheme: boolean,
  ): AccessToken | Promise<AccessToken>;
  /**
   * Headers for a successful (2xx) response to a request that came with
   * this scheme's credentials, such as a fresh `DPoP-Nonce` (RFC 9449
   * §8.2). `withBearerAuth` adds them to the handler's response; with
   * `bearerAuth`, call it yourself. Optional.
   *
   * @returns Header name -> value, or `undefined` for none.
   */
  successHeaders?(): Promise<Record<string, string> | undefined>;
}

/** Whether `value` has the shape of an {@linkcode AuthScheme}. Internal. */
export function isAuthScheme(value: unknown): value is AuthScheme {
  return isRecord(value) && typeof value.name === "string" &&
    typeof value.required === "boolean" && isRecord(value.challengeParams) &&
    typeof value.readToken === "function" &&
    typeof value.confirm === "function" &&
    (value.successHeaders === undefined ||
      typeof value.successHeaders === "function");
}
