import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MemoryReplayStore, VerifierUnavailableError } from "../../mod.ts";
import { receiverFreeClock } from "../_receiver.ts";
import {
  storeConformance,
  type StoreUnderTest,
} from "../_store_conformance.ts";

// The suite every shared replay store passes (tests/stores/); two instances
// of one prefix are the same object here.
const byPrefix = new Map<string, MemoryReplayStore>();
storeConformance(
  "MemoryReplayStore",
  (prefix): Promise<StoreUnderTest> => {
    let store = byPrefix.get(prefix);
    if (store === undefined) {
      byPrefix.set(prefix, store = new MemoryReplayStore());
    }
    return Promise.resolve({ replay: store });
  },
  { kinds: ["replay"], validatesInput: true },
);

describe("MemoryReplayStore", () => {
  it("calls an injected clock without a receiver (now: performance.now)", async () => {
    const store = new MemoryReplayStore({ now: receiverFreeClock(0) });
    assert.equal(await store.checkAndStore("a", 1_000), true);
    assert.equal(await store.checkAndStore("a", 1_000), false);
    const host = new MemoryReplayStore({ now: performance.now });
    const later = performance.now() + 60_000;
    assert.equal(await host.checkAndStore("a", later), true);
    assert.equal(await host.checkAndStore("a", later), false);
  });

  it("throws TypeError for an unknown option", () => {
    assert.throws(
      () => new MemoryReplayStore({ maxentries: 5 } as never),
      /Unknown MemoryReplayStore option "maxentries" \(did you mean "maxEntries"\?\)/,
    );
  });

  it("accepts a key once until it expires", async () => {
    let now = 0;
    const store = new MemoryReplayStore({ now: () => now });
    assert.equal(await store.checkAndStore("a", 1_000), true);
    assert.equal(await store.checkAndStore("a", 1_000), false);
    now = 999;
    assert.equal(await store.checkAndStore("a", 5_000), false);
    now = 1_000;
    assert.equal(await store.checkAndStore("a", 5_000), true);
  });

  it("keeps distinct keys apart", async () => {
    const store = new MemoryReplayStore({ now: () => 0 });
    assert.equal(await store.checkAndStore("a", 10), true);
    assert.equal(await store.checkAndStore("b", 10), true);
    assert.equal(store.size, 2);
  });

  it("drops expired entries as time passes", async () => {
    let now = 0;
    const store = new MemoryReplayStore({ now: () => now });
    for (let i = 0; i < 100; i++) await store.checkAndStore(`k${i}`, 1_000);
    now = 2_000;
    await store.checkAndStore("fresh", 3_000);
    assert.equal(store.size, 1);
  });

  it("refuses an expiry that is not a finite number, recording nothing", async () => {
    // An entry expiring at NaN never counts as held (NaN > now is false):
    // recorded, it would let the same proof be accepted again and again.
    const store = new MemoryReplayStore({ now: () => 0 });
    for (const expiresAt of [Number.NaN, Infinity, -Infinity, "1000"]) {
      for (let i = 0; i < 2; i++) {
        await assert.rejects(
          store.checkAndStore("proof", expiresAt as number),
          {
            name: "TypeError",
            message:
              /^MemoryReplayStore expiresAt must be a finite number of milliseconds since the epoch/,
          },
        );
      }
    }
    assert.equal(store.size, 0);
    assert.equal(await store.checkAndStore("proof", 1_000), true);
    assert.equal(await store.checkAndStore("proof", 1_000), false);
  });

  it("a clock reading NaN refuses every proof (503), never accepts one twice", async () => {
    let now = 0;
    const store = new MemoryReplayStore({ now: () => now });
    assert.equal(await store.checkAndStore("proof", 1_000), true);
    now = Number.NaN;
    for (let i = 0; i < 2; i++) {
      await assert.rejects(
        store.checkAndStore("proof", 1_000),
        VerifierUnavailableError,
      );
      await assert.rejects(
        store.checkAndStore("other", 1_000),
        VerifierUnavailableError,
      );
    }
    now = 500;
    assert.equal(await store.checkAndStore("proof", 1_000), false);
  });

  it("refuses new keys with 503 semantics when full of unexpired entries", async () => {
    const store = new MemoryReplayStore({ maxEntries: 3, now: () => 0 });
    for (const key of ["a", "b", "c"]) {
      assert.equal(await store.checkAndStore(key, 30_000), true);
    }
    await assert.rejects(store.checkAndStore("d", 30_000), (error) => {
      assert.ok(error instanceof VerifierUnavailableError);
      assert.equal(error.retryAfter, 30);
      return true;
    });
    // Nothing was evicted: every held proof is still refused as a replay.
    for (const key of ["a", "b", "c"]) {
      assert.equal(await store.checkAndStore(key, 30_000), false);
    }
    assert.equal(store.size, 3);
  });

  it("makes room by sweeping expired entries that are not at the head", async () => {
    let now = 0;
    const store = new MemoryReplayStore({ maxEntries: 3, now: () => now });
    await store.checkAndStore("long", 60_000);
    await store.checkAndStore("short-1", 1_000);
    await store.checkAndStore("short-2", 1_000);
    now = 2_000;
    assert.equal(await store.checkAndStore("new", 62_000), true);
    assert.equal(store.size, 2);
  });

  it("never grows beyond maxEntries", async () => {
    let now = 0;
    const store = new MemoryReplayStore({ maxEntries: 50, now: () => now });
    let refused = 0;
    for (let i = 0; i < 1_000; i++) {
      now = i * 10;
      try {
        await store.checkAndStore(`k${i}`, now + 1_000);
      } catch {
        refused++;
      }
      assert.ok(store.size <= 50);
    }
    assert.ok(refused > 0);
  });

  for (
    const [label, options, message] of [
      [
        "maxEntries 0",
        { maxEntries: 0 },
        /^MemoryReplayStore option "maxEntries" must be an integer of at least 1, got "0"/,
      ],
      ["maxEntries 1.5", { maxEntries: 1.5 }, /got "1.5"/],
      [
        "a clock that is not a function",
        { now: 1 as never },
        /^MemoryReplayStore option "now" must be a function/,
      ],
    ] as const
  ) {
    it(`throws TypeError for ${label}`, () => {
      assert.throws(() => new MemoryReplayStore(options), (error: Error) => {
        assert.ok(error instanceof TypeError);
        assert.match(error.message, message);
        return true;
      });
    });
  }
});
