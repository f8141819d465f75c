// MemoryCacheStore: the conformance suite every CacheStore passes (the
// shared stores run it in tests/stores/), its options and its bound.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MemoryCacheStore, type MemoryCacheStoreOptions } from "../../mod.ts";
import { receiverFreeClock } from "../_receiver.ts";
import {
  storeConformance,
  type StoreUnderTest,
} from "../_store_conformance.ts";

// Two instances of one prefix share the data, as two clients of one engine
// would: here, the same object.
const byPrefix = new Map<string, MemoryCacheStore>();
storeConformance(
  "MemoryCacheStore",
  (prefix): Promise<StoreUnderTest> => {
    let store = byPrefix.get(prefix);
    if (store === undefined) {
      byPrefix.set(prefix, store = new MemoryCacheStore());
    }
    return Promise.resolve({ cache: store });
  },
  { kinds: ["cache"], validatesInput: true },
);

describe("MemoryCacheStore", () => {
  it("refuses unknown and malformed options, saying what to write", () => {
    const cases: [unknown, RegExp][] = [
      [
        { maxentries: 5 },
        /Unknown MemoryCacheStore option "maxentries" \(did you mean "maxEntries"\?\)/,
      ],
      [
        { maxEntries: 0 },
        /MemoryCacheStore option "maxEntries" must be an integer of at least 1/,
      ],
      [{ maxEntries: 1.5 }, /option "maxEntries" must be an integer/],
      [{ now: 5 }, /MemoryCacheStore option "now" must be a function/],
      [
        { now: performance.now },
        /option "now" must count milliseconds since the epoch/,
      ],
      [null, /MemoryCacheStore expects an options object, got null/],
    ];
    for (const [options, message] of cases) {
      assert.throws(
        () => new MemoryCacheStore(options as MemoryCacheStoreOptions),
        { name: "TypeError", message },
      );
    }
  });

  it("calls an injected clock without a receiver", async () => {
    const store = new MemoryCacheStore({ now: receiverFreeClock(0) });
    await store.set("k", "v", 1_000);
    assert.equal(await store.get("k"), "v");
  });

  it("a clock reading NaN is a failure, never an entry held for ever", async () => {
    const store = new MemoryCacheStore({ now: () => Number.NaN });
    await assert.rejects(store.set("k", "v", 1_000), {
      name: "VerifierUnavailableError",
    });
    await assert.rejects(store.add("k", "v", 1_000), {
      name: "VerifierUnavailableError",
    });
    assert.equal(store.size, 0);
  });

  it("holds at most maxEntries, the oldest written leaving first", async () => {
    const store = new MemoryCacheStore({ maxEntries: 2, now: () => 0 });
    await store.set("a", "1", 1_000);
    await store.set("b", "2", 1_000);
    await store.set("c", "3", 1_000);
    assert.equal(store.size, 2);
    assert.equal(await store.get("a"), undefined);
    assert.equal(await store.get("b"), "2");
    assert.equal(await store.get("c"), "3");
  });

  it("forgets an entry at its expiry, to the millisecond", async () => {
    let now = 0;
    const store = new MemoryCacheStore({ now: () => now });
    assert.equal(await store.add("lease", "1", 100), true);
    now = 99;
    assert.equal(await store.add("lease", "2", 200), false);
    now = 100;
    assert.equal(await store.get("lease"), undefined);
    assert.equal(await store.add("lease", "3", 200), true);
    assert.equal(await store.get("lease"), "3");
  });
});
