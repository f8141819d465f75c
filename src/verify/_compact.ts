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

/**
 * Whether `segment` is the one canonical base64url spelling of its bytes:
 * only the URL-safe alphabet, no padding or whitespace, a length that can
 * encode whole bytes, and zero in the bits of the last character that
 * encode nothing (RFC 4648 §3.5). Decoders ignore those bits, so without
 * this check one signature has 4 or 16 spellings, and a token as many
 * strings for a denylist, a replay store or a cache to tell apart.
 */
export function isCanonicalBase64url(segment: string): boolean {
  return SEGMENT.test(segment) && wholeBytes(segment, 0, segment.length);
}

// Three segments of the URL-safe alphabet: one pass, no slicing (hot path).
const COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** The 6-bit value of a base64url character code (already validated). */
function sextet(code: number): number {
  if (code === 45) return 62; // "-"
  if (code === 95) return 63; // "_"
  if (code >= 97) return code - 71; // a-z
  if (code >= 65) return code - 65; // A-Z
  return code + 4; // 0-9
}

/** Whether `token.slice(start, end)` has a whole-byte length and no spare bits set. */
function wholeBytes(token: string, start: number, end: number): boolean {
  const rest = (end - start) % 4;
  if (rest === 0) return true;
  if (rest === 1) return false;
  return (sextet(token.charCodeAt(end - 1)) & (rest === 2 ? 0x0f : 0x03)) ===
    0;
}

/**
 * Whether `token` is a compact JWS in its canonical form: exactly three
 * non-empty segments, each canonical base64url (see
 * {@linkcode isCanonicalBase64url}). Anything else, a padded or re-encoded
 * spelling of a valid token included, is malformed.
 */
export function isCanonicalCompactJws(token: string): boolean {
  if (!COMPACT.test(token)) return false;
  const first = token.indexOf(".");
  const second = token.indexOf(".", first + 1);
  return wholeBytes(token, 0, first) &&
    wholeBytes(token, first + 1, second) &&
    wholeBytes(token, second + 1, token.length);
}
