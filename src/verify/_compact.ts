/**
 * The shape of a compact JWS (RFC 7515 §7.1), checked before any decoding:
 * three segments of canonical base64url. Internal.
 *
 * @module
 */

// RFC 7515 §2: base64url, "with all trailing '=' characters omitted ... and
// without the inclusion of any line breaks, whitespace, or other additional
// characters".
const SEGMENT = /^[A-Za-z0-9_-]+$/;
const ALPHABET =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/**
 * Whether `segment` is the one canonical base64url spelling of its bytes:
 * only the URL-safe alphabet, no padding or whitespace, a length that can
 * encode whole bytes, and zero in the bits of the last character that
 * encode nothing (RFC 4648 §3.5). Decoders ignore those bits, so without
 * this check one signature has 4 or 16 spellings, and a token as many
 * strings for a denylist, a replay store or a cache to tell apart.
 */
export function isCanonicalBase64url(segment: string): boolean {
  if (!SEGMENT.test(segment)) return false;
  const rest = segment.length % 4;
  if (rest === 1) return false;
  if (rest === 0) return true;
  const last = ALPHABET.indexOf(segment[segment.length - 1]!);
  // 2 characters carry 1 byte (4 spare bits), 3 carry 2 (2 spare bits).
  return (last & (rest === 2 ? 0x0f : 0x03)) === 0;
}

/**
 * Whether `token` is a compact JWS in its canonical form: exactly three
 * non-empty segments, each canonical base64url. Anything else, a padded or
 * re-encoded spelling of a valid token included, is malformed.
 */
export function isCanonicalCompactJws(token: string): boolean {
  const first = token.indexOf(".");
  if (first < 1) return false;
  const second = token.indexOf(".", first + 1);
  if (second === -1 || token.indexOf(".", second + 1) !== -1) return false;
  return isCanonicalBase64url(token.slice(0, first)) &&
    isCanonicalBase64url(token.slice(first + 1, second)) &&
    isCanonicalBase64url(token.slice(second + 1));
}
