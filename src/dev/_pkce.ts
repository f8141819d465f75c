/**
 * PKCE (RFC 7636), S256 only as OAuth 2.1 requires: the forms of a
 * `code_challenge` and a `code_verifier`, and whether a verifier answers a
 * challenge. Internal.
 *
 * @module
 */

import { base64url } from "jose";
import { timingSafeEqual } from "./_crypto.ts";

/** RFC 7636 §4.1 code_verifier: 43 to 128 unreserved characters. */
const CODE_VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
/** RFC 7636 §4.2 S256 challenge: base64url of a SHA-256, unpadded. */
const S256_CHALLENGE = /^[A-Za-z0-9\-_]{43}$/;

/** Whether `value` is a well-formed S256 code_challenge. */
export function isS256Challenge(value: string): boolean {
  return S256_CHALLENGE.test(value);
}

/** RFC 7636 §4.6: BASE64URL(SHA256(ASCII(code_verifier))). */
export async function s256(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(verifier),
  );
  return base64url.encode(new Uint8Array(digest));
}

/**
 * Whether `verifier` is a well-formed code_verifier whose S256 transform is
 * `challenge` (RFC 7636 §4.6), compared in constant time.
 */
export async function verifierMatches(
  verifier: string,
  challenge: string,
): Promise<boolean> {
  return CODE_VERIFIER.test(verifier) &&
    timingSafeEqual(await s256(verifier), challenge);
}
