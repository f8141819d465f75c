/**
 * What a token from the development authorization server may be for: one
 * of its resources (RFC 8707) and scopes the resource supports (RFC 6749
 * §3.3). The authorization and token endpoints and `mintAccessToken` all
 * ask here. Internal.
 *
 * @module
 */

import { isScopeToken } from "../_internal/scope_token.ts";

/** What these checks read of the configuration. */
export interface Grantable {
  readonly resources: readonly string[];
  readonly scopesSupported: readonly string[];
}

/**
 * Parses an RFC 6749 §3.3 scope parameter into its distinct tokens, or
 * `undefined` when it is malformed (not single-space separated tokens).
 */
export function parseScope(value: string): string[] | undefined {
  if (value === "") return [];
  const tokens = value.split(" ");
  if (!tokens.every(isScopeToken)) return undefined;
  return [...new Set(tokens)];
}

/**
 * The scopes a `scope` parameter asks for, when the resource supports all
 * of them; else the message of an `invalid_scope` refusal.
 */
export function checkScopes(
  grantable: Grantable,
  value: string | undefined,
): string[] | string {
  const scopes = parseScope(value ?? "");
  if (scopes === undefined) {
    return "scope must be space-separated RFC 6749 scope tokens";
  }
  const supported = grantable.scopesSupported;
  const unknown = scopes.filter((s) => !supported.includes(s));
  if (unknown.length > 0) {
    return `The resource does not support the scope ${
      unknown.map((s) => JSON.stringify(s.slice(0, 64))).join(", ")
    }; it supports ${supported.join(" ")}`;
  }
  return scopes;
}

/**
 * The resource a request names (RFC 8707 §2), normalized, when it is one
 * of this server's; the only one when the request names none; otherwise
 * `undefined`.
 */
export function resolveResource(
  grantable: Grantable,
  value: string | undefined,
): string | undefined {
  const resources = grantable.resources;
  if (value === undefined) {
    return resources.length === 1 ? resources[0] : undefined;
  }
  if (!URL.canParse(value) || value.includes("#")) return undefined;
  const href = new URL(value).href;
  return resources.includes(href) ? href : undefined;
}

/**
 * Whether a token request's `resource` (if any) is the one its grant was
 * for (RFC 8707 §2.2: a code or refresh token serves its own resource).
 */
export function sameResource(
  grantable: Grantable,
  requested: string | undefined,
  granted: string,
): boolean {
  return requested === undefined ||
    resolveResource(grantable, requested) === granted;
}
