/**
 * {@linkcode DurableObjectStore}, the client of `StoreObject` (the Durable
 * Object class you export from your Worker) that the Worker's verifiers use
 * through its namespace binding.
 *
 * - The client hashes every key (SHA-256) before it leaves the Worker: the
 *   object never sees a token or a proof identifier.
 * - Every call has a deadline (`timeoutMs`, default 1000 ms). A timeout, an
 *   exception, or an answer of another shape rejects with
 *   `VerifierUnavailableError` (HTTP 503 with `Retry-After`).
 *
 * @module
 */

import { isRecord, label, numberOption, show } from "../_internal/options.ts";
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
import { OBJECT_URL, shardOf, type Unkeyed } from "./_object_protocol.ts";

/**
 * A Durable Object namespace binding (`env.AUTHZ_STORE`), as
 * {@linkcode DurableObjectStore} uses it.
 *
 * @example Usage
 * ```ts
 * import type { DurableObjectNamespaceLike } from "@mcp-authz/core/durable-objects";
 * import assert from "node:assert/strict";
 *
 * const namespace: DurableObjectNamespaceLike = {
 *   idFromName: (name) => name,
 *   get: () => ({ fetch: () => Promise.resolve(Response.json({ value: null })) }),
 * };
 * assert.equal(namespace.idFromName("a"), "a");
 * ```
 */
export interface DurableObjectNamespaceLike {
  /** The id of the object named `name`. */
  idFromName(name: string): unknown;
  /** A stub to call the object with. */
  get(id: never): {
    fetch(input: string, init?: RequestInit): Promise<Response>;
  };
}

/**
 * Options of {@linkcode DurableObjectStore}.
 *
 * @example Usage
 * ```ts
 * import type { DurableObjectStoreOptions } from "@mcp-authz/core/durable-objects";
 * import assert from "node:assert/strict";
 *
 * const options: Omit<DurableObjectStoreOptions, "namespace"> = { shards: 4, timeoutMs: 500 };
 * assert.equal(options.shards, 4);
 * ```
 */
export interface DurableObjectStoreOptions {
  /** The namespace binding of `StoreObject`. */
  namespace: DurableObjectNamespaceLike;
  /** Names the objects used (default `"mcp-authz"`): `<prefix>/<shard>`. */
  prefix?: string;
  /**
   * How many objects share the keys (default 1, at most 256). One object
   * runs one operation at a time; more spread the load, each key always
   * landing on the same one.
   */
  shards?: number;
  /**
   * The deadline of one call, in ms (default 1000: the object may run in
   * another location than the Worker, a round trip of up to a few hundred
   * milliseconds).
   */
  timeoutMs?: number;
  /** The clock, in ms since the epoch (default `Date.now`). */
  now?: () => number;
}

const OWNER = "DurableObjectStore";
const DEFAULT_TIMEOUT_MS = 1_000;
const MAX_SHARDS = 256;

/**
 * A {@linkcode ReplayStore} and {@linkcode CacheStore} in Durable Objects of
 * the `StoreObject` class. Hand it to `dpopScheme({ replayStore })` and
 * to `IntrospectionVerifier`'s `sharedCache.store`.
 *
 * @example Usage
 * ```ts
 * import { DurableObjectStore, StoreObject } from "@mcp-authz/core/durable-objects";
 * import assert from "node:assert/strict";
 *
 * // Outside workerd: one object over an in-memory storage, for the example.
 * const data = new Map<string, unknown>();
 * const storage = {
 *   get: (key: string) => Promise.resolve(data.get(key)),
 *   put: (entries: Record<string, unknown>) => Promise.resolve(void Object.entries(entries).forEach(([k, v]) => data.set(k, v))),
 *   delete: (keys: string[]) => Promise.resolve(keys.filter((k) => data.delete(k)).length),
 *   list: () => Promise.resolve(new Map()),
 *   getAlarm: () => Promise.resolve(0),
 *   setAlarm: () => Promise.resolve(),
 * };
 * const object = new StoreObject({ storage });
 * const store = new DurableObjectStore({
 *   namespace: {
 *     idFromName: (name) => name,
 *     get: () => ({ fetch: (url, init) => object.fetch(new Request(url, init)) }),
 *   },
 * });
 * assert.equal(await store.checkAndStore("jkt.jti", Date.now() + 60_000), true);
 * assert.equal(await store.checkAndStore("jkt.jti", Date.now() + 60_000), false);
 * ```
 */
export class DurableObjectStore implements ReplayStore, CacheStore {
  readonly #namespace: DurableObjectNamespaceLike;
  readonly #shards: number;
  readonly #settings: StoreSettings;

  /**
   * Validates the options once.
   *
   * @param options The namespace, the object names, the deadline and the
   * clock.
   * @throws {TypeError} When `namespace` is not a Durable Object namespace,
   * `shards` is not an integer from 1 to 256, an option is malformed, or
   * unknown.
   */
  constructor(options: DurableObjectStoreOptions) {
    this.#settings = storeSettings(
      OWNER,
      options,
      ["namespace", "shards"],
      DEFAULT_TIMEOUT_MS,
    );
    const namespace: unknown = this.#settings.own.namespace;
    if (
      !isRecord(namespace) || typeof namespace.idFromName !== "function" ||
      typeof namespace.get !== "function"
    ) {
      throw new TypeError(
        `${
          label(OWNER, "namespace")
        } must be the Durable Object namespace binding of StoreObject (env.AUTHZ_STORE), got ${
          show(namespace)
        }`,
      );
    }
    this.#namespace = namespace as unknown as DurableObjectNamespaceLike;
    const shards = numberOption(OWNER, "shards", this.#settings.own.shards, 1, {
      min: 1,
      integer: true,
    });
    if (shards > MAX_SHARDS) {
      throw new TypeError(
        `${label(OWNER, "shards")} must be at most ${MAX_SHARDS}, got ${
          show(shards)
        }`,
      );
    }
    this.#shards = shards;
  }

  /**
   * Records `key` until `expiresAt`, atomically.
   *
   * @param key The proof's key (`<jkt>.<jti>`).
   * @param expiresAt When the proof can no longer be accepted, in ms.
   * @returns `true` when the key was new, `false` for a replay.
   * @throws {VerifierUnavailableError} When the object fails or times out.
   */
  async checkAndStore(key: string, expiresAt: number): Promise<boolean> {
    return await this.#add("replay", key, "1", expiresAt);
  }

  /**
   * The live value held for `key`.
   *
   * @param key The entry's key.
   * @returns The value, or `undefined`.
   * @throws {VerifierUnavailableError} When the object fails or times out.
   */
  async get(key: string): Promise<string | undefined> {
    const answer = await this.#call("cache", key, { op: "get" });
    const value = answer.value;
    if (value === null) return undefined;
    if (typeof value === "string") return value;
    throw unavailable(OWNER, "answered get unexpectedly");
  }

  /**
   * Holds `value` until `expiresAt` (deletes the key when it is past).
   *
   * @param key The entry's key.
   * @param value The value.
   * @param expiresAt When it expires, in ms since the epoch.
   * @throws {VerifierUnavailableError} When the object fails or times out.
   */
  async set(key: string, value: string, expiresAt: number): Promise<void> {
    const answer = await this.#call("cache", key, {
      op: "set",
      value: valueArgument(OWNER, value),
      expiresAt: expiryArgument(OWNER, expiresAt),
    });
    if (answer.ok !== true) {
      throw unavailable(OWNER, "answered set unexpectedly");
    }
  }

  /**
   * Holds `value` until `expiresAt` unless `key` is held, atomically.
   *
   * @param key The entry's key.
   * @param value The value.
   * @param expiresAt When it expires, in ms since the epoch.
   * @returns `true` when it was added.
   * @throws {VerifierUnavailableError} When the object fails or times out.
   */
  async add(key: string, value: string, expiresAt: number): Promise<boolean> {
    return await this.#add(
      "cache",
      key,
      valueArgument(OWNER, value),
      expiresAt,
    );
  }

  /**
   * Forgets `key`.
   *
   * @param key The entry's key.
   * @throws {VerifierUnavailableError} When the object fails or times out.
   */
  async delete(key: string): Promise<void> {
    const answer = await this.#call("cache", key, { op: "delete" });
    if (answer.ok !== true) {
      throw unavailable(OWNER, "answered delete unexpectedly");
    }
  }

  async #add(
    space: KeySpace,
    key: string,
    value: string,
    expiresAt: number,
  ): Promise<boolean> {
    const answer = await this.#call(space, key, {
      op: "add",
      value,
      expiresAt: expiryArgument(OWNER, expiresAt),
    });
    if (typeof answer.added !== "boolean") {
      throw unavailable(OWNER, "answered add unexpectedly");
    }
    return answer.added;
  }

  async #call(
    space: KeySpace,
    key: string,
    operation: Unkeyed,
  ): Promise<Record<string, unknown>> {
    const hashed = `${space}:${await hashKey(key)}`;
    const shard = shardOf(hashed, space, this.#shards);
    return await guarded(OWNER, this.#settings.timeoutMs, async () => {
      const stub = this.#namespace.get(
        this.#namespace.idFromName(
          `${this.#settings.prefix}/${shard}`,
        ) as never,
      );
      const response = await stub.fetch(OBJECT_URL, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ ...operation, key: hashed }),
      });
      if (response.status !== 200) {
        await response.body?.cancel().catch(() => {});
        throw unavailable(OWNER, `answered ${response.status}`);
      }
      let answer: unknown;
      try {
        answer = await response.json();
      } catch (cause) {
        throw unavailable(OWNER, "answered something else than JSON", cause);
      }
      if (
        typeof answer !== "object" || answer === null || Array.isArray(answer)
      ) {
        throw unavailable(OWNER, "answered something else than an object");
      }
      return answer as Record<string, unknown>;
    });
  }
}
