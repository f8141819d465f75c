/**
 * DPoP replay protection and shared verification results in Cloudflare
 * Durable Objects: {@linkcode StoreObject}, a small Durable Object class
 * you export from your Worker, and {@linkcode DurableObjectStore}, the
 * client the Worker's verifiers use through its namespace binding.
 *
 * - A Durable Object runs one instance at a time, everywhere; this one runs
 *   its operations one after another and keeps entries in its transactional
 *   storage, so "add if absent" is atomic and survives the object being
 *   evicted or restarted.
 * - Entries carry their expiry (an expired one reads as absent); an alarm
 *   deletes them.
 * - The client hashes every key (SHA-256) before it leaves the Worker: the
 *   object never sees a token or a proof identifier.
 * - Every call has a deadline (`timeoutMs`, default 1000 ms). A timeout, an
 *   exception, or an answer of another shape rejects with
 *   `VerifierUnavailableError` (HTTP 503 with `Retry-After`).
 *
 * Workers KV must not back a replay store: it has no compare-and-set, and
 * is eventually consistent, so two concurrent uses of one proof can both be
 * accepted. This Durable Object is the atomic alternative.
 *
 * @example Usage
 * ```ts ignore
 * // worker.ts; wrangler.toml binds AUTHZ_STORE to the class StoreObject
 * // (with a migration: new_sqlite_classes = ["StoreObject"]).
 * import { DurableObjectStore } from "@mcp-authz/core/durable-objects";
 * export { StoreObject } from "@mcp-authz/core/durable-objects";
 *
 * export default {
 *   fetch(request: Request, env: { AUTHZ_STORE: DurableObjectNamespace }) {
 *     const store = new DurableObjectStore({ namespace: env.AUTHZ_STORE });
 *     // withBearerAuth(app, { verifier, dpop: { replayStore: store } })(request)
 *   },
 * };
 * ```
 *
 * @module
 */

import type { CacheStore, ReplayStore } from "../../mod.ts";
import { HASHED_KEY, hashKey, type KeySpace } from "./_keys.ts";
import {
  checkExpiry,
  checkValue,
  guarded,
  type StoreSettings,
  storeSettings,
  unavailable,
} from "./_guard.ts";

/**
 * The storage of a Durable Object (`ctx.storage`), as {@linkcode StoreObject}
 * uses it.
 *
 * @example Usage
 * ```ts
 * import type { DurableObjectStorageLike } from "@mcp-authz/core/durable-objects";
 * import assert from "node:assert/strict";
 *
 * const storage: Pick<DurableObjectStorageLike, "get"> = { get: () => Promise.resolve(undefined) };
 * assert.equal(await storage.get("k"), undefined);
 * ```
 */
export interface DurableObjectStorageLike {
  /** Reads one value. */
  get(key: string): Promise<unknown>;
  /** Writes values. */
  put(entries: Record<string, unknown>): Promise<void>;
  /** Deletes keys. */
  delete(keys: string[]): Promise<number>;
  /** Lists keys in order. */
  list(
    options: { prefix?: string; start?: string; end?: string; limit?: number },
  ): Promise<Map<string, unknown>>;
  /** The alarm set, if any, in ms since the epoch. */
  getAlarm(): Promise<number | null>;
  /** Sets the alarm. */
  setAlarm(scheduledTime: number): Promise<void>;
}

/**
 * What a Durable Object receives as its first constructor argument
 * (`DurableObjectState`), as {@linkcode StoreObject} uses it.
 *
 * @example Usage
 * ```ts
 * import type { DurableObjectStateLike } from "@mcp-authz/core/durable-objects";
 * import assert from "node:assert/strict";
 *
 * const state = { storage: {} } as DurableObjectStateLike;
 * assert.ok("storage" in state);
 * ```
 */
export interface DurableObjectStateLike {
  /** The object's transactional storage. */
  readonly storage: DurableObjectStorageLike;
}

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
  /** The namespace binding of {@linkcode StoreObject}. */
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

/** One operation, as the client sends it to the object. */
type Operation =
  | { op: "add"; key: string; value: string; expiresAt: number }
  | { op: "set"; key: string; value: string; expiresAt: number }
  | { op: "get"; key: string }
  | { op: "delete"; key: string };

/** An operation without its key, which `#call` hashes and adds. */
type Unkeyed = Operation extends infer T
  ? T extends unknown ? Omit<T, "key"> : never
  : never;

interface Stored {
  readonly e: number;
  readonly v: string;
}

const OWNER = "DurableObjectStore";
const DEFAULT_TIMEOUT_MS = 1_000;
const MAX_SHARDS = 256;
const MAX_REQUEST_BYTES = 256 * 1024;
const ENTRY = "e:";
const EXPIRY = "x:";
// Expired entries are swept in batches, at most this often.
const SWEEP_DELAY_MS = 1_000;
const SWEEP_BATCH = 128;
// The object's address never leaves the Worker; this host is never resolved.
const OBJECT_URL = "https://mcp-authz.store.invalid/";

/**
 * A {@linkcode ReplayStore} and {@linkcode CacheStore} in Durable Objects of
 * the {@linkcode StoreObject} class. Hand it to `dpop.replayStore` and to
 * `IntrospectionVerifier`'s `sharedCache.store`.
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
    const namespace = options.namespace as Partial<DurableObjectNamespaceLike>;
    if (
      typeof namespace !== "object" || namespace === null ||
      typeof namespace.idFromName !== "function" ||
      typeof namespace.get !== "function"
    ) {
      throw new TypeError(
        `${OWNER} option "namespace" must be the Durable Object namespace binding of StoreObject (env.AUTHZ_STORE)`,
      );
    }
    this.#namespace = namespace as DurableObjectNamespaceLike;
    const shards = options.shards ?? 1;
    if (!Number.isInteger(shards) || shards < 1 || shards > MAX_SHARDS) {
      throw new TypeError(
        `${OWNER} option "shards" must be an integer from 1 to ${MAX_SHARDS}, got "${
          String(shards)
        }"`,
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
      value: checkValue(OWNER, value),
      expiresAt: checkExpiry(OWNER, expiresAt),
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
    return await this.#add("cache", key, checkValue(OWNER, value), expiresAt);
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
      expiresAt: checkExpiry(OWNER, expiresAt),
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
    // The hash's first character picks the shard: uniform, and stable.
    const shard = HASH_ALPHABET.indexOf(hashed.charAt(space.length + 1)) %
      this.#shards;
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

const HASH_ALPHABET =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/**
 * The Durable Object behind {@linkcode DurableObjectStore}: export it from
 * your Worker and bind a namespace to it. It answers only the store's
 * requests (through the binding; a Durable Object has no public address),
 * runs them one at a time, keeps entries in its storage and deletes
 * expired ones from an alarm.
 *
 * @example Usage
 * ```ts
 * import { StoreObject } from "@mcp-authz/core/durable-objects";
 * import assert from "node:assert/strict";
 *
 * const data = new Map<string, unknown>();
 * const object = new StoreObject({
 *   storage: {
 *     get: (key) => Promise.resolve(data.get(key)),
 *     put: (entries) => Promise.resolve(void Object.entries(entries).forEach(([k, v]) => data.set(k, v))),
 *     delete: (keys) => Promise.resolve(keys.filter((k) => data.delete(k)).length),
 *     list: () => Promise.resolve(new Map()),
 *     getAlarm: () => Promise.resolve(0),
 *     setAlarm: () => Promise.resolve(),
 *   },
 * });
 * const response = await object.fetch(new Request("https://x.invalid/", { method: "POST", body: "[]" }));
 * assert.equal(response.status, 400); // not an operation of the store
 * ```
 */
export class StoreObject {
  readonly #storage: DurableObjectStorageLike;
  // Operations run one after another, so a read and the write it decides
  // are never interleaved with another request's, whatever the runtime's
  // input gates do.
  #queue: Promise<unknown> = Promise.resolve();

  /**
   * Called by the runtime.
   *
   * @param state The object's state (its storage).
   * @param _env The Worker's bindings (unused).
   */
  constructor(state: DurableObjectStateLike, _env?: unknown) {
    this.#storage = state.storage;
  }

  /**
   * Runs one operation of {@linkcode DurableObjectStore}.
   *
   * @param request The store's request.
   * @returns Its answer (JSON), or 400 for anything else.
   */
  fetch(request: Request): Promise<Response> {
    return this.#serialized(async () => {
      const operation = await readOperation(request);
      if (operation === undefined) {
        return Response.json({ error: "not a store operation" }, {
          status: 400,
        });
      }
      return Response.json(await this.#run(operation));
    });
  }

  /**
   * Called by the runtime: deletes expired entries, and sets the next
   * alarm while entries remain.
   */
  alarm(): Promise<void> {
    return this.#serialized(async () => {
      const now = Date.now();
      const expired = await this.#storage.list({
        prefix: EXPIRY,
        end: `${EXPIRY}${pad(now)}`,
        limit: SWEEP_BATCH,
      });
      const keys: string[] = [];
      for (const [index, key] of expired) {
        keys.push(index);
        if (typeof key !== "string") continue;
        // Delete the entry only if it was not renewed since.
        const stored = await this.#storage.get(key);
        if (!isStored(stored) || stored.e <= now) keys.push(key);
      }
      if (keys.length > 0) await this.#storage.delete(keys);
      const next = await this.#storage.list({ prefix: EXPIRY, limit: 1 });
      const first = next.keys().next();
      if (!first.done) {
        const at = Number(first.value.slice(EXPIRY.length, EXPIRY.length + 15));
        await this.#storage.setAlarm(Math.max(at, now) + SWEEP_DELAY_MS);
      }
    });
  }

  async #run(operation: Operation): Promise<Record<string, unknown>> {
    const now = Date.now();
    const name = `${ENTRY}${operation.key}`;
    const stored = await this.#storage.get(name);
    const live = isStored(stored) && stored.e > now ? stored : undefined;
    switch (operation.op) {
      case "get":
        return { value: live === undefined ? null : live.v };
      case "delete":
        await this.#storage.delete([name]);
        return { ok: true };
      case "add":
        if (live !== undefined) return { added: false };
        await this.#write(name, operation.value, operation.expiresAt, now);
        return { added: true };
      case "set":
        if (operation.expiresAt > now) {
          await this.#write(name, operation.value, operation.expiresAt, now);
        } else {
          await this.#storage.delete([name]);
        }
        return { ok: true };
    }
  }

  async #write(
    name: string,
    value: string,
    expiresAt: number,
    now: number,
  ): Promise<void> {
    // An expiry already past is held briefly, as Redis holds it 1 ms.
    const e = Math.max(expiresAt, now + 1);
    await this.#storage.put({
      [name]: { e, v: value } satisfies Stored,
      [`${EXPIRY}${pad(e)}:${name}`]: name,
    });
    if ((await this.#storage.getAlarm()) === null) {
      await this.#storage.setAlarm(e + SWEEP_DELAY_MS);
    }
  }

  #serialized<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => {});
    return run;
  }
}

/** A request of {@linkcode DurableObjectStore}, or `undefined`. */
async function readOperation(request: Request): Promise<Operation | undefined> {
  if (request.method !== "POST") return undefined;
  const length = Number(request.headers.get("content-length") ?? 0);
  if (length > MAX_REQUEST_BYTES) return undefined;
  let body: unknown;
  try {
    const text = await request.text();
    if (text.length > MAX_REQUEST_BYTES) return undefined;
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof body !== "object" || body === null) return undefined;
  const { op, key, value, expiresAt } = body as Record<string, unknown>;
  if (typeof key !== "string" || !HASHED_KEY.test(key)) return undefined;
  if (op === "get" || op === "delete") return { op, key };
  if (
    (op === "add" || op === "set") && typeof value === "string" &&
    typeof expiresAt === "number" && Number.isFinite(expiresAt)
  ) {
    return { op, key, value, expiresAt };
  }
  return undefined;
}

function isStored(value: unknown): value is Stored {
  return typeof value === "object" && value !== null &&
    typeof (value as Stored).e === "number" &&
    typeof (value as Stored).v === "string";
}

/** Milliseconds as 15 digits, so expiry index keys sort by time. */
function pad(ms: number): string {
  return String(Math.max(0, Math.floor(ms))).padStart(15, "0");
}
