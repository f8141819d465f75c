/**
 * A bounded LRU of verification results, so a token seen again skips the
 * signature check (or the introspection round trip). Positive entries live
 * until the token's `exp` and never beyond a maximum age; rejections are kept
 * briefly in a separate LRU, so a flood of bad tokens cannot evict good ones.
 * Unavailability is never cached.
 *
 * {@linkcode cacheOf} finds a verifier's cache, for tests and diagnostics,
 * through one per-isolate `WeakMap` owned by this module: one entry per live
 * verifier that caches, dropped with the verifier.
 *
 * @module
 */

import type { InvalidTokenError } from "../errors.ts";
import { numberOption, refuseUnknownKeys } from "../_internal/options.ts";

/**
 * How a verifier caches its results. Pass `cache: false` to turn caching off.
 *
 * @example Usage
 * ```ts
 * import type { TokenCacheOptions } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const cache: TokenCacheOptions = { maxEntries: 500, maxAgeMs: 60_000, negativeTtlMs: 2_000 };
 * assert.equal(cache.maxEntries, 500);
 * ```
 */
export interface TokenCacheOptions {
  /** Most tokens held at once, for each of accepted and rejected (default 1000). */
  maxEntries?: number;
  /** Longest an accepted token is trusted without a new check, in ms. */
  maxAgeMs?: number;
  /** How long a rejection is remembered, in ms (default 5000; 0 turns it off). */
  negativeTtlMs?: number;
}

/** A cache hit. */
export type CacheHit<V> =
  | { readonly ok: true; readonly value: V }
  | { readonly ok: false; readonly error: InvalidTokenError };

interface Entry<T> {
  readonly value: T;
  readonly until: number;
}

const DEFAULT_MAX_ENTRIES = 1000;
const DEFAULT_NEGATIVE_TTL_MS = 5000;

const CACHE_OPTIONS: readonly (keyof TokenCacheOptions)[] = [
  "maxEntries",
  "maxAgeMs",
  "negativeTtlMs",
];

function touch<T>(
  map: Map<string, Entry<T>>,
  key: string,
  now: number,
): T | undefined {
  const entry = map.get(key);
  if (entry === undefined) return undefined;
  map.delete(key);
  if (entry.until <= now) return undefined;
  map.set(key, entry); // most recently used goes last
  return entry.value;
}

function put<T>(
  map: Map<string, Entry<T>>,
  key: string,
  entry: Entry<T>,
  max: number,
): void {
  map.delete(key);
  map.set(key, entry);
  while (map.size > max) {
    map.delete(map.keys().next().value!);
  }
}

/** The bounded LRU behind `JwtVerifier` and `IntrospectionVerifier`. */
export class TokenCache<V> {
  readonly #accepted = new Map<string, Entry<V>>();
  readonly #rejected = new Map<string, Entry<InvalidTokenError>>();
  readonly #maxEntries: number;
  readonly #maxAgeMs: number;
  readonly #negativeTtlMs: number;
  readonly #now: () => number;

  /**
   * Validates the options once.
   *
   * @param owner The class name used in error messages.
   * @param options The caller's cache options.
   * @param defaultMaxAgeMs The maximum age when the caller gives none.
   * @param now The clock, in ms since the epoch.
   * @throws {TypeError} When an option is unknown, negative or not a number.
   */
  constructor(
    owner: string,
    options: Readonly<Record<string, unknown>>,
    defaultMaxAgeMs: number,
    now: () => number,
  ) {
    const where = `${owner} cache`;
    refuseUnknownKeys(where, options, CACHE_OPTIONS);
    this.#maxEntries = numberOption(
      where,
      "maxEntries",
      options.maxEntries,
      DEFAULT_MAX_ENTRIES,
      { integer: true },
    );
    this.#maxAgeMs = numberOption(
      where,
      "maxAgeMs",
      options.maxAgeMs,
      defaultMaxAgeMs,
    );
    this.#negativeTtlMs = numberOption(
      where,
      "negativeTtlMs",
      options.negativeTtlMs,
      DEFAULT_NEGATIVE_TTL_MS,
    );
    this.#now = now;
  }

  /** Longest an accepted token is trusted, in ms. */
  get maxAgeMs(): number {
    return this.#maxAgeMs;
  }

  /** How long a rejection is remembered, in ms. */
  get negativeTtlMs(): number {
    return this.#negativeTtlMs;
  }

  /** The live result for `key`, if any. */
  get(key: string): CacheHit<V> | undefined {
    const now = this.#now();
    const value = touch(this.#accepted, key, now);
    if (value !== undefined) return { ok: true, value };
    if (this.#rejected.size === 0) return undefined;
    const error = touch(this.#rejected, key, now);
    return error === undefined ? undefined : { ok: false, error };
  }

  /** Remembers an accepted token until `expiresAtMs`, capped by the max age. */
  accept(key: string, value: V, expiresAtMs: number | undefined): void {
    const now = this.#now();
    const until = Math.min(now + this.#maxAgeMs, expiresAtMs ?? Infinity);
    if (until <= now || this.#maxEntries === 0) return;
    if (this.#rejected.size > 0) this.#rejected.delete(key);
    put(this.#accepted, key, { value, until }, this.#maxEntries);
  }

  /** Remembers a rejection briefly. */
  reject(key: string, error: InvalidTokenError): void {
    if (this.#negativeTtlMs === 0 || this.#maxEntries === 0) return;
    const until = this.#now() + this.#negativeTtlMs;
    put(this.#rejected, key, { value: error, until }, this.#maxEntries);
  }

  /** Every key held, accepted then rejected (for tests and diagnostics). */
  keys(): string[] {
    return [...this.#accepted.keys(), ...this.#rejected.keys()];
  }

  /** Every value held (for tests and diagnostics). */
  values(): V[] {
    return [...this.#accepted.values()].map((entry) => entry.value);
  }
}

const caches = new WeakMap<object, TokenCache<unknown>>();

/** Links a verifier to its cache, so tests can inspect what it holds. */
export function registerCache(owner: object, cache: TokenCache<unknown>): void {
  caches.set(owner, cache);
}

/** The cache of a verifier, for tests and diagnostics. */
export function cacheOf(owner: object): TokenCache<unknown> | undefined {
  return caches.get(owner);
}
