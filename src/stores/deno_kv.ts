/**
 * {@linkcode DenoKvStore}: the replay store and cache store in Deno KV, over
 * the `Deno.Kv` the application opened.
 *
 * @module
 */

import { sleep } from "../_internal/deadline.ts";
import { isRecord, label, show } from "../_internal/options.ts";
import { expiryArgument, valueArgument } from "../_internal/store_input.ts";
import type { ReplayStore } from "../dpop/replay.ts";
import type { CacheStore } from "../verify/cache_store.ts";
import { hashKey, type KeySpace } from "./_keys.ts";
import {
  guarded,
  type StoreSettings,
  storeSettings,
  unavailable,
} from "./_guard.ts";

/** A Deno KV key: what `Deno.KvKey` holds, as used here. */
export type DenoKvKey =
  readonly (string | number | bigint | boolean | Uint8Array)[];

/**
 * The part of an atomic operation of Deno KV (`Deno.AtomicOperation`) this
 * store uses.
 *
 * @example Usage
 * ```ts
 * import type { DenoKvAtomic } from "@mcp-authz/core/deno-kv";
 * import assert from "node:assert/strict";
 *
 * const atomic: DenoKvAtomic = {
 *   check() { return this; },
 *   set() { return this; },
 *   commit: () => Promise.resolve({ ok: true }),
 * };
 * assert.deepEqual(await atomic.check().set(["k"], 1).commit(), { ok: true });
 * ```
 */
export interface DenoKvAtomic {
  /** Adds checks: each key must have this versionstamp (`null`: absent). */
  check(
    ...checks: { key: DenoKvKey; versionstamp: string | null }[]
  ): DenoKvAtomic;
  /** Adds a write. */
  set(
    key: DenoKvKey,
    value: unknown,
    options?: { expireIn?: number },
  ): DenoKvAtomic;
  /** Commits, or resolves `{ ok: false }` when a check failed. */
  commit(): Promise<{ ok: boolean }>;
}

/**
 * The part of `Deno.Kv` this store uses: a `Deno.Kv` is one.
 *
 * @example Usage
 * ```ts
 * import type { DenoKv } from "@mcp-authz/core/deno-kv";
 * import assert from "node:assert/strict";
 *
 * const kv: Pick<DenoKv, "get"> = {
 *   get: () => Promise.resolve({ value: null, versionstamp: null }),
 * };
 * assert.equal((await kv.get(["k"])).versionstamp, null);
 * ```
 */
export interface DenoKv {
  /** Reads one entry (`versionstamp` `null` when absent). */
  get(key: DenoKvKey): Promise<{ value: unknown; versionstamp: string | null }>;
  /** Writes one entry. */
  set(
    key: DenoKvKey,
    value: unknown,
    options?: { expireIn?: number },
  ): Promise<unknown>;
  /** Deletes one entry. */
  delete(key: DenoKvKey): Promise<void>;
  /** Starts an atomic operation. */
  atomic(): DenoKvAtomic;
}

/**
 * Options of {@linkcode DenoKvStore}.
 *
 * @example Usage
 * ```ts
 * import type { DenoKvStoreOptions } from "@mcp-authz/core/deno-kv";
 * import assert from "node:assert/strict";
 *
 * const kv = await Deno.openKv(":memory:");
 * const options: DenoKvStoreOptions = { kv, prefix: "my-mcp", timeoutMs: 500 };
 * assert.equal(options.prefix, "my-mcp");
 * kv.close();
 * ```
 */
export interface DenoKvStoreOptions {
  /** The database, from `Deno.openKv()`. */
  kv: DenoKv;
  /** The first part of every key (default `"mcp-authz"`). */
  prefix?: string;
  /**
   * The deadline of one operation, in ms (default 1000: an atomic commit
   * on Deno Deploy is replicated before it resolves, tens of milliseconds
   * and more across regions).
   */
  timeoutMs?: number;
  /** The clock, in ms since the epoch (default `Date.now`). */
  now?: () => number;
}

/** What an entry holds: its expiry and, for the cache, its value. */
interface Stored {
  readonly e: number;
  readonly v?: string;
}

const OWNER = "DenoKvStore";
const DEFAULT_TIMEOUT_MS = 1_000;
// Each round either commits or finds a live entry; a third is contention
// beyond reason, and is refused rather than guessed.
const MAX_ROUNDS = 3;

/**
 * A {@linkcode ReplayStore} and {@linkcode CacheStore} in Deno KV. Hand it
 * to `dpopScheme({ replayStore })` and to `IntrospectionVerifier`'s
 * `sharedCache.store`.
 *
 * @example Usage
 * ```ts
 * import { DenoKvStore } from "@mcp-authz/core/deno-kv";
 * import assert from "node:assert/strict";
 *
 * const kv = await Deno.openKv(":memory:");
 * const store = new DenoKvStore({ kv });
 * assert.equal(await store.checkAndStore("jkt.jti", Date.now() + 60_000), true);
 * assert.equal(await store.checkAndStore("jkt.jti", Date.now() + 60_000), false);
 * kv.close();
 * ```
 */
export class DenoKvStore implements ReplayStore, CacheStore {
  readonly #kv: DenoKv;
  readonly #settings: StoreSettings;

  /**
   * Validates the options once.
   *
   * @param options The database, the key prefix, the deadline and the clock.
   * @throws {TypeError} When `kv` is not a Deno KV database, an option is
   * malformed, or unknown.
   */
  constructor(options: DenoKvStoreOptions) {
    this.#settings = storeSettings(OWNER, options, ["kv"], DEFAULT_TIMEOUT_MS);
    const kv: unknown = this.#settings.own.kv;
    if (
      !isRecord(kv) ||
      !["get", "set", "delete", "atomic"].every((method) =>
        typeof kv[method] === "function"
      )
    ) {
      throw new TypeError(
        `${
          label(OWNER, "kv")
        } must be a Deno KV database (await Deno.openKv()), got ${show(kv)}`,
      );
    }
    this.#kv = kv as unknown as DenoKv;
  }

  /**
   * Records `key` until `expiresAt`, atomically.
   *
   * @param key The proof's key (`<jkt>.<jti>`).
   * @param expiresAt When the proof can no longer be accepted, in ms.
   * @returns `true` when the key was new, `false` for a replay.
   * @throws {VerifierUnavailableError} When Deno KV fails or times out.
   */
  async checkAndStore(key: string, expiresAt: number): Promise<boolean> {
    return await this.#addIfAbsent("replay", key, {
      e: expiryArgument(OWNER, expiresAt),
    });
  }

  /**
   * The live value held for `key`.
   *
   * @param key The entry's key.
   * @returns The value, or `undefined`.
   * @throws {VerifierUnavailableError} When Deno KV fails, times out or
   * holds a value of another shape.
   */
  async get(key: string): Promise<string | undefined> {
    const name = await this.#key("cache", key);
    const entry = await this.#guard(() => this.#kv.get(name));
    const stored = this.#read(entry.value);
    if (stored === undefined) return undefined;
    if (typeof stored.v !== "string") {
      throw unavailable(OWNER, "holds an entry of another shape");
    }
    return stored.v;
  }

  /**
   * Holds `value` until `expiresAt` (deletes the key when it is past).
   *
   * @param key The entry's key.
   * @param value The value.
   * @param expiresAt When it expires, in ms since the epoch.
   * @throws {VerifierUnavailableError} When Deno KV fails or times out.
   */
  async set(key: string, value: string, expiresAt: number): Promise<void> {
    const stored = {
      e: expiryArgument(OWNER, expiresAt),
      v: valueArgument(OWNER, value),
    };
    const name = await this.#key("cache", key);
    const ttl = Math.ceil(stored.e - this.#settings.now());
    await this.#guard(() =>
      ttl >= 1
        ? this.#kv.set(name, stored, { expireIn: ttl })
        : this.#kv.delete(name)
    );
  }

  /**
   * Holds `value` until `expiresAt` unless `key` is held, atomically.
   *
   * @param key The entry's key.
   * @param value The value.
   * @param expiresAt When it expires, in ms since the epoch.
   * @returns `true` when it was added.
   * @throws {VerifierUnavailableError} When Deno KV fails or times out.
   */
  async add(key: string, value: string, expiresAt: number): Promise<boolean> {
    return await this.#addIfAbsent("cache", key, {
      e: expiryArgument(OWNER, expiresAt),
      v: valueArgument(OWNER, value),
    });
  }

  /**
   * Forgets `key`.
   *
   * @param key The entry's key.
   * @throws {VerifierUnavailableError} When Deno KV fails or times out.
   */
  async delete(key: string): Promise<void> {
    const name = await this.#key("cache", key);
    await this.#guard(() => this.#kv.delete(name));
  }

  async #addIfAbsent(
    space: KeySpace,
    key: string,
    stored: Stored,
  ): Promise<boolean> {
    const name = await this.#key(space, key);
    // An expiry already past is held briefly, like Redis's 1 ms.
    const expireIn = Math.max(1, Math.ceil(stored.e - this.#settings.now()));
    let versionstamp: string | null = null; // first: "absent", one round trip
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const { ok } = await this.#guard(() =>
        this.#kv.atomic()
          .check({ key: name, versionstamp })
          .set(name, stored, { expireIn })
          .commit()
      );
      if (ok) return true;
      const entry = await this.#guard(() => this.#kv.get(name));
      // Held and live: a replay. Expired but not yet deleted: replace it,
      // if nobody else did meanwhile (the versionstamp check).
      if (this.#read(entry.value) !== undefined) return false;
      versionstamp = entry.versionstamp;
    }
    throw unavailable(OWNER, "could not commit under contention");
  }

  /** A live entry, `undefined` when absent or expired; throws on garbage. */
  #read(value: unknown): Stored | undefined {
    if (value === null || value === undefined) return undefined;
    if (
      typeof value !== "object" || typeof (value as Stored).e !== "number"
    ) {
      throw unavailable(OWNER, "holds an entry of another shape");
    }
    const stored = value as Stored;
    return stored.e > this.#settings.now() ? stored : undefined;
  }

  async #key(space: KeySpace, key: string): Promise<DenoKvKey> {
    return [this.#settings.prefix, space, await hashKey(key)];
  }

  #guard<T>(operation: () => Promise<T>): Promise<T> {
    const { timeoutMs } = this.#settings;
    const deadline = Date.now() + timeoutMs;
    return guarded(OWNER, timeoutMs, () => retryLocked(operation, deadline));
  }
}

// Two handles on one SQLite file (two processes on a machine) meet
// SQLite's write lock: "database is locked" means nothing was written, so
// the same operation is tried again, with a growing random pause, until the
// deadline.
const LOCKED = /database is locked/;
const MAX_LOCK_PAUSE_MS = 20;

async function retryLocked<T>(
  operation: () => Promise<T>,
  deadline: number,
): Promise<T> {
  for (let attempt = 1;; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (Date.now() >= deadline || !LOCKED.test(String(error))) throw error;
      const pause = Math.random() * Math.min(2 ** attempt, MAX_LOCK_PAUSE_MS);
      await sleep(pause);
    }
  }
}
