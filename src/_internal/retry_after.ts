/**
 * The `Retry-After` seconds a client is told (RFC 9110 §10.2.3), from a hint
 * that may be anything: HTTP's 503 and the MCP guard's retryable JSON-RPC
 * error say the same. Internal.
 *
 * @module
 */

/** Seconds a client is told to wait when there is no usable hint. */
export const DEFAULT_RETRY_AFTER = 5;
// Bound a hint so that a verifier or engine bug cannot tell clients to go
// away for years.
const MAX_RETRY_AFTER = 3600;

/**
 * A whole number of seconds between 0 and an hour: `hint` rounded up, or
 * {@linkcode DEFAULT_RETRY_AFTER} when it is not a finite number of at least
 * zero.
 */
export function retryAfterSeconds(hint: unknown): number {
  if (typeof hint !== "number" || !Number.isFinite(hint) || hint < 0) {
    return DEFAULT_RETRY_AFTER;
  }
  return Math.min(Math.ceil(hint), MAX_RETRY_AFTER);
}
