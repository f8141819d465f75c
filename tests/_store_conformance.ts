// One suite every store runs: the in-memory stores, Redis through both
// clients, Deno KV and Durable Objects. It registers `it`s for a store
// factory; each engine's test file supplies the factory and its skip reason.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { CacheStore, ReplayStore } from "../mod.ts";

/** One instance of a store under test, as a server process would hold it. */
export interface StoreUnderTest {
  /** The store as a `ReplayStore`, when it is one. */
  replay?: ReplayStore;
  /** The store as a `CacheStore`, when it is one. */
  cache?: CacheStore;
  /** Everything the engine holds under this prefix, keys and values. */
  dump?: () => Promise<string>;
  /** Releases the instance (its client or handle). */
  close?: () => Promise<void>;
}

/**
 * Opens an instance over the engine: two calls with one prefix are two
 * instances (two clients, two handles) sharing the same data.
 */
export type OpenStore = (prefix: string) => Promise<StoreUnderTest>;

export interface ConformanceOptions {
  /** `skip` of every `it` (e.g. `needs("redis")`). */
  skip?: false | string;
  /** What the store implements (default both). */
  kinds?: readonly ("replay" | "cache")[];
  /** Whether it refuses a malformed expiry or value (the adapters do). */
  validatesInput?: boolean;
}

const CONCURRENCY = 64;
const EXPIRY_MS = 60;
// Polls for an expiry are bounded: a store that never expires fails.
const EXPIRY_WAIT_MS = 5_000;

let counter = 0;
/** A prefix no other test uses, so runs and tests never see each other. */
export function uniquePrefix(): string {
  return `t${Date.now().toString(36)}${(counter++).toString(36)}${
    Math.random().toString(36).slice(2, 8)
  }`;
}

async function withStores(
  open: OpenStore,
  count: number,
  run: (stores: StoreUnderTest[], prefix: string) => Promise<void>,
): Promise<void> {
  const prefix = uniquePrefix();
  const stores: StoreUnderTest[] = [];
  try {
    for (let i = 0; i < count; i++) stores.push(await open(prefix));
    await run(stores, prefix);
  } finally {
    for (const store of stores) await store.close?.();
  }
}

function replayOf(store: StoreUnderTest | undefined): ReplayStore {
  assert.ok(store?.replay, "the factory gives a replay store");
  return store.replay;
}

function cacheOf(store: StoreUnderTest | undefined): CacheStore {
  assert.ok(store?.cache, "the factory gives a cache store");
  return store.cache;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `condition` until it holds, at most `EXPIRY_WAIT_MS`. */
async function eventually(
  what: string,
  condition: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + EXPIRY_WAIT_MS;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      assert.fail(`${what} within ${EXPIRY_WAIT_MS} ms`);
    }
    await sleep(20);
  }
}

const TRICKY_KEYS = [
  "a",
  "a:",
  ":a",
  "a:b",
  "a.b",
  "ab",
  "",
  " ",
  "é",
  "e\u0301",
  "🔑",
  "x".repeat(2048),
  "x".repeat(2047),
  "\u0000",
  "replay:a",
  "cache:a",
];

/** Registers the suite for one store. */
export function storeConformance(
  name: string,
  open: OpenStore,
  options: ConformanceOptions = {},
): void {
  const skip = options.skip ?? false;
  const kinds = options.kinds ?? ["replay", "cache"];
  describe(`${name} conformance`, () => {
    const strict = options.validatesInput === true;
    if (kinds.includes("replay")) replaySuite(open, skip, strict);
    if (kinds.includes("cache")) cacheSuite(open, skip, strict);
    if (kinds.length === 2) {
      it("keeps proofs and cache entries apart", { skip }, async () => {
        await withStores(open, 1, async ([store]) => {
          const expiresAt = Date.now() + 60_000;
          assert.equal(
            await replayOf(store).checkAndStore("k", expiresAt),
            true,
          );
          assert.equal(await cacheOf(store).get("k"), undefined);
          assert.equal(await cacheOf(store).add("k", "v", expiresAt), true);
          assert.equal(
            await replayOf(store).checkAndStore("k", expiresAt),
            false,
          );
        });
      });
    }
  });
}

function replaySuite(
  open: OpenStore,
  skip: false | string,
  strict: boolean,
): void {
  it(
    "checkAndStore accepts a new key once, then refuses it",
    { skip },
    async () => {
      await withStores(open, 1, async ([store]) => {
        const replay = replayOf(store);
        const expiresAt = Date.now() + 60_000;
        assert.equal(await replay.checkAndStore("jkt.jti-1", expiresAt), true);
        assert.equal(await replay.checkAndStore("jkt.jti-1", expiresAt), false);
        assert.equal(
          await replay.checkAndStore("jkt.jti-1", expiresAt + 1),
          false,
        );
        assert.equal(await replay.checkAndStore("jkt.jti-2", expiresAt), true);
      });
    },
  );

  it("checkAndStore tells apart keys that look alike", { skip }, async () => {
    await withStores(open, 1, async ([store]) => {
      const replay = replayOf(store);
      const expiresAt = Date.now() + 60_000;
      for (const key of TRICKY_KEYS) {
        assert.equal(await replay.checkAndStore(key, expiresAt), true, key);
      }
      for (const key of TRICKY_KEYS) {
        assert.equal(await replay.checkAndStore(key, expiresAt), false, key);
      }
    });
  });

  it(
    `of ${CONCURRENCY} concurrent checkAndStore of one key on two instances, exactly one is true`,
    { skip },
    async () => {
      await withStores(open, 2, async (stores) => {
        const expiresAt = Date.now() + 60_000;
        for (let round = 0; round < 5; round++) {
          const key = `jkt.concurrent-${round}`;
          const answers = await Promise.all(
            Array.from(
              { length: CONCURRENCY },
              (_, i) => replayOf(stores[i % 2]).checkAndStore(key, expiresAt),
            ),
          );
          assert.equal(answers.filter((answer) => answer).length, 1, key);
        }
      });
    },
  );

  it(
    "concurrent checkAndStore of distinct keys all succeed",
    { skip },
    async () => {
      await withStores(open, 2, async (stores) => {
        const expiresAt = Date.now() + 60_000;
        const answers = await Promise.all(
          Array.from(
            { length: 200 },
            (_, i) => replayOf(stores[i % 2]).checkAndStore(`k${i}`, expiresAt),
          ),
        );
        assert.ok(answers.every((answer) => answer === true));
      });
    },
  );

  it("checkAndStore forgets a key after its expiry", { skip }, async () => {
    await withStores(open, 1, async ([store]) => {
      const replay = replayOf(store);
      const expiresAt = Date.now() + EXPIRY_MS;
      assert.equal(await replay.checkAndStore("short", expiresAt), true);
      if (Date.now() < expiresAt - 10) {
        assert.equal(await replay.checkAndStore("short", expiresAt), false);
      }
      await eventually(
        "the key is accepted again after its expiry",
        async () => (await replay.checkAndStore("short", Date.now() + 60_000)),
      );
      assert.equal(
        await replay.checkAndStore("short", Date.now() + 60_000),
        false,
      );
    });
  });

  it(
    "checkAndStore answers true for a new key whose expiry is past",
    { skip },
    async () => {
      await withStores(open, 1, async ([store]) => {
        assert.equal(
          await replayOf(store).checkAndStore("late", Date.now() - 1_000),
          true,
        );
      });
    },
  );

  it(
    "instances with different prefixes do not share keys",
    { skip },
    async () => {
      const expiresAt = Date.now() + 60_000;
      await withStores(open, 1, async ([first]) => {
        await withStores(open, 1, async ([second]) => {
          assert.equal(
            await replayOf(first).checkAndStore("k", expiresAt),
            true,
          );
          assert.equal(
            await replayOf(second).checkAndStore("k", expiresAt),
            true,
          );
        });
      });
    },
  );

  it("holds no key as given", { skip }, async () => {
    await withStores(open, 1, async ([store]) => {
      if (store?.dump === undefined) return;
      const key = "jkt-Xk9.jti-SECRET-7f3a";
      await replayOf(store).checkAndStore(key, Date.now() + 60_000);
      const held = await store.dump();
      assert.ok(held.length > 0, "the dump shows the entry");
      assert.ok(!held.includes("SECRET"), "the raw key is in the store");
    });
  });

  if (!strict) return;
  it("checkAndStore refuses a malformed expiry", { skip }, async () => {
    await withStores(open, 1, async ([store]) => {
      await assert.rejects(replayOf(store).checkAndStore("k", Number.NaN));
      // A refused call records nothing.
      assert.equal(
        await replayOf(store).checkAndStore("k", Date.now() + 60_000),
        true,
      );
    });
  });
}

function cacheSuite(
  open: OpenStore,
  skip: false | string,
  strict: boolean,
): void {
  it("get of an absent key is undefined", { skip }, async () => {
    await withStores(open, 1, async ([store]) => {
      assert.equal(await cacheOf(store).get("absent"), undefined);
    });
  });

  it("set then get returns the value exactly, on another instance too", {
    skip,
  }, async () => {
    await withStores(open, 2, async ([writer, reader]) => {
      const expiresAt = Date.now() + 60_000;
      const values = [
        "",
        "plain",
        '{"json":"with \\"quotes\\"","n":1}',
        "é🔑\u0000\r\n",
        "x".repeat(60 * 1024),
      ];
      for (const [i, value] of values.entries()) {
        await cacheOf(writer).set(`k${i}`, value, expiresAt);
        assert.equal(await cacheOf(reader).get(`k${i}`), value);
      }
    });
  });

  it("set replaces a value", { skip }, async () => {
    await withStores(open, 1, async ([store]) => {
      const cache = cacheOf(store);
      await cache.set("k", "one", Date.now() + 60_000);
      await cache.set("k", "two", Date.now() + 60_000);
      assert.equal(await cache.get("k"), "two");
    });
  });

  it(
    "add stores only when absent, and keeps the first value",
    { skip },
    async () => {
      await withStores(open, 1, async ([store]) => {
        const cache = cacheOf(store);
        const expiresAt = Date.now() + 60_000;
        assert.equal(await cache.add("k", "first", expiresAt), true);
        assert.equal(await cache.add("k", "second", expiresAt), false);
        assert.equal(await cache.get("k"), "first");
      });
    },
  );

  it(
    `of ${CONCURRENCY} concurrent add of one key on two instances, exactly one is true and its value is kept`,
    { skip },
    async () => {
      await withStores(open, 2, async (stores) => {
        const expiresAt = Date.now() + 60_000;
        const answers = await Promise.all(
          Array.from(
            { length: CONCURRENCY },
            (_, i) => cacheOf(stores[i % 2]).add("lease", `v${i}`, expiresAt),
          ),
        );
        const winners = answers.flatMap((answer, i) => (answer ? [i] : []));
        assert.equal(winners.length, 1);
        assert.equal(await cacheOf(stores[0]).get("lease"), `v${winners[0]}`);
      });
    },
  );

  it("delete forgets a key", { skip }, async () => {
    await withStores(open, 1, async ([store]) => {
      const cache = cacheOf(store);
      await cache.set("k", "v", Date.now() + 60_000);
      await cache.delete("k");
      assert.equal(await cache.get("k"), undefined);
      assert.equal(await cache.add("k", "w", Date.now() + 60_000), true);
      await cache.delete("never-held");
    });
  });

  it("an entry is not returned after its expiry", { skip }, async () => {
    await withStores(open, 1, async ([store]) => {
      const cache = cacheOf(store);
      const expiresAt = Date.now() + EXPIRY_MS;
      await cache.set("short", "v", expiresAt);
      await cache.add("lease", "v", expiresAt);
      await eventually(
        "the entries expire",
        async () =>
          (await cache.get("short")) === undefined &&
          (await cache.get("lease")) === undefined,
      );
      assert.equal(
        await cache.add("lease", "again", Date.now() + 60_000),
        true,
      );
    });
  });

  it(
    "set with an expiry already past leaves the key absent",
    { skip },
    async () => {
      await withStores(open, 1, async ([store]) => {
        const cache = cacheOf(store);
        await cache.set("k", "v", Date.now() + 60_000);
        await cache.set("k", "w", Date.now() - 1);
        assert.equal(await cache.get("k"), undefined);
      });
    },
  );

  it("holds no key as given", { skip }, async () => {
    await withStores(open, 1, async ([store]) => {
      if (store?.dump === undefined) return;
      await cacheOf(store).set(
        "token-SECRET-9c2",
        "value",
        Date.now() + 60_000,
      );
      const held = await store.dump();
      assert.ok(held.includes("value"), "the dump shows the entry");
      assert.ok(!held.includes("SECRET"), "the raw key is in the store");
    });
  });

  if (!strict) return;
  it(
    "refuses a value that is not a string, or a malformed expiry",
    { skip },
    async () => {
      await withStores(open, 1, async ([store]) => {
        const cache = cacheOf(store);
        await assert.rejects(
          cache.set("k", 1 as unknown as string, Date.now() + 60_000),
        );
        await assert.rejects(cache.add("k", "v", Number.POSITIVE_INFINITY));
        assert.equal(await cache.get("k"), undefined);
      });
    },
  );
}
