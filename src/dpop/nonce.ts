/**
 * Server-provided DPoP nonces (RFC 9449 §8, §9): the server hands out a
 * `DPoP-Nonce`, and proofs must carry a recent one in their `nonce` claim,
 * which bounds how long a pre-generated proof stays usable.
 *
 * @module
 */

import { base64url } from "jose";
import { label, optionsObject, show } from "../_internal/options.ts";
import { clockOption, finiteClock } from "../verify/_options.ts";

/**
 * Issues and validates DPoP nonces. Implement it to share nonces across
 * instances, or use {@linkcode createDpopNoncePolicy}.
 *
 * @example Usage
 * ```ts
 * import type { DpopNoncePolicy } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const policy: DpopNoncePolicy = {
 *   issue: () => "fixed-nonce",
 *   verify: (nonce) => nonce === "fixed-nonce",
 * };
 * assert.equal(await policy.verify(await policy.issue()), true);
 * ```
 */
export interface DpopNoncePolicy {
  /** A fresh nonce for a `DPoP-Nonce` header (RFC 9449 §8.1 syntax). */
  issue(): string | Promise<string>;
  /**
   * Whether a nonce a client put in a proof is acceptable now: `true` or
   * `false`. Anything else, a throw, or no answer within 2 s makes the
   * request fail with 503, never accepts the proof.
   */
  verify(nonce: string): boolean | Promise<boolean>;
}

/** Options of {@linkcode createDpopNoncePolicy}. */
export interface DpopNoncePolicyOptions {
  /**
   * The HMAC key nonces are signed with, at least 32 bytes. Give the same
   * secret to every instance that must accept each other's nonces; without
   * it, a random key is made per policy.
   */
  secret?: Uint8Array;
  /** Seconds a nonce stays valid after it is issued (default 300). */
  lifetime?: number;
  /**
   * The clock, in milliseconds since the epoch (default `Date.now`), called
   * without a receiver. Not `performance.now`, which counts from the start
   * of the process. A clock that reads anything but a finite number makes
   * `issue` and `verify` throw `VerifierUnavailableError` (503).
   */
  now?: () => number;
}

const OWNER = "createDpopNoncePolicy";
const OPTION_NAMES: readonly (keyof DpopNoncePolicyOptions)[] = [
  "secret",
  "lifetime",
  "now",
];
const DEFAULT_LIFETIME = 300;
const MAX_NONCE_LENGTH = 128;
// `<issued seconds>.<base64url HMAC-SHA-256>`: only NQCHARs (RFC 9449 §8.1).
const NONCE_SYNTAX = /^([0-9]{1,12})\.([A-Za-z0-9_-]{43})$/;

/**
 * A stateless nonce policy: a nonce is the time it was issued plus an
 * HMAC-SHA-256 over it, so any instance holding the secret accepts it until
 * `lifetime` has passed, without a shared store.
 *
 * @param options The secret, the lifetime and the clock.
 * @returns The policy, for the `nonces` option of `DpopVerifier`.
 * @throws {TypeError} When `secret` is shorter than 32 bytes, `lifetime`
 * is not a positive number of seconds, `now` is not a function, or an
 * option is unknown.
 *
 * @example Usage
 * ```ts
 * import { createDpopNoncePolicy } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * let now = 1_700_000_000_000;
 * const policy = createDpopNoncePolicy({ lifetime: 60, now: () => now });
 * const nonce = await policy.issue();
 * assert.equal(await policy.verify(nonce), true);
 * now += 61_000;
 * assert.equal(await policy.verify(nonce), false);
 * ```
 */
export function createDpopNoncePolicy(
  options: DpopNoncePolicyOptions = {},
): DpopNoncePolicy {
  const given = optionsObject(OWNER, options, OPTION_NAMES);
  const lifetime = given.lifetime ?? DEFAULT_LIFETIME;
  if (
    typeof lifetime !== "number" || !(lifetime > 0) ||
    !Number.isFinite(lifetime)
  ) {
    throw new TypeError(
      `${label(OWNER, "lifetime")} must be a positive number of seconds, got ${
        show(lifetime)
      }`,
    );
  }
  const secret = given.secret;
  if (
    secret !== undefined &&
    (!(secret instanceof Uint8Array) || secret.byteLength < 32)
  ) {
    throw new TypeError(
      `${
        label(OWNER, "secret")
      } must be a Uint8Array of at least 32 bytes, got ${
        secret instanceof Uint8Array
          ? `${secret.byteLength} bytes`
          : show(secret)
      }`,
    );
  }
  // A NaN clock would make every nonce ever issued look fresh: unavailable
  // (503) instead.
  const now = finiteClock(clockOption(OWNER, given.now));
  const key = importKey(secret === undefined ? undefined : secret.slice());

  const sign = async (issued: string): Promise<string> =>
    base64url.encode(
      new Uint8Array(
        await crypto.subtle.sign("HMAC", await key, encode(issued)),
      ),
    );

  return Object.freeze({
    async issue(): Promise<string> {
      const issued = String(Math.floor(now() / 1_000));
      return `${issued}.${await sign(issued)}`;
    },
    async verify(nonce: string): Promise<boolean> {
      if (typeof nonce !== "string" || nonce.length > MAX_NONCE_LENGTH) {
        return false;
      }
      const match = NONCE_SYNTAX.exec(nonce);
      if (match === null) return false;
      const [, issued = "", mac = ""] = match;
      const age = now() / 1_000 - Number(issued);
      // A nonce from the future is as suspect as an old one.
      if (age < -1 || age > lifetime) return false;
      // crypto.subtle.verify compares in constant time.
      return await crypto.subtle.verify(
        "HMAC",
        await key,
        base64url.decode(mac) as Uint8Array<ArrayBuffer>,
        encode(issued),
      );
    },
  });
}

function importKey(secret: Uint8Array | undefined): Promise<CryptoKey> {
  const algorithm: HmacImportParams = { name: "HMAC", hash: "SHA-256" };
  if (secret === undefined) {
    return crypto.subtle.generateKey(algorithm as HmacKeyGenParams, false, [
      "sign",
      "verify",
    ]);
  }
  return crypto.subtle.importKey(
    "raw",
    secret.buffer as ArrayBuffer,
    algorithm,
    false,
    [
      "sign",
      "verify",
    ],
  );
}

function encode(text: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(text);
}

/**
 * Reads a `nonces` option: a {@linkcode DpopNoncePolicy}, or `undefined`.
 * Internal.
 *
 * @throws {TypeError} When it lacks `issue` or `verify`.
 */
export function noncePolicyOption(
  owner: string,
  value: unknown,
): DpopNoncePolicy | undefined {
  if (value === undefined) return undefined;
  const nonces = value as DpopNoncePolicy | null;
  if (
    nonces === null || typeof nonces !== "object" ||
    typeof nonces.issue !== "function" || typeof nonces.verify !== "function"
  ) {
    throw new TypeError(
      `${
        label(owner, "nonces")
      } must be an object with issue() and verify(nonce) methods, such as createDpopNoncePolicy(), got ${
        show(value)
      }`,
    );
  }
  return nonces;
}
