/**
 * Random values and secret comparison for the development authorization
 * server's codes, tokens, transactions and client secrets. Internal.
 *
 * @module
 */

import { base64url } from "jose";

/** A random, URL-safe value with `bytes` bytes of entropy. */
export function randomValue(bytes = 32): string {
  return base64url.encode(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** Compares two strings in time independent of where they differ. */
export function timingSafeEqual(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    diff |= (x[i % x.length] ?? 0) ^ (y[i % y.length] ?? 0);
  }
  return diff === 0;
}
