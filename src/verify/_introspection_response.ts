/**
 * What an RFC 7662 introspection answer means: whether it describes an
 * active access token meant for this server, and the token it describes.
 * Pure: the request and the cache are `IntrospectionVerifier`'s. Internal.
 *
 * @module
 */

import type { AccessToken } from "../core/context.ts";
import { InvalidTokenError } from "../errors.ts";
import {
  checkTimeClaims,
  clientIdFromClaims,
  deepFreeze,
  matchAudience,
  scopesFromClaims,
} from "./_claims.ts";
import type { Audiences } from "./_options.ts";

/** A verified token without its text, as the cache holds it. */
export type Verified = Omit<AccessToken, "token">;

/** The checks an answer must pass, compiled from the verifier's options. */
export interface ResponseRules {
  /** Accepted `iss` values, or `undefined` for any. */
  readonly issuer: readonly string[] | undefined;
  /** Accepted `aud` values, or `undefined` when the check is off. */
  readonly audiences: Audiences | undefined;
  /** Leeway for `exp` and `nbf`, in seconds. */
  readonly clockTolerance: number;
  /** Whether an answer without `exp` is refused. */
  readonly requireExp: boolean;
}

/**
 * `token_type` values (RFC 7662 §2.2, compared case-insensitively as RFC 6749
 * §5.1 asks) that name a Bearer access token: "bearer" (RFC 6750), and the
 * "access_token" / RFC 8693 §3 URI some servers send. "DPoP" (RFC 9449
 * §6.2) is accepted only with a `cnf.jkt`: `bearerAuth` then requires the
 * DPoP scheme and a proof of that key, and refuses the token as a Bearer
 * token. Anything else is refused: "refresh_token", "N_A" (RFC 8693
 * §2.2.1, not an access token), "mac", unknown types.
 */
const ACCESS_TOKEN_TYPES: ReadonlySet<string> = new Set([
  "bearer",
  "access_token",
  "urn:ietf:params:oauth:token-type:access_token",
]);

/**
 * Checks an introspection answer (RFC 7662 §2.2), then its claims as a
 * JWT's would be (RFC 7519 §4.1): `active` exactly `true`, an access-token
 * `token_type` when there is one, `exp`, `nbf`, `iss`, `aud`.
 *
 * @param response The endpoint's JSON object; frozen and kept as `claims`.
 * @param rules The checks to apply.
 * @param nowMs The time to judge `exp` and `nbf` by, in ms since the epoch.
 * @returns The token it describes.
 * @throws {InvalidTokenError} With a safe description, when a check fails.
 */
export function introspectionResult(
  response: Record<string, unknown>,
  rules: ResponseRules,
  nowMs: number,
): Verified {
  if (response.active !== true) throw new InvalidTokenError("Token inactive");
  // token_type_hint is only a hint (RFC 7662 §2.1): the server may answer
  // for a refresh token; its `token_type` says so when present.
  const type = response.token_type;
  if (typeof type === "string" && type.toLowerCase() === "dpop") {
    if (!hasJkt(response.cnf)) {
      throw new InvalidTokenError("Token is not an access token");
    }
  } else if (
    type !== undefined &&
    !(typeof type === "string" && ACCESS_TOKEN_TYPES.has(type.toLowerCase()))
  ) {
    throw new InvalidTokenError("Token is not an access token");
  }
  checkTimeClaims(
    response,
    Math.floor(nowMs / 1000),
    rules.clockTolerance,
    rules.requireExp,
  );
  // `iss` is optional in an answer (RFC 7662 §2.2); when it is there, it
  // must be one of the accepted issuers, exactly (RFC 9068 §4).
  if (
    rules.issuer !== undefined && response.iss !== undefined &&
    !(typeof response.iss === "string" && rules.issuer.includes(response.iss))
  ) {
    throw new InvalidTokenError("Token issuer mismatch");
  }
  const claims = deepFreeze(response);
  const exp = claims.exp;
  const verified: Verified = {
    clientId: clientIdFromClaims(claims),
    scopes: scopesFromClaims(claims),
    claims,
  };
  if (typeof exp === "number") verified.expiresAt = exp;
  if (rules.audiences !== undefined) {
    const matched = matchAudience(claims.aud, rules.audiences);
    if (matched === undefined) {
      throw new InvalidTokenError("Token audience mismatch");
    }
    const resource = rules.audiences.urls.get(matched);
    if (resource !== undefined) verified.resource = resource;
  }
  return verified;
}

/** Whether `cnf` holds a non-empty `jkt` (RFC 9449 §6.2). */
function hasJkt(cnf: unknown): boolean {
  if (typeof cnf !== "object" || cnf === null || Array.isArray(cnf)) {
    return false;
  }
  const jkt = (cnf as Record<string, unknown>).jkt;
  return typeof jkt === "string" && jkt !== "";
}
