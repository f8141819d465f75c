/**
 * {@linkcode StoreObject}, the Durable Object behind
 * `DurableObjectStore`: export it from your Worker and bind a namespace to
 * it. It runs its operations one after another and keeps entries in its
 * transactional storage, so "add if absent" is atomic and survives the
 * object being evicted or restarted; entries carry their expiry (an expired
 * one reads as absent) and an alarm deletes them.
 *
 * @module
 */

import {
  isStored,
  type Operation,
  readOperation,
  type Stored,
} from "./_object_protocol.ts";

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

const ENTRY = "e:";
const EXPIRY = "x:";
// Expired entries are swept in batches, at most this often.
const SWEEP_DELAY_MS = 1_000;
const SWEEP_BATCH = 128;

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

/** Milliseconds as 15 digits, so expiry index keys sort by time. */
function pad(ms: number): string {
  return String(Math.max(0, Math.floor(ms))).padStart(15, "0");
}
