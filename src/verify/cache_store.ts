/**
 * The store behind a verification cache shared by several instances (the
 * `sharedCache` option of `IntrospectionVerifier`): four small async
 * operations any key-value engine with expiry and an atomic "add if absent"
 * can offer (Redis, Deno KV, a Durable Object ...).
 *
 * @module
 */

import { numberOption, optionsObject } from "../_internal/options.ts";
import { expiryArgument, valueArgument } from "../_internal/store_input.ts";
import { clockOption, finiteClock } from "./_options.ts";

/**
 * A shared key-value store with expiry, for verification results.
 * `@mcp-authz/core/redis`, `/deno-kv` and `/durable-objects` implement it
 * (each also implements `ReplayStore`); {@linkcode MemoryCacheStore} is the
 * in-process one.
 *
 * Keys and values are opaque strings; callers never pass a raw token as a
 * key. An entry is never returned after its `expiresAt` (milliseconds since
 * the epoch). `add` must be atomic: of concurrent `add`s of one absent key,
 * exactly one resolves to `true`. Throwing (or rejecting) means the store is
 * unavailable: callers then treat the entry as unknown, never as present.
 *
 * @example Usage
 * ```ts
 * import type { CacheStore } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const entries = new Map<string, string>();
 * const store: CacheStore = {
 *   get: (key) => Promise.resolve(entries.get(key)),
 *   set: (key, value) => Promise.resolve(void entries.set(key, value)),
 *   add(key, value) {
 *     if (entries.has(key)) return Promise.resolve(false);
 *     entries.set(key, value);
 *     return Promise.resolve(true);
 *   },
 *   delete: (key) => Promise.resolve(void entries.delete(key)),
 * };
 * assert.equal(await store.add("k", "v", Date.now() + 1_000), true);
 * assert.equal(await store.add("k", "w", Date.now() + 1_000), false);
 * assert.equal(await store.get("k"), "v");
 * ```
 */
export interface CacheStore {
  /** The value held for `key`, or `undefined` when absent or expired. */
  get(key: string): Promise<string | undefined>;
  /**
   * Holds `value` for `key` until `expiresAt`, replacing any value. An
   * `expiresAt` that is not in the future leaves the key absent.
   */
  set(key: string, value: string, expiresAt: number): Promise<void>;
  /**
   * Holds `value` for `key` until `expiresAt` unless the key holds an
   * unexpired value. Resolves to `true` when it was added (an `expiresAt`
   * that is not in the future then stores nothing, as for `set`).
   */
  add(key: string, value: string, expiresAt: number): Promise<boolean>;
  /** Forgets `key`. */
  delete(key: string): Promise<void>;
}

/**
 * The `sharedCache` option of `IntrospectionVerifier`.
 *
 * @example Usage
 * ```ts
 * import { MemoryCacheStore, type SharedCacheOptions } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const sharedCache: SharedCacheOptions = {
 *   store: new MemoryCacheStore(),
 *   secret: crypto.getRandomValues(new Uint8Array(32)),
 *   onError: (error) => console.warn("shared cache bypassed:", error),
 * };
 * assert.equal(sharedCache.secret.byteLength, 32);
 * ```
 */
export interface SharedCacheOptions {
  /** Where the answers are kept: a Redis, Deno KV or Durable Object store. */
  store: CacheStore;
  /**
   * At least 32 random bytes, the same on every instance: entries are
   * sealed with a key derived from it, so the store cannot forge them.
   */
  secret: Uint8Array;
  /**
   * Told when the store fails or times out and is bypassed (the instance
   * then asks the authorization server itself); by default nothing is
   * reported. Called without a receiver; what it throws is ignored.
   */
  onError?: (error: unknown) => void;
}

/** Options of {@linkcode MemoryCacheStore}. */
export interface MemoryCacheStoreOptions {
  /** Most entries held; the least recently written leave first (default 10 000). */
  maxEntries?: number;
  /**
   * The clock, in milliseconds since the epoch (default `Date.now`),
   * called without a receiver.
   */
  now?: () => number;
}

interface Entry {
  readonly value: string;
  readonly expiresAt: number;
}

const OWNER = "MemoryCacheStore";
const OPTION_NAMES: readonly (keyof MemoryCacheStoreOptions)[] = [
  "maxEntries",
  "now",
];
const DEFAULT_MAX_ENTRIES = 10_000;

/**
 * A bounded, in-process {@linkcode CacheStore}: what the shared stores do,
 * for one process (tests, development, a single instance). When full, the
 * oldest entry leaves: it is a cache, so a lost entry costs a new lookup,
 * never a wrong answer.
 *
 * @example Usage
 * ```ts
 * import { MemoryCacheStore } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * let now = 0;
 * const store = new MemoryCacheStore({ now: () => now });
 * await store.set("k", "v", 1_000);
 * assert.equal(await store.get("k"), "v");
 * now = 1_000;
 * assert.equal(await store.get("k"), undefined);
 * ```
 */
export class MemoryCacheStore implements CacheStore {
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;
  readonly #now: () => number;

  /**
   * Creates an empty store.
   *
   * @param options The capacity and the clock.
   * @throws {TypeError} When `maxEntries` is not a positive integer, `now`
   * is not a function (or is `performance.now`), or an option is unknown.
   */
  constructor(options: MemoryCacheStoreOptions = {}) {
    const given = optionsObject(OWNER, options, OPTION_NAMES);
    this.#maxEntries = numberOption(
      OWNER,
      "maxEntries",
      given.maxEntries,
      DEFAULT_MAX_ENTRIES,
      { min: 1, integer: true },
    );
    this.#now = finiteClock(clockOption(OWNER, given.now));
  }

  /** How many entries are held (expired ones linger until touched). */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * The live value of `key`.
   *
   * @param key The entry's key.
   * @returns The value, or `undefined`.
   */
  get(key: string): Promise<string | undefined> {
    try {
      return Promise.resolve(this.#live(key)?.value);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Holds `value` until `expiresAt`.
   *
   * @param key The entry's key.
   * @param value The value.
   * @param expiresAt When it expires, in milliseconds since the epoch.
   * @throws {TypeError} When `value` is not a string or `expiresAt` not a
   * finite number.
   */
  set(key: string, value: string, expiresAt: number): Promise<void> {
    try {
      this.#put(key, value, expiresAt);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Holds `value` until `expiresAt` unless `key` is held.
   *
   * @param key The entry's key.
   * @param value The value.
   * @param expiresAt When it expires, in milliseconds since the epoch.
   * @returns `true` when it was added.
   * @throws {TypeError} When `value` is not a string or `expiresAt` not a
   * finite number.
   */
  add(key: string, value: string, expiresAt: number): Promise<boolean> {
    try {
      valueArgument(OWNER, value);
      expiryArgument(OWNER, expiresAt);
      if (this.#live(key) !== undefined) return Promise.resolve(false);
      this.#put(key, value, expiresAt);
      return Promise.resolve(true);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Forgets `key`.
   *
   * @param key The entry's key.
   */
  delete(key: string): Promise<void> {
    this.#entries.delete(key);
    return Promise.resolve();
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt > this.#now()) return entry;
    this.#entries.delete(key);
    return undefined;
  }

  #put(key: string, value: string, expiresAt: number): void {
    valueArgument(OWNER, value);
    expiryArgument(OWNER, expiresAt);
    this.#entries.delete(key);
    if (!(expiresAt > this.#now())) return;
    this.#entries.set(key, { value, expiresAt });
    while (this.#entries.size > this.#maxEntries) {
      this.#entries.delete(this.#entries.keys().next().value!);
    }
  }
}
