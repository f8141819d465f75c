/**
 * Scope tokens (RFC 6749 §3.3): what may stand in a `scope` parameter, and so
 * in a challenge. Validated once, where a developer gives them. Internal.
 *
 * @module
 */

import { show } from "./show.ts";

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * The OIDC scope that asks an authorization server for a refresh token. It
 * is no resource's scope: a resource server never requires it, and never
 * names it in metadata or a challenge (MCP, "Refresh Tokens").
 */
export const OFFLINE_ACCESS = "offline_access";

/** Whether `value` is a syntactically valid scope token (RFC 6749 §3.3). */
export function isScopeToken(value: unknown): value is string {
  return typeof value === "string" && SCOPE_TOKEN.test(value);
}

/**
 * Validates a list of scopes given by a developer and returns a sorted,
 * deduplicated copy.
 *
 * @throws {TypeError} When the list is not an array or holds an invalid scope.
 */
export function normalizeScopes(scopes: unknown, where: string): string[] {
  if (!Array.isArray(scopes)) {
    throw new TypeError(
      `${where} expects an array of scope strings, got ${show(scopes)}`,
    );
  }
  for (const scope of scopes) assertScope(scope, where);
  return [...new Set<string>(scopes)].sort();
}

/**
 * Throws a `TypeError` unless `scope` is a valid scope token.
 *
 * @throws {TypeError} When `scope` is not a valid scope token.
 */
export function assertScope(
  scope: unknown,
  where: string,
): asserts scope is string {
  if (!isScopeToken(scope)) {
    throw new TypeError(
      `${where} expects scopes to be non-empty strings without spaces, quotes or backslashes (RFC 6749 §3.3), got ${
        show(scope)
      }`,
    );
  }
}
