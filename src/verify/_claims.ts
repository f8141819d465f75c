/**
 * Reading verified claims: scopes, client and audience, and copying
 * verified tokens so callers cannot change a cached one. Internal.
 *
 * @module
 */

import type { AccessToken } from "../core/context.ts";
import { InsufficientScopeError, InvalidTokenError } from "../errors.ts";
import type { Audiences } from "./_options.ts";
import { unmetScopes } from "../core/scopes.ts";

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

/** The first accepted audience the token's `aud` names. */
export function matchAudience(
  aud: unknown,
  audiences: Audiences,
): string | undefined {
  for (const audience of audiences.values) {
    if (aud === audience || (Array.isArray(aud) && aud.includes(audience))) {
      return audience;
    }
  }
  return undefined;
}

/** Throws `InsufficientScopeError` naming the required scopes not granted. */
export function checkScopes(
  required: readonly string[],
  token: AccessToken,
): void {
  if (required.length === 0) return;
  const missing = unmetScopes(new Set(token.scopes), required);
  if (missing.length > 0) throw new InsufficientScopeError(missing);
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
