/**
 * {@linkcode RedisStore}: the replay store and cache store in Redis, over a
 * node-redis or ioredis client given by the application.
 *
 * @module
 */

import { label, show } from "../_internal/options.ts";
import { expiryArgument, valueArgument } from "../_internal/store_input.ts";
import type { ReplayStore } from "../dpop/replay.ts";
import type { CacheStore } from "../verify/cache_store.ts";
import { flatKey } from "./_keys.ts";
import {
  guarded,
  type StoreSettings,
  storeSettings,
  unavailable,
} from "./_guard.ts";

/**
 * A node-redis client (`createClient()` of `redis` 4 or later, connected):
 * only its `sendCommand` is used.
 *
 * @example Usage
 * ```ts
 * import type { NodeRedisClient } from "@mcp-authz/core/redis";
 * import assert from "node:assert/strict";
 *
 * const client: NodeRedisClient = { sendCommand: () => Promise.resolve("OK") };
 * assert.equal(await client.sendCommand(["PING"]), "OK");
 * ```
 */
export interface NodeRedisClient {
  /** Sends one command, `["SET", key, value, ...]`. */
  sendCommand(args: string[]): Promise<unknown>;
}

/**
 * An `ioredis` client (`new Redis(...)`): only its `call` is used.
 *
 * @example Usage
 * ```ts
 * import type { IoRedisClient } from "@mcp-authz/core/redis";
 * import assert from "node:assert/strict";
 *
 * const client: IoRedisClient = { call: () => Promise.resolve("OK") };
 * assert.equal(await client.call("PING", []), "OK");
 * ```
 */
export interface IoRedisClient {
  /** Sends one command, `("SET", [key, value, ...])`. */
  call(command: string, args: string[]): Promise<unknown>;
}

/**
 * Options of {@linkcode RedisStore}.
 *
 * @example Usage
 * ```ts
 * import type { RedisStoreOptions } from "@mcp-authz/core/redis";
 * import assert from "node:assert/strict";
 *
 * const options: RedisStoreOptions = {
 *   client: { sendCommand: () => Promise.resolve(null) },
 *   prefix: "my-mcp",
 *   timeoutMs: 100,
 * };
 * assert.equal(options.prefix, "my-mcp");
 * ```
 */
export interface RedisStoreOptions {
  /** A connected node-redis or ioredis client. */
  client: NodeRedisClient | IoRedisClient;
  /**
   * The namespace of every key (default `"mcp-authz"`): keys are
   * `<prefix>:replay:…` and `<prefix>:cache:…`.
   */
  prefix?: string;
  /**
   * The deadline of one command, in ms (default 250: a hundred times a
   * healthy round trip within a region, and short enough that a hung Redis
   * holds few requests before they get their 503).
   */
  timeoutMs?: number;
  /** The clock TTLs are computed with, in ms since the epoch (default `Date.now`). */
  now?: () => number;
}

const OWNER = "RedisStore";
const DEFAULT_TIMEOUT_MS = 250;
const decoder = new TextDecoder();

/**
 * A {@linkcode ReplayStore} and {@linkcode CacheStore} in Redis. Hand it to
 * `dpopScheme({ replayStore })` and to `IntrospectionVerifier`'s
 * `sharedCache.store`; one store (and one client) serves both.
 *
 * @example Usage
 * ```ts
 * import { RedisStore } from "@mcp-authz/core/redis";
 * import assert from "node:assert/strict";
 *
 * // A stand-in for a client: a Redis that has seen nothing yet.
 * const sent: string[][] = [];
 * const client = {
 *   sendCommand(args: string[]) {
 *     sent.push(args);
 *     return Promise.resolve("OK");
 *   },
 * };
 * const store = new RedisStore({ client });
 * assert.equal(await store.checkAndStore("jkt.jti", Date.now() + 60_000), true);
 * const [command, key, , nx] = sent[0]!;
 * assert.equal(command, "SET");
 * assert.match(key!, /^mcp-authz:replay:[\w-]{43}$/); // hashed, never the raw key
 * assert.equal(nx, "NX");
 * ```
 */
export class RedisStore implements ReplayStore, CacheStore {
  readonly #send: (args: string[]) => Promise<unknown>;
  readonly #settings: StoreSettings;

  /**
   * Validates the options once.
   *
   * @param options The client, the key prefix, the deadline and the clock.
   * @throws {TypeError} When `client` is neither a node-redis nor an
   * ioredis client, an option is malformed, or unknown.
   */
  constructor(options: RedisStoreOptions) {
    this.#settings = storeSettings(
      OWNER,
      options,
      ["client"],
      DEFAULT_TIMEOUT_MS,
    );
    this.#send = sender(this.#settings.own.client);
  }

  /**
   * Records `key` until `expiresAt`: `SET <prefix>:replay:<hash> 1 NX PX`.
   *
   * @param key The proof's key (`<jkt>.<jti>`).
   * @param expiresAt When the proof can no longer be accepted, in ms.
   * @returns `true` when the key was new, `false` for a replay.
   * @throws {VerifierUnavailableError} When Redis fails, times out or
   * answers something else than `OK` or nil.
   */
  async checkAndStore(key: string, expiresAt: number): Promise<boolean> {
    return await this.#setIfAbsent("replay", key, "1", expiresAt);
  }

  /**
   * The value held for `key`: `GET <prefix>:cache:<hash>`.
   *
   * @param key The entry's key.
   * @returns The value, or `undefined`.
   * @throws {VerifierUnavailableError} When Redis fails, times out or
   * answers something else than a string or nil (a key of another type).
   */
  async get(key: string): Promise<string | undefined> {
    const name = await flatKey(this.#settings.prefix, "cache", key);
    const reply = await this.#command(["GET", name]);
    if (reply === null) return undefined;
    if (typeof reply === "string") return reply;
    throw unavailable(OWNER, "answered GET unexpectedly");
  }

  /**
   * Holds `value` until `expiresAt`: `SET <prefix>:cache:<hash> value PX`,
   * or `DEL` when `expiresAt` is past.
   *
   * @param key The entry's key.
   * @param value The value.
   * @param expiresAt When it expires, in ms since the epoch.
   * @throws {VerifierUnavailableError} When Redis fails or times out.
   */
  async set(key: string, value: string, expiresAt: number): Promise<void> {
    valueArgument(OWNER, value);
    const ttl = this.#ttl(expiresAt);
    const name = await flatKey(this.#settings.prefix, "cache", key);
    if (ttl === undefined) {
      await this.#deleteKey(name);
      return;
    }
    const reply = await this.#command(["SET", name, value, "PX", ttl]);
    if (reply !== "OK") throw unavailable(OWNER, "answered SET unexpectedly");
  }

  /**
   * Holds `value` until `expiresAt` unless `key` is held:
   * `SET <prefix>:cache:<hash> value NX PX`.
   *
   * @param key The entry's key.
   * @param value The value.
   * @param expiresAt When it expires, in ms since the epoch.
   * @returns `true` when it was added.
   * @throws {VerifierUnavailableError} When Redis fails or times out.
   */
  async add(key: string, value: string, expiresAt: number): Promise<boolean> {
    valueArgument(OWNER, value);
    return await this.#setIfAbsent("cache", key, value, expiresAt);
  }

  /**
   * Forgets `key`: `DEL <prefix>:cache:<hash>`.
   *
   * @param key The entry's key.
   * @throws {VerifierUnavailableError} When Redis fails or times out.
   */
  async delete(key: string): Promise<void> {
    await this.#deleteKey(await flatKey(this.#settings.prefix, "cache", key));
  }

  async #setIfAbsent(
    space: "replay" | "cache",
    key: string,
    value: string,
    expiresAt: number,
  ): Promise<boolean> {
    // PX must be positive: an expiry already past is held for 1 ms, so the
    // answer still says whether the key was held.
    const ttl = this.#ttl(expiresAt) ?? "1";
    const name = await flatKey(this.#settings.prefix, space, key);
    const reply = await this.#command(["SET", name, value, "NX", "PX", ttl]);
    if (reply === "OK") return true;
    if (reply === null) return false;
    throw unavailable(OWNER, "answered SET NX unexpectedly");
  }

  async #deleteKey(name: string): Promise<void> {
    const reply = await this.#command(["DEL", name]);
    if (typeof reply !== "number") {
      throw unavailable(OWNER, "answered DEL unexpectedly");
    }
  }

  /** Milliseconds until `expiresAt`, as a PX argument; `undefined` if past. */
  #ttl(expiresAt: number): string | undefined {
    const ttl = Math.ceil(
      expiryArgument(OWNER, expiresAt) - this.#settings.now(),
    );
    return ttl >= 1 ? String(ttl) : undefined;
  }

  /** One command under the deadline; byte replies read as UTF-8. */
  async #command(args: string[]): Promise<unknown> {
    const reply = await guarded(
      OWNER,
      this.#settings.timeoutMs,
      () => this.#send(args),
    );
    return reply instanceof Uint8Array ? decoder.decode(reply) : reply;
  }
}

/** How to send a command through the client given, told by its shape. */
function sender(client: unknown): (args: string[]) => Promise<unknown> {
  if (typeof client === "object" && client !== null) {
    const candidate = client as Partial<NodeRedisClient & IoRedisClient>;
    // ioredis also has a `sendCommand`, taking a Command object: test `call`
    // first. node-redis has no `call`.
    if (typeof candidate.call === "function") {
      const ioredis = candidate as IoRedisClient;
      return ([command, ...args]) => ioredis.call(command!, args);
    }
    if (typeof candidate.sendCommand === "function") {
      const nodeRedis = candidate as NodeRedisClient;
      return (args) => nodeRedis.sendCommand(args);
    }
  }
  throw new TypeError(
    `${
      label(OWNER, "client")
    } must be a connected node-redis client (createClient() of "redis") or an ioredis client (new Redis()), got ${
      show(client)
    }`,
  );
}
