/**
 * How the store adapters name what they keep: a namespace (the `prefix`
 * option), a space per use (`replay` for DPoP proofs, `cache` for shared
 * verification results) so the two never collide, and the SHA-256 of the
 * caller's key, so a store never holds a token, a proof identifier or a key
 * of unbounded length.
 *
 * @module
 */

import { base64url } from "jose";

/** What a key is kept for. */
export type KeySpace = "replay" | "cache";

const encoder = new TextEncoder();

/** A key's SHA-256, base64url: 43 characters of `[A-Za-z0-9_-]`. */
export async function hashKey(key: string): Promise<string> {
  if (typeof key !== "string") {
    throw new TypeError("A store key must be a string");
  }
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(key));
  return base64url.encode(new Uint8Array(digest));
}

/** `<prefix>:<space>:<sha-256>`, for engines with flat string keys. */
export async function flatKey(
  prefix: string,
  space: KeySpace,
  key: string,
): Promise<string> {
  return `${prefix}:${space}:${await hashKey(key)}`;
}

/** The shape of a hashed key, for engines that receive one (Durable Objects). */
export const HASHED_KEY: RegExp = /^(replay|cache):[A-Za-z0-9_-]{43}$/;
