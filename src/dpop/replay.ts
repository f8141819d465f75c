/**
 * Replay detection for DPoP proofs (RFC 9449 §11.1): a `jti` is accepted
 * once within the window in which its proof could be accepted at all.
 *
 * @module
 */

import {
  functionOption,
  label,
  numberOption,
  optionsObject,
  show,
} from "../_internal/options.ts";
import { expiryArgument } from "../_internal/store_input.ts";
import { VerifierUnavailableError } from "../errors.ts";
import { finiteClock } from "../verify/_options.ts";

/**
 * Remembers the DPoP proofs already seen. When several instances serve the
 * same tokens, use a shared store (`@mcp-authz/core/redis`, `/deno-kv`,
 * `/durable-objects`) or implement this over another; the built-in
 * {@linkcode MemoryReplayStore} only protects one process.
 *
 * `checkAndStore` must be atomic: two concurrent calls with the same key may
 * not both resolve to `true`. Throwing (or rejecting) means the store is
 * unavailable; the proof is then refused, never accepted.
 *
 * @example Usage
 * ```ts
 * import type { ReplayStore } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * const seen = new Set<string>();
 * const store: ReplayStore = {
 *   checkAndStore(key) {
 *     if (seen.has(key)) return Promise.resolve(false);
 *     seen.add(key);
 *     return Promise.resolve(true);
 *   },
 * };
 * assert.equal(await store.checkAndStore("jti-1", Date.now() + 60_000), true);
 * assert.equal(await store.checkAndStore("jti-1", Date.now() + 60_000), false);
 * ```
 */
export interface ReplayStore {
  /**
   * Records `key` until `expiresAt` (milliseconds since the epoch).
   * Resolves to `true` when the key was not held yet, `false` when it was
   * (a replay). Any other answer (`"OK"`, `1`, `undefined` ...), or none
   * within 2 s, fails the proof with `VerifierUnavailableError` (503).
   */
  checkAndStore(key: string, expiresAt: number): Promise<boolean>;
}

/** Options of {@linkcode MemoryReplayStore}. */
export interface MemoryReplayStoreOptions {
  /**
   * How many unexpired proofs are held at most (default 50 000, about
   * 10 MB). When it is full of unexpired entries, new proofs are refused
   * with a `VerifierUnavailableError` (HTTP 503) rather than evicting an
   * entry, which would let that proof be replayed.
   */
  maxEntries?: number;
  /** The clock, in milliseconds since the epoch (default `Date.now`). */
  now?: () => number;
}

const OWNER = "MemoryReplayStore";
const OPTION_NAMES: readonly (keyof MemoryReplayStoreOptions)[] = [
  "maxEntries",
  "now",
];
const DEFAULT_MAX_ENTRIES = 50_000;
// A full store is swept at most this often, so a flood costs O(1) per call.
const SWEEP_INTERVAL_MS = 1_000;

/**
 * A bounded, in-process {@linkcode ReplayStore}. Entries leave when they
 * expire; the store never holds more than `maxEntries` of them.
 *
 * @example Usage
 * ```ts
 * import { MemoryReplayStore } from "@mcp-authz/core";
 * import assert from "node:assert/strict";
 *
 * let now = 0;
 * const store = new MemoryReplayStore({ maxEntries: 100, now: () => now });
 * assert.equal(await store.checkAndStore("a", 1_000), true);
 * assert.equal(await store.checkAndStore("a", 1_000), false);
 * now = 1_000; // expired: the proof itself is too old to be accepted now
 * assert.equal(await store.checkAndStore("a", 2_000), true);
 * ```
 */
export class MemoryReplayStore implements ReplayStore {
  #entries = new Map<string, number>();
  #maxEntries: number;
  #now: () => number;
  #lastSweep = Number.NEGATIVE_INFINITY;

  /**
   * Creates an empty store.
   *
   * @param options The capacity and the clock.
   * @throws {TypeError} When `maxEntries` is not a positive integer, `now`
   * is not a function, or an option is unknown.
   */
  constructor(options: MemoryReplayStoreOptions = {}) {
    const given = optionsObject(OWNER, options, OPTION_NAMES);
    const maxEntries = numberOption(
      OWNER,
      "maxEntries",
      given.maxEntries,
      DEFAULT_MAX_ENTRIES,
      { min: 1, integer: true },
    );
    this.#maxEntries = maxEntries;
    // A clock reading NaN would make every entry look expired: every
    // proof would be new, again and again.
    this.#now = finiteClock(
      functionOption(OWNER, "now", given.now, Date.now),
    );
  }

  /** How many entries are held (expired ones may linger until a sweep). */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Records `key` until `expiresAt`, unless it is held and unexpired.
   *
   * @param key The proof's identifier.
   * @param expiresAt When the entry may be forgotten, in milliseconds.
   * @returns `true` when the key is new, `false` for a replay.
   * @throws {VerifierUnavailableError} When the store is full of unexpired
   * entries.
   * @throws {TypeError} When `expiresAt` is not a finite number: nothing is
   * recorded (an entry expiring at `NaN` would never count as held).
   * @throws {VerifierUnavailableError} When the clock reads anything but a
   * finite number.
   */
  checkAndStore(key: string, expiresAt: number): Promise<boolean> {
    try {
      return Promise.resolve(this.#checkAndStore(key, expiresAt));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #checkAndStore(key: string, expiresAt: number): boolean {
    expiryArgument(OWNER, expiresAt);
    const now = this.#now();
    this.#dropExpiredHead(now);
    const held = this.#entries.get(key);
    if (held !== undefined) {
      if (held > now) return false;
      this.#entries.delete(key);
    }
    if (this.#entries.size >= this.#maxEntries) this.#sweep(now);
    if (this.#entries.size >= this.#maxEntries) {
      throw new VerifierUnavailableError("DPoP replay cache is full", {
        retryAfter: this.#secondsUntilRoom(now),
      });
    }
    this.#entries.set(key, expiresAt);
    return true;
  }

  // Entries arrive roughly in expiry order, so the oldest usually sit first.
  #dropExpiredHead(now: number): void {
    for (const [key, expiresAt] of this.#entries) {
      if (expiresAt > now) return;
      this.#entries.delete(key);
    }
  }

  #sweep(now: number): void {
    if (now - this.#lastSweep < SWEEP_INTERVAL_MS) return;
    this.#lastSweep = now;
    for (const [key, expiresAt] of this.#entries) {
      if (expiresAt <= now) this.#entries.delete(key);
    }
  }

  // The head is the oldest entry: a hint, not a promise, and O(1).
  #secondsUntilRoom(now: number): number {
    const head = this.#entries.values().next();
    const expiresAt = head.done ? now : head.value;
    return Math.max(1, Math.ceil((expiresAt - now) / 1_000));
  }
}

/**
 * Reads a `replayStore` option: a {@linkcode ReplayStore}, or by default a
 * new {@linkcode MemoryReplayStore}. Internal.
 *
 * @throws {TypeError} When it has no `checkAndStore` method.
 */
export function replayStoreOption(owner: string, value: unknown): ReplayStore {
  if (value === undefined) return new MemoryReplayStore();
  const store = value as ReplayStore | null;
  if (
    store === null || typeof store !== "object" ||
    typeof store.checkAndStore !== "function"
  ) {
    throw new TypeError(
      `${
        label(owner, "replayStore")
      } must be an object with a checkAndStore(key, expiresAt) method, got ${
        show(value)
      }`,
    );
  }
  return store;
}
