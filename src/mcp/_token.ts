/**
 * The SDK hands handlers the `authInfo` given to the transport. A token from
 * `bearerAuth` is already an `AccessToken`; one from elsewhere (the SDK's own
 * bearer helpers) lacks `claims`. Anything malformed counts as no token.
 *
 * @module
 */

import type { AccessToken } from "../core/context.ts";

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === "string");
}

/**
 * The verified token of a request, from the SDK's `ctx.http.authInfo`.
 *
 * @param authInfo What the transport was given as `authInfo`.
 * @returns The token, or `undefined` when absent or malformed (fail closed:
 * checks then see an unauthenticated request).
 */
export function accessTokenOf(authInfo: unknown): AccessToken | undefined {
  if (authInfo === null || typeof authInfo !== "object") return undefined;
  const info = authInfo as Partial<AccessToken>;
  if (
    typeof info.token !== "string" || typeof info.clientId !== "string" ||
    !isStringArray(info.scopes)
  ) {
    return undefined;
  }
  const claims = info.claims;
  if (claims !== null && typeof claims === "object") {
    return info as AccessToken;
  }
  return { ...info, claims: {} } as AccessToken;
}
