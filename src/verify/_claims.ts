/**
 * Reading verified claims: scopes, client and audience, and copying
 * verified tokens so callers cannot change a cached one. Internal.
 *
 * @module
 */

import { isNumericDate } from "../_internal/numeric_date.ts";
import { resourceIdentifierKey } from "../_internal/url.ts";
import type { AccessToken } from "../core/context.ts";
import {
  closeScopes,
  type CompiledHierarchy,
  unmetScopes,
} from "../core/scopes.ts";
import { InsufficientScopeError, InvalidTokenError } from "../errors.ts";
import type { Audiences } from "./_options.ts";

/**
 * Scopes from `scope` (RFC 8693 §4.2, RFC 9068 §2.2.3: space-delimited) or
 * `scp` (an array or a space-delimited string). A claim of another shape is
 * an invalid token, not an empty grant.
 */
export function scopesFromClaims(claims: Record<string, unknown>): string[] {
  const scope = claims.scope ?? claims.scp;
  if (scope === undefined || scope === null) return [];
  if (typeof scope === "string") {
    return scope.split(" ").filter((item) => item.length > 0);
  }
  if (Array.isArray(scope) && scope.every((item) => typeof item === "string")) {
    return scope.filter((item: string) => item.length > 0);
  }
  throw new InvalidTokenError("Token scope claim malformed");
}

/** `client_id` ?? `azp` ?? `sub` ?? `"unknown"`, strings only. */
export function clientIdFromClaims(claims: Record<string, unknown>): string {
  for (const name of ["client_id", "azp", "sub"]) {
    const value = claims[name];
    if (typeof value === "string" && value.length > 0) return value;
  }
  return "unknown";
}

/**
 * The first accepted audience the token's `aud` names (a string, or an
 * array of strings: RFC 7519 §4.1.3), compared by `resourceIdentifierKey`:
 * scheme and host in any case, a default port written or not, nothing else
 * normalised. Returns the audience as configured.
 */
export function matchAudience(
  aud: unknown,
  audiences: Audiences,
): string | undefined {
  const named = typeof aud === "string" ? [aud] : aud;
  if (!Array.isArray(named)) return undefined;
  let first: string | undefined;
  let firstIndex = Infinity;
  for (const value of named) {
    if (typeof value !== "string") continue;
    const audience = audiences.byKey.get(resourceIdentifierKey(value));
    if (audience === undefined) continue;
    // The order of the configuration decides, as it always has.
    const index = audiences.values.indexOf(audience);
    if (index < firstIndex) {
      first = audience;
      firstIndex = index;
    }
  }
  return first;
}

/**
 * Throws `InsufficientScopeError` naming the required scopes not granted
 * (under the hierarchy), with every required scope as its
 * `challengeScopes`: the challenge names what the request needs, held or
 * not (RFC 6750 §3), so a client that replaces its scopes with the
 * challenge's keeps the ones it already had.
 */
export function checkScopes(
  required: readonly string[],
  token: AccessToken,
  hierarchy?: CompiledHierarchy,
): void {
  if (required.length === 0) return;
  const missing = unmetScopes(closeScopes(token.scopes, hierarchy), required);
  if (missing.length > 0) {
    throw new InsufficientScopeError(missing, { challengeScopes: required });
  }
}

/**
 * Checks the time claims as NumericDates (RFC 7519 §2, §4.1.4-6): each of
 * `exp`, `nbf` and `iat` that is present must be a finite number within the
 * `Date` range, else the token is malformed (401), never eternal: `1e400`
 * parses as `Infinity`. Then `exp` must be after `nowSeconds` and `nbf` not
 * after it, both with `tolerance` seconds of leeway.
 *
 * @throws {InvalidTokenError} With a safe description.
 */
export function checkTimeClaims(
  claims: Readonly<Record<string, unknown>>,
  nowSeconds: number,
  tolerance: number,
  requireExp: boolean,
): void {
  const { exp, nbf, iat } = claims;
  if (exp === undefined ? requireExp : !isNumericDate(exp)) {
    throw new InvalidTokenError("Token expiry missing or invalid");
  }
  if (nbf !== undefined && !isNumericDate(nbf)) {
    throw new InvalidTokenError("Token claims invalid");
  }
  if (iat !== undefined && !isNumericDate(iat)) {
    throw new InvalidTokenError("Token claims invalid");
  }
  if (isNumericDate(exp) && exp <= nowSeconds - tolerance) {
    throw new InvalidTokenError("Token expired");
  }
  if (isNumericDate(nbf) && nbf > nowSeconds + tolerance) {
    throw new InvalidTokenError("Token not yet valid");
  }
}

/** Freezes parsed JSON, so a cached token's claims cannot be changed. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

/** A copy the caller may change without touching the cached token. */
export function copyToken(token: AccessToken): AccessToken {
  const copy: AccessToken = { ...token, scopes: [...token.scopes] };
  if (token.resource !== undefined) copy.resource = new URL(token.resource);
  return copy;
}
