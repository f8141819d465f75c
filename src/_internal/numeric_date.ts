/**
 * JWT NumericDate values (RFC 7519 §2): the one definition of a time claim
 * (`exp`, `nbf`, `iat`, `AccessToken.expiresAt`) that every verifier and the
 * HTTP adapter share, so that they never disagree on a token. Internal.
 *
 * @module
 */

/**
 * Seconds either side of the epoch that an ECMAScript `Date` can hold
 * (±8.64e15 ms): beyond it a time claim names no instant at all.
 */
export const MAX_NUMERIC_DATE = 8_640_000_000_000;

/**
 * Whether `value` is a NumericDate this library can compare: a finite
 * number within the `Date` range. `1e400` parses as `Infinity`, and a
 * year-275000 `exp` would never expire: both are malformed, not eternal.
 */
export function isNumericDate(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) &&
    Math.abs(value) <= MAX_NUMERIC_DATE;
}
